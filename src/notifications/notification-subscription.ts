import { IConstruct } from 'constructs';
import { NotificationTrigger, NotifiedObject } from './notification-trigger';
import { Notify } from './notify';
import { check, propError } from '../internal/errors';

/**
 * Who is told about which delivery events: rendered as `notifications.argoproj.io/subscribe.<trigger>.<service>`
 * annotations on the Rollout (Argo Rollouts triggers) or the Application (Argo CD triggers).
 */
export interface NotificationSubscription {
  /** The events, e.g. `[NotificationTrigger.ROLLOUT_ABORTED, NotificationTrigger.ANALYSIS_RUN_FAILED]`. */
  readonly on: NotificationTrigger[];
  /** The recipients, e.g. `[Notify.slack('#ml-oncall'), Notify.pagerDuty('llm-serving')]`. */
  readonly notify: Notify[];
}

export const SUBSCRIBE_PREFIX = 'notifications.argoproj.io/subscribe';

/**
 * The subscription annotations of one object. `unavailable` says why an event of the right kind can still never
 * happen on this object (e.g. analysis-run events on a rollout without analysis), or undefined when it can.
 */
export function subscriptionAnnotations(scope: IConstruct, prop: string, object: NotifiedObject, subscriptions: NotificationSubscription[],
  unavailable: (trigger: NotificationTrigger) => string | undefined = () => undefined): Record<string, string> {
  const recipients = new Map<string, string[]>();
  for (const sub of subscriptions) {
    const on = sub.on ?? [];
    check(on.length > 0 && (sub.notify ?? []).length > 0, scope, prop, { on: on.map(t => t.name), notify: (sub.notify ?? []).length },
      'a subscription needs at least one trigger and one recipient', 'e.g. { on: [NotificationTrigger.ROLLOUT_ABORTED], notify: [Notify.slack(\'#ml-oncall\')] }');
    for (const trigger of on) {
      if (trigger.object !== object) {
        throw propError(scope, prop, trigger.name, `is an event of ${article(trigger.object)}, and this ${object} has no such events`,
          trigger.object === NotifiedObject.APPLICATION ? 'subscribe the Argo CD Application (ArgoCdApplication notifications, or the pipeline\'s)' : 'subscribe the Rollout (the rollout\'s notifications)');
      }
      const why = unavailable(trigger);
      if (why) throw propError(scope, prop, trigger.name, `can never fire on this ${object}: ${why}`, 'drop the trigger, or add what produces the event');
      for (const to of sub.notify) {
        const key = `${SUBSCRIBE_PREFIX}.${trigger.name}.${to.service}`;
        const list = recipients.get(key) ?? [];
        if (!list.includes(to.recipient)) list.push(to.recipient);
        recipients.set(key, list);
      }
    }
  }
  return Object.fromEntries([...recipients].map(([key, list]) => [key, list.join(';')]));
}

/** The part of the subscriptions whose triggers are events of `object`; subscriptions left without triggers are dropped. */
export function subscriptionsFor(object: NotifiedObject, subscriptions: NotificationSubscription[] = []): NotificationSubscription[] {
  return subscriptions.map(s => ({ on: (s.on ?? []).filter(t => t.object === object), notify: s.notify })).filter(s => s.on.length > 0);
}

function article(object: NotifiedObject): string {
  return `${/^[AEIOU]/.test(object) ? 'an' : 'a'} ${object}`;
}

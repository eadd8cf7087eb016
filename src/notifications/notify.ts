import { check, deferFactoryChecks } from '../internal/errors';

/**
 * The notification services of argoproj/notifications-engine (shared by Argo Rollouts and Argo CD), by the name a
 * subscription annotation uses (`service.<name>` in the ConfigMap). Webhooks are named by the user instead.
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/notifications/services/overview/
 */
const SERVICES = [
  'alertmanager', 'awssqs', 'email', 'gcppubsub', 'github', 'googlechat', 'grafana', 'mattermost', 'nats', 'newrelic', 'opsgenie',
  'pagerduty', 'pagerdutyv2', 'pushover', 'rocketchat', 'slack', 'teams', 'teams-workflows', 'telegram', 'webex',
];
const WEBHOOK_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A recipient on any service of the notifications engine. */
export interface NotifyServiceOptions {
  /** The service's name, e.g. `mattermost`; configured as `service.<name>` in the notification ConfigMap. */
  readonly service: string;
  /** The recipient (channel, team, address), as that service expects it. */
  readonly recipient: string;
}

/**
 * Who is told, through which notification service: one recipient of a subscription annotation
 * `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>`. The service itself (tokens, URLs) is
 * configured once by the platform in the controller's notification ConfigMap and Secret, never here.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/notifications/
 */
export class Notify {
  /** A Slack channel (name or id) through `service.slack`. */
  public static slack(channel: string): Notify {
    return new Notify('slack', channel, 'Notify.slack');
  }

  /** A Microsoft Teams channel: a name of `recipientUrls` in `service.teams` (Office 365 connectors). */
  public static teams(channel: string): Notify {
    return new Notify('teams', channel, 'Notify.teams');
  }

  /** A Microsoft Teams channel through Power Automate workflows: a name of `recipientUrls` in `service.teams-workflows`. */
  public static teamsWorkflows(channel: string): Notify {
    return new Notify('teams-workflows', channel, 'Notify.teamsWorkflows');
  }

  /** A PagerDuty service (Events API v2): the service id whose routing key `service.pagerdutyv2` maps. */
  public static pagerDuty(serviceId: string): Notify {
    return new Notify('pagerdutyv2', serviceId, 'Notify.pagerDuty');
  }

  /** An Opsgenie team through `service.opsgenie`. */
  public static opsgenie(team: string): Notify {
    return new Notify('opsgenie', team, 'Notify.opsgenie');
  }

  /** An e-mail address through `service.email`. */
  public static email(address: string): Notify {
    check(/^[^\s@;]+@[^\s@;]+$/.test(address ?? ''), undefined, 'Notify.email', address, 'is not an e-mail address', "e.g. Notify.email('ml-oncall@example.com')");
    return new Notify('email', address, 'Notify.email');
  }

  /**
   * A webhook configured as `service.webhook.<name>`: the templates of the subscribed triggers say what it receives
   * (`webhook.<name>` in a template), e.g. an audit log or a CI system.
   */
  public static webhook(name: string): Notify {
    check(WEBHOOK_NAME.test(name ?? '') && !SERVICES.includes(name), undefined, 'Notify.webhook', name,
      'must be a lowercase name (letters, digits, -) other than a built-in service name: it names service.webhook.<name>', "e.g. Notify.webhook('mlops-audit')");
    return new Notify(name, '', 'Notify.webhook');
  }

  /** A recipient on any other service of the notifications engine (checked against its catalog). */
  public static to(options: NotifyServiceOptions): Notify {
    check(SERVICES.includes(options.service), undefined, 'Notify.to.service', options.service, 'is not a notification service of argoproj/notifications-engine',
      `use one of ${SERVICES.join(', ')}, or Notify.webhook(name) for a webhook`);
    return new Notify(options.service, options.recipient, 'Notify.to.recipient');
  }

  private constructor(
    /** The service name of the subscription annotation (a webhook's own name). */
    public readonly service: string,
    /** The recipient; empty for a webhook. */
    public readonly recipient: string,
    prop: string,
  ) {
    // The annotation value is a `;`-separated list of recipients.
    const webhook = prop === 'Notify.webhook';
    check(webhook || (typeof recipient === 'string' && recipient.trim() === recipient && recipient.length > 0 && !recipient.includes(';')),
      undefined, prop, recipient, 'must be one non-empty recipient without surrounding spaces or ;', "e.g. Notify.slack('#ml-oncall')");
  }
}

deferFactoryChecks(Notify);

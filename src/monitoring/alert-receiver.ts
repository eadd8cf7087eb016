import { IConstruct } from 'constructs';
import { check, deferFactoryChecks, propError } from '../internal/errors';
import { isDnsLabel } from '../internal/names';
import { recordReferences, secretKeyRef } from '../internal/object-ref';
import { SecretKeyRef } from '../serving/secret-ref';

/** Options every receiver takes. */
export interface AlertReceiverOptions {
  /**
   * The receiver's name in the AlertmanagerConfig (prometheus-operator prefixes it with `<namespace>/<config name>/`).
   * @default - the integration's name: `slack`, `pagerduty` or `webhook`
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1alpha1.Receiver
   */
  readonly name?: string;
  /**
   * Also notify when the alert resolves.
   * @default true
   * @see https://prometheus.io/docs/alerting/latest/configuration/
   */
  readonly sendResolved?: boolean;
}

/** A Slack receiver. */
export interface SlackReceiverOptions extends AlertReceiverOptions {
  /** The Secret key holding the Slack incoming-webhook URL (`apiURL`). */
  readonly apiUrl: SecretKeyRef;
  /**
   * The channel, e.g. `#ml-alerts`.
   * @default - the webhook's own channel
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1alpha1.SlackConfig
   */
  readonly channel?: string;
}

/** A PagerDuty receiver (Events API v2). */
export interface PagerDutyReceiverOptions extends AlertReceiverOptions {
  /** The Secret key holding the integration's routing key (`routingKey`). */
  readonly routingKey: SecretKeyRef;
}

/** A webhook receiver: Alertmanager POSTs its JSON payload (the alerts with their labels) to the URL. */
export interface WebhookReceiverOptions extends AlertReceiverOptions {
  /** The Secret key holding the URL (`urlSecret`): webhook URLs often carry a token. */
  readonly url: SecretKeyRef;
  /**
   * The most alerts one request carries.
   * @default - all alerts of the group
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1alpha1.WebhookConfig
   */
  readonly maxAlerts?: number;
}

/**
 * Where Alertmanager sends a model's alerts: a receiver of a prometheus-operator AlertmanagerConfig. Credentials
 * (webhook URLs, routing keys) come only from Secrets in the config's namespace, never as literals.
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1alpha1.Receiver
 */
export class AlertReceiver {
  /** Slack, through an incoming webhook whose URL is in a Secret. */
  public static slack(options: SlackReceiverOptions): AlertReceiver {
    check(options.channel === undefined || /^\S+$/.test(options.channel), undefined, 'AlertReceiver.slack.channel', options.channel,
      'must be a channel name or id without spaces', "e.g. channel: '#ml-alerts', or leave it out for the webhook's own channel");
    return new AlertReceiver(options, 'slack', 'slackConfigs', ['apiURL', 'AlertReceiver.slack.apiUrl', options.apiUrl], { channel: options.channel });
  }

  /** PagerDuty Events API v2, with the routing key from a Secret. */
  public static pagerDuty(options: PagerDutyReceiverOptions): AlertReceiver {
    return new AlertReceiver(options, 'pagerduty', 'pagerdutyConfigs', ['routingKey', 'AlertReceiver.pagerDuty.routingKey', options.routingKey], {});
  }

  /**
   * Any HTTP endpoint, e.g. the retraining trigger (an Argo Events webhook EventSource, a Kubeflow Pipelines or
   * Argo Workflows trigger), with the URL from a Secret.
   */
  public static webhook(options: WebhookReceiverOptions): AlertReceiver {
    if (options.maxAlerts !== undefined) {
      check(Number.isInteger(options.maxAlerts) && options.maxAlerts > 0, undefined, 'AlertReceiver.webhook.maxAlerts', options.maxAlerts, 'must be a whole number > 0', 'e.g. maxAlerts: 10');
    }
    return new AlertReceiver(options, 'webhook', 'webhookConfigs', ['urlSecret', 'AlertReceiver.webhook.url', options.url], { maxAlerts: options.maxAlerts });
  }

  /** The receiver's name. */
  public readonly name: string;

  private readonly config: Record<string, unknown>;

  /** `secret` is the integration's credential: its field in the config, its prop and the reference. */
  private constructor(options: AlertReceiverOptions, defaultName: string, private readonly field: string,
    secret: [field: string, prop: string, ref: SecretKeyRef], config: Record<string, unknown>) {
    const [secretField, prop, ref] = secret;
    const selector = secretSelector(prop, ref);
    this.name = options.name ?? defaultName;
    check(isDnsLabel(this.name), undefined, 'AlertReceiver.name', this.name, 'must be a DNS label', "e.g. name: 'ml-oncall'");
    this.config = { [secretField]: selector, ...config, sendResolved: options.sendResolved ?? true };
    recordReferences(this, [[`${prop}.secret`, ref.secret]]);
  }

  /**
   * The receiver as the AlertmanagerConfig CRD renders it.
   * @internal
   */
  public _render(): Record<string, unknown> {
    return { name: this.name, [this.field]: [this.config] };
  }
}

deferFactoryChecks(AlertReceiver);

/**
 * A `SecretKeySelector`; refuses anything that is not a reference (a URL or token passed where the Secret's name
 * belongs would be published in the manifests).
 */
function secretSelector(prop: string, ref: SecretKeyRef): { name: string; key: string } {
  if (typeof ref !== 'object' || ref === null) {
    throw propError(undefined, prop, typeof ref === 'string' ? '<literal string, not shown>' : ref,
      'must be a Secret reference: a credential given as a literal would be written into the manifests', "store it in a Secret and pass { secretName: 'alerting', key: 'slack-url' }");
  }
  if (ref.secret !== undefined) return secretKeyRef(undefined, prop, ref);
  check(typeof ref.secretName === 'string' && isDnsSubdomain(ref.secretName), undefined, `${prop}.secretName`, /[:/]/.test(ref.secretName ?? '') ? '<not a name, not shown>' : ref.secretName,
    'must be the name of a Secret (a DNS subdomain), not the credential itself', "e.g. { secretName: 'alerting', key: 'slack-url' }");
  check(typeof ref.key === 'string' && /^[-._a-zA-Z0-9]+$/.test(ref.key), undefined, `${prop}.key`, ref.key, 'must be a Secret data key', "e.g. key: 'url'");
  return { name: ref.secretName!, key: ref.key };
}

function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name);
}

/** Receivers by name; two different receivers of the same name are refused. */
export function uniqueReceivers(scope: IConstruct, receivers: AlertReceiver[]): AlertReceiver[] {
  const byName = new Map<string, AlertReceiver>();
  for (const r of receivers) {
    const known = byName.get(r.name);
    check(!known || known === r, scope, 'routes', r.name, 'two different receivers have the same name', "give one of them its own name, e.g. name: 'ml-oncall-slack'");
    byName.set(r.name, r);
  }
  return [...byName.values()];
}

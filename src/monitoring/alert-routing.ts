import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { uniqueReceivers } from './alert-receiver';
import { AlertRoute, RoutedAlert } from './alert-route';
import { AlertSeverity } from './alert-rules';
import { AlertmanagerConfig } from '../imports/alertmanagerconfig-monitoring.coreos.com';
import { shortDuration } from '../internal/duration';
import { bindInputs, check } from '../internal/errors';
import { sameNamespace } from '../internal/object-ref';
import { IModelService } from '../serving/model-service';

/** The labels every alert of `ModelAlerts` carries with the model's lineage (Prometheus label names). */
export const ALERT_LINEAGE_LABELS = {
  MODEL: 'lineage_model',
  VERSION: 'lineage_version',
  TRAINING_RUN: 'lineage_training_run',
  DATASET_HASH: 'lineage_dataset_hash',
} as const;

/** The alerts a routing routes. */
export interface IModelAlerts extends IConstruct {
  /** The service the alerts watch; its name is every alert's `service` label. */
  readonly service: IModelService;
  /** The name of the alerts' object (the PrometheusRule). */
  readonly ruleName: string;
  /** The namespace every alert is labelled with (`namespace`), where the routing must live; unset when they are not labelled. */
  readonly alertNamespace?: string;
  /** Every alert with its severity. */
  readonly routedAlerts: RoutedAlert[];
}

/** How a model's alerts are routed. */
export interface AlertRoutingOptions {
  /** The child routes, e.g. critical to PagerDuty, warning to Slack, drift to retraining. Retraining routes go first. */
  readonly routes: AlertRoute[];
  /**
   * Inhibit the model's warnings while one of its critical alerts fires.
   * @default true
   * @see https://prometheus.io/docs/alerting/latest/configuration/#inhibit_rule
   */
  readonly inhibitWarnings?: boolean;
  /**
   * How long a new group waits for more alerts before the first notification.
   * @default - Alertmanager's default (30s)
   * @see https://prometheus.io/docs/alerting/latest/configuration/#route
   */
  readonly groupWait?: Duration;
  /**
   * How long a group waits before notifying about new alerts in it.
   * @default - Alertmanager's default (5m)
   * @see https://prometheus.io/docs/alerting/latest/configuration/#route
   */
  readonly groupInterval?: Duration;
  /**
   * How long before a firing group is notified again.
   * @default - Alertmanager's default (4h)
   * @see https://prometheus.io/docs/alerting/latest/configuration/#route
   */
  readonly repeatInterval?: Duration;
}

/** Properties of AlertRouting. */
export interface AlertRoutingProps extends AlertRoutingOptions {
  /** The alerts to route. */
  readonly alerts: IModelAlerts;
}

/** What alerts of one model version are grouped by. */
const GROUP_BY = ['service', ALERT_LINEAGE_LABELS.MODEL, ALERT_LINEAGE_LABELS.VERSION];

/**
 * Routes a model's alerts through a prometheus-operator `AlertmanagerConfig` in the model's namespace: one route
 * matching the service's alerts (`service="<name>"`), grouped by model and version, with child routes to the
 * receivers, and an inhibit rule silencing the model's warnings while a critical alert of the same model fires.
 *
 * prometheus-operator adds a `namespace="<config namespace>"` matcher to the route and the inhibit rule (the default
 * `alertmanagerConfigMatcherStrategy` OnNamespace) and forces `continue: true` on it, so the alerts must carry the
 * model's namespace: `ModelAlerts` labels them with it. Every alert must reach a receiver (a route without
 * `continue`), and every route must match an alert of the model.
 *
 * Child ids: `Resource` (the AlertmanagerConfig).
 * @see https://prometheus-operator.dev/docs/developer/alerting/
 */
export class AlertRouting extends Construct {
  /** The AlertmanagerConfig's name. */
  public readonly configName: string;
  /** Its namespace. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: AlertRoutingProps) {
    super(scope, id);
    bindInputs(this, props);
    const alerts = props.alerts;
    const namespace = alerts.alertNamespace;
    check(namespace !== undefined, this, 'alerts', alerts.node.path,
      'are not labelled with a namespace, and prometheus-operator routes only the alerts labelled with the AlertmanagerConfig\'s namespace',
      'set the service\'s or the chart\'s namespace, and route through ModelAlerts\' routing prop (which labels the alerts)');
    this.namespace = namespace!;
    // Receivers' Secrets given as cdk8s-plus objects: prometheus-operator reads them in the config's namespace only.
    sameNamespace(this, this.namespace, props);
    this.configName = alerts.ruleName;
    check((props.routes ?? []).length > 0, this, 'routes', props.routes, 'none given, so no alert would reach a receiver',
      'e.g. routes: [AlertRoute.severity({ severity: AlertSeverity.CRITICAL, receiver: AlertReceiver.pagerDuty(...) })]');
    const routes = [...props.routes.filter(r => r.continues), ...props.routes.filter(r => !r.continues)];
    const receivers = uniqueReceivers(this, routes.map(r => r.receiver));
    const duration = (prop: string, d?: Duration) => d && shortDuration(this, prop, d, 1);
    const service = { name: 'service', value: alerts.service.name, matchType: '=' };
    const severity = (s: AlertSeverity) => ({ name: 'severity', value: s, matchType: '=' });

    new ApiObject(this, 'Resource', {
      ...AlertmanagerConfig.GVK,
      metadata: alerts.service.metadata(this.configName),
      spec: {
        route: {
          // Gets what no child route takes; validation makes sure nothing is left.
          receiver: (routes.find(r => !r.continues) ?? routes[0]).receiver.name,
          groupBy: GROUP_BY,
          groupWait: duration('groupWait', props.groupWait),
          groupInterval: duration('groupInterval', props.groupInterval),
          repeatInterval: duration('repeatInterval', props.repeatInterval),
          matchers: [service],
          routes: Lazy.any({ produce: () => routes.map(r => r._render(alerts.routedAlerts)) }),
        },
        receivers: receivers.map(r => r._render()),
        inhibitRules: props.inhibitWarnings ?? true ? [{
          sourceMatch: [severity(AlertSeverity.CRITICAL), service],
          targetMatch: [severity(AlertSeverity.WARNING), service],
          equal: [ALERT_LINEAGE_LABELS.MODEL],
        }] : undefined,
      },
    });
    this.node.addValidation({ validate: () => validateRoutes(this, routes, alerts.routedAlerts) });
  }
}

function validateRoutes(scope: IConstruct, routes: AlertRoute[], alerts: RoutedAlert[]): string[] {
  const errors: string[] = [];
  const names = alerts.map(a => a.name);
  for (const route of routes) {
    const missing = (route.requiredAlerts ?? []).filter(n => !names.includes(n));
    if (missing.length || !alerts.some(a => route._matches(a))) {
      errors.push(`[${scope.node.path}] routes: the route (${route.description}) to ${route.receiver.name} matches no alert of the model `
        + `(got ${JSON.stringify(missing.length ? missing : route.description)}; the model's alerts: ${names.join(', ') || 'none'}). Fix: route alerts the model has, or add the preset that fires them.`);
    }
  }
  const unrouted = alerts.filter(a => !routes.some(r => !r.continues && r._matches(a)));
  if (unrouted.length) {
    errors.push(`[${scope.node.path}] routes: alerts reach no receiver (got ${unrouted.map(a => `${a.name} (${a.severity})`).join(', ')}). `
      + 'Fix: add AlertRoute.severity() for their severity, or AlertRoute.alerts() for them.');
  }
  return errors;
}

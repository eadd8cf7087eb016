import { AlertReceiver } from './alert-receiver';
import { AlertSeverity } from './alert-rules';
import { check, deferFactoryChecks } from '../internal/errors';

/** Routes the alerts of one severity. */
export interface SeverityRouteOptions {
  /** The severity label the route matches. */
  readonly severity: AlertSeverity;
  /** Where the alerts go. */
  readonly receiver: AlertReceiver;
}

/** Routes alerts by name. */
export interface AlertNamesRouteOptions {
  /** The alert names (`alertname`) the route matches; each must be an alert of the model. */
  readonly alertNames: string[];
  /** Where the alerts go. */
  readonly receiver: AlertReceiver;
  /**
   * Let the alerts go on to the next routes too (e.g. their severity's).
   * @default false
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1alpha1.Route
   */
  readonly continue?: boolean;
}

/** Routes the signals that a model needs retraining. */
export interface RetrainingRouteOptions {
  /** The retraining trigger, usually `AlertReceiver.webhook()` (Argo Events, Kubeflow Pipelines, Argo Workflows, any HTTP endpoint). */
  readonly receiver: AlertReceiver;
  /**
   * The alerts that start a retraining.
   * @default - the model's `ModelDataDrift` and `ModelQualityBelowBaseline` alerts (not their `…Missing` alerts; a
   * prediction shift compares canary and stable, a rollout's concern rather than the data's)
   * @see https://prometheus.io/docs/alerting/latest/notifications/
   */
  readonly alertNames?: string[];
}

/** Alert names of the presets whose firing means the model no longer fits its data. */
const RETRAINING_ALERTS = ['ModelDataDrift', 'ModelQualityBelowBaseline'];

/** An alert as a route sees it. */
export interface RoutedAlert {
  /** `alertname`. */
  readonly name: string;
  /** The `severity` label. */
  readonly severity: string;
}

/**
 * One child route of a model's AlertmanagerConfig: by severity, by alert name, or to retraining. A route must match at
 * least one alert of the model.
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1alpha1.Route
 */
export class AlertRoute {
  /** The alerts of one severity, e.g. critical to PagerDuty. */
  public static severity(options: SeverityRouteOptions): AlertRoute {
    return new AlertRoute(options.receiver, `severity ${options.severity}`, false, a => a.severity === options.severity,
      { name: 'severity', value: options.severity, matchType: '=' });
  }

  /** Named alerts of the model. */
  public static alerts(options: AlertNamesRouteOptions): AlertRoute {
    return new AlertRoute(options.receiver, `alerts ${options.alertNames.join(', ')}`, options.continue ?? false, a => options.alertNames.includes(a.name),
      alertNameMatcher('AlertRoute.alerts.alertNames', options.alertNames), options.alertNames);
  }

  /**
   * Drift and quality alerts to a retraining trigger. The route lets them go on to their severity's route too
   * (`continue`), so people see what started a retraining.
   */
  public static retraining(options: RetrainingRouteOptions): AlertRoute {
    if (options.alertNames) {
      return new AlertRoute(options.receiver, 'retraining', true, a => options.alertNames!.includes(a.name),
        alertNameMatcher('AlertRoute.retraining.alertNames', options.alertNames), options.alertNames);
    }
    return new AlertRoute(options.receiver, 'retraining', true, a => RETRAINING_ALERTS.includes(a.name), alertNameMatcher('AlertRoute.retraining', RETRAINING_ALERTS), undefined, true);
  }

  private constructor(
    /** Where the matched alerts go. */
    public readonly receiver: AlertReceiver,
    /** What the route matches, for messages. */
    public readonly description: string,
    /** Whether matched alerts go on to the next routes. */
    public readonly continues: boolean,
    private readonly predicate: (alert: RoutedAlert) => boolean,
    private readonly matcher: { name: string; value: string; matchType: string },
    /** Alert names that must all exist. */
    public readonly requiredAlerts?: string[],
    /** Match only the alerts of the model that exist (the default retraining alerts). */
    private readonly narrowToExisting = false,
  ) {}

  /**
   * Whether the route matches the alert.
   * @internal
   */
  public _matches(alert: RoutedAlert): boolean {
    return this.predicate(alert);
  }

  /**
   * The route for the alerts of the model.
   * @internal
   */
  public _render(alerts: RoutedAlert[]): Record<string, unknown> {
    const matcher = this.narrowToExisting ? alertNameMatcher('AlertRoute', alerts.filter(a => this.predicate(a)).map(a => a.name)) : this.matcher;
    return { receiver: this.receiver.name, matchers: [matcher], continue: this.continues || undefined };
  }
}

deferFactoryChecks(AlertRoute);

function alertNameMatcher(prop: string, names: string[]): { name: string; value: string; matchType: string } {
  check(names.length > 0 && names.every(n => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n)), undefined, prop, names, 'must be one or more alert names', "e.g. ['ModelDataDrift']");
  return { name: 'alertname', value: names.join('|'), matchType: names.length === 1 ? '=' : '=~' };
}

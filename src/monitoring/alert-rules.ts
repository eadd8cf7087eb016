import { Duration } from 'cdk8s';

/** The rule model of the alert presets: what a preset renders (recording and alerting rules) and the options every alert takes. */

/** How urgent an alert is: the `severity` label Alertmanager routes on. */
export enum AlertSeverity {
  /** Page someone now. */
  CRITICAL = 'critical',
  /** Look at it today. */
  WARNING = 'warning',
  /** For dashboards and reports. */
  INFO = 'info',
}

/** Options every alert preset takes. */
export interface AlertCommonOptions {
  /**
   * The runbook on-call follows, as the `runbook_url` annotation.
   * @default - ModelAlerts' runbookBaseUrl followed by the lower-case alert name, or none
   */
  readonly runbookUrl?: string;
  /**
   * Extra labels on the alert, e.g. `team`.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

/** Options of an alert preset that renders one alert. */
export interface AlertOptions extends AlertCommonOptions {
  /**
   * How long the condition must hold before the alert fires (the rule's `for`).
   * @default - per preset
   * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
   */
  readonly for?: Duration;
  /**
   * The `severity` label.
   * @default - per preset
   */
  readonly severity?: AlertSeverity;
  /**
   * The alert name, to tell two presets of the same kind apart.
   * @default - per preset, e.g. `ModelHighErrorRate`
   */
  readonly alertName?: string;
}


/** A recording rule. */
export interface RecordingRule {
  /** The recorded metric name. */
  readonly record: string;
  /** PromQL. */
  readonly expr: string;
}

/** An alerting rule. */
export interface AlertingRule {
  /** The alert name. */
  readonly alert: string;
  /** PromQL; the alert fires for each series it returns. */
  readonly expr: string;
  /** The Prometheus duration the condition must hold. */
  readonly for: string;
  /** The severity label. */
  readonly severity: AlertSeverity;
  /** The `summary` annotation (a Go template). */
  readonly summary: string;
  /** The `description` annotation (a Go template). */
  readonly description: string;
  /** The `runbook_url` annotation. */
  readonly runbookUrl?: string;
  /** Extra labels. */
  readonly labels?: { [key: string]: string };
}

/** The rules an alert preset renders for a service. */
export interface AlertRules {
  /** Recording rules the alerts read (evaluated first). */
  readonly recordingRules: RecordingRule[];
  /** The alerts. */
  readonly alertingRules: AlertingRule[];
}

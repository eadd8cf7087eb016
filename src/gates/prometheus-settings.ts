import { Chart, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Where gates query Prometheus and which labels identify a pod's namespace and rollout revision.
 */
export interface PrometheusSettingsProps {
  /**
   * The Prometheus HTTP API base URL the Argo Rollouts controller can reach.
   * @default 'http://prometheus-operated.monitoring.svc:9090'
   */
  readonly address?: string;
  /**
   * The series label that carries the pod's `rollouts-pod-template-hash` label (the library's PodMonitor
   * relabels it to this name).
   * @default 'rollouts_pod_template_hash'
   */
  readonly podTemplateHashLabel?: string;
  /**
   * The series label that carries the pod's namespace.
   * @default 'namespace'
   */
  readonly namespaceLabel?: string;
  /**
   * How often Prometheus scrapes the model servers: its global `scrapeInterval`, or the ModelScrape's
   * `interval` if you set a longer one. Gates wait two scrapes before their first measurement and need rate
   * windows of at least two scrapes.
   * @default Duration.seconds(30) (prometheus-operator's default `scrapeInterval`)
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec
   */
  readonly scrapeInterval?: Duration;
}

/** Settings with every default applied. */
export interface ResolvedPrometheusSettings {
  /** The Prometheus HTTP API base URL. */
  readonly address: string;
  /** The label carrying the pod template hash. */
  readonly podTemplateHashLabel: string;
  /** The label carrying the namespace. */
  readonly namespaceLabel: string;
  /** How often the model servers are scraped. */
  readonly scrapeInterval: Duration;
}

const byChart = new WeakMap<Chart, ResolvedPrometheusSettings>();

/**
 * The Prometheus every gate of a chart queries: configured once per chart.
 */
export class PrometheusSettings {
  /** Sets the Prometheus of the chart that contains `scope`. */
  public static configure(scope: IConstruct, props: PrometheusSettingsProps): void {
    const chart = Chart.of(scope);
    if (byChart.has(chart)) {
      throw new Error(`[${chart.node.path}] PrometheusSettings: already configured for this chart. Fix: call PrometheusSettings.configure() once per chart.`);
    }
    if (props.address !== undefined && !/^https?:\/\/[^\s/]+/.test(props.address)) {
      throw new Error(`[${chart.node.path}] PrometheusSettings.address: must be an http(s) URL (got ${JSON.stringify(props.address)}). Fix: e.g. 'http://prometheus-operated.monitoring.svc:9090'.`);
    }
    if (props.scrapeInterval !== undefined && !(props.scrapeInterval.toSeconds({ integral: false }) >= 1)) {
      throw new Error(`[${chart.node.path}] PrometheusSettings.scrapeInterval: must be at least 1 second (got ${props.scrapeInterval.toHumanString()}). Fix: e.g. Duration.seconds(30).`);
    }
    byChart.set(chart, {
      address: props.address ?? DEFAULTS.address,
      podTemplateHashLabel: props.podTemplateHashLabel ?? DEFAULTS.podTemplateHashLabel,
      namespaceLabel: props.namespaceLabel ?? DEFAULTS.namespaceLabel,
      scrapeInterval: props.scrapeInterval ?? DEFAULTS.scrapeInterval,
    });
  }

  /** The settings of the chart that contains `scope`, or the defaults. */
  public static of(scope: IConstruct): ResolvedPrometheusSettings {
    return byChart.get(Chart.of(scope)) ?? DEFAULTS;
  }
}

const DEFAULTS: ResolvedPrometheusSettings = {
  address: 'http://prometheus-operated.monitoring.svc:9090',
  podTemplateHashLabel: 'rollouts_pod_template_hash',
  namespaceLabel: 'namespace',
  scrapeInterval: Duration.seconds(30),
};

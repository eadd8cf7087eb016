import { Chart, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { check } from '../internal/errors';
import { promLabelName } from '../internal/promql';
import { duration as checkDuration, url } from '../internal/validate';

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

/**
 * The Prometheus every gate of a chart queries, and the labels its scrape writes: one per chart, created directly
 * in the chart, at any point. Gates, scrapes, alerts, the autoscaler and the dashboard read it when the chart is
 * rendered, so constructs created before it still get its values.
 *
 * Child ids: none.
 */
export class PrometheusSettings extends Construct {
  /**
   * Sets the Prometheus of the chart that contains `scope`: a `PrometheusSettings` in that chart, with the id
   * `PrometheusSettings`.
   */
  public static configure(scope: IConstruct, props: PrometheusSettingsProps): PrometheusSettings {
    const chart = Chart.of(scope);
    const existing = settingsOf(chart);
    check(existing === undefined, chart, 'PrometheusSettings', existing?.node.path, 'already configured for this chart',
      'call PrometheusSettings.configure() (or create a PrometheusSettings) once per chart');
    return new PrometheusSettings(chart, 'PrometheusSettings', props);
  }

  /** The settings of the chart that contains `scope`, or the defaults: read them when rendering, not before. */
  public static of(scope: IConstruct): ResolvedPrometheusSettings {
    return settingsOf(Chart.of(scope)) ?? DEFAULTS;
  }

  /** The Prometheus HTTP API base URL. */
  public readonly address: string;
  /** The series label carrying the pod template hash. */
  public readonly podTemplateHashLabel: string;
  /** The series label carrying the namespace. */
  public readonly namespaceLabel: string;
  /** How often the model servers are scraped. */
  public readonly scrapeInterval: Duration;

  constructor(scope: Construct, id: string, props: PrometheusSettingsProps = {}) {
    super(scope, id);
    const chart = Chart.of(this);
    check(scope === chart, this, 'scope', scope.node.path, 'is not a chart: the settings of a chart are found among its direct children',
      `create it in the chart: new PrometheusSettings(chart, '${id}', { ... })`);
    const other = chart.node.children.find(c => c !== this && c instanceof PrometheusSettings);
    check(other === undefined, this, 'PrometheusSettings', other?.node.path, `the chart already has PrometheusSettings at ${other?.node.path}, so gates would not know which Prometheus to query`,
      'create one PrometheusSettings (or call PrometheusSettings.configure()) per chart');
    if (props.address !== undefined) url(chart, 'PrometheusSettings.address', props.address, ['http', 'https'], "'http://prometheus-operated.monitoring.svc:9090'");
    if (props.podTemplateHashLabel !== undefined) promLabelName(chart, 'PrometheusSettings.podTemplateHashLabel', props.podTemplateHashLabel);
    if (props.namespaceLabel !== undefined) promLabelName(chart, 'PrometheusSettings.namespaceLabel', props.namespaceLabel);
    if (props.scrapeInterval !== undefined) {
      checkDuration(chart, 'PrometheusSettings.scrapeInterval', props.scrapeInterval, { min: Duration.seconds(1), max: Duration.hours(1) });
    }
    this.address = props.address ?? DEFAULTS.address;
    this.podTemplateHashLabel = props.podTemplateHashLabel ?? DEFAULTS.podTemplateHashLabel;
    this.namespaceLabel = props.namespaceLabel ?? DEFAULTS.namespaceLabel;
    this.scrapeInterval = props.scrapeInterval ?? DEFAULTS.scrapeInterval;
  }
}

/** The chart's settings: a direct child, searched when asked (a chart holds few direct children besides its services). */
function settingsOf(chart: Chart): PrometheusSettings | undefined {
  const named = chart.node.tryFindChild('PrometheusSettings');
  return named instanceof PrometheusSettings ? named : chart.node.children.find((c): c is PrometheusSettings => c instanceof PrometheusSettings);
}

const DEFAULTS: ResolvedPrometheusSettings = {
  address: 'http://prometheus-operated.monitoring.svc:9090',
  podTemplateHashLabel: 'rollouts_pod_template_hash',
  namespaceLabel: 'namespace',
  scrapeInterval: Duration.seconds(30),
};

import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Percentile, QUANTILE, RequestMetricOptions } from '../gates/gate';
import { shortDuration } from '../internal/duration';
import { check, deferFactoryChecks } from '../internal/errors';
import { histogramFragment, labelMatchers, metricName, requestMetricFragments } from '../internal/promql';
import { duration, oneOf, url as validUrl } from '../internal/validate';
import { requireLatencyHistogram, requireRequestCounters, requireSeries } from '../metrics/runtime-metrics';
import { IModelService } from '../serving/gpu-model-service';
import { GPU_LABELS, ModelSeries, modelSeries } from '../serving/model-series';

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

/** An alert on the share of failed requests. */
export interface ErrorRateAlertProps extends AlertOptions, RequestMetricOptions {
  /** The highest error ratio (0 to 1) tolerated. */
  readonly maxRatio: number;
  /**
   * The `rate()` window.
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;
}

/** An alert on a latency percentile from a histogram. */
export interface HistogramAlertOptions extends AlertOptions {
  /** The highest latency tolerated at the percentile. */
  readonly threshold: Duration;
  /**
   * The percentile.
   * @default Percentile.P95
   */
  readonly percentile?: Percentile;
  /**
   * The `rate()` window.
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;
}

/** An alert on the request-latency percentile. */
export interface LatencyAlertProps extends HistogramAlertOptions {
  /**
   * The latency histogram (seconds, without `_bucket`).
   * @default - the runtime's end-to-end latency: vLLM `vllm:e2e_request_latency_seconds`, TGI `tgi_request_duration`
   */
  readonly histogram?: string;
}

/** An alert on vLLM's waiting queue. */
export interface QueueDepthAlertProps extends AlertOptions {
  /** The most requests allowed waiting on any replica (`vllm:num_requests_waiting`). */
  readonly maxWaiting: number;
}

/** An alert on vLLM's KV-cache usage. */
export interface KvCacheAlertProps extends AlertOptions {
  /** The highest KV-cache usage (0 to 1) tolerated on any replica (vLLM from 0.11 `vllm:kv_cache_usage_perc`, before `vllm:gpu_cache_usage_perc`). */
  readonly maxUsage: number;
}

/**
 * A service-level objective alerted on with multi-window, multi-burn-rate alerts (the Google SRE workbook's
 * 30-day recipe): a fast-burn alert when 1h and 5m (or 6h and 30m) burn the error budget at 14.4x (or 6x)
 * the sustainable rate, and a slow-burn alert at 3x over 1d and 2h (or 1x over 3d and 6h).
 * @see https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts
 */
export interface SloAlertOptions extends AlertCommonOptions {
  /** The objective: the share of good requests over 30 days, e.g. 0.999. */
  readonly objective: number;
  /**
   * Severity of the fast-burn alert.
   * @default AlertSeverity.CRITICAL
   */
  readonly pageSeverity?: AlertSeverity;
  /**
   * Severity of the slow-burn alert.
   * @default AlertSeverity.WARNING
   */
  readonly ticketSeverity?: AlertSeverity;
  /**
   * `for` of the fast-burn alert.
   * @default Duration.minutes(2)
   */
  readonly pageFor?: Duration;
  /**
   * `for` of the slow-burn alert.
   * @default Duration.minutes(15)
   */
  readonly ticketFor?: Duration;
  /**
   * Prefix of the alert names (`<prefix>BudgetBurnFast`, `<prefix>BudgetBurnSlow`).
   * @default 'ModelAvailability' or 'ModelLatency'
   */
  readonly alertNamePrefix?: string;
}

/** An availability SLO: the share of requests that do not fail. */
export interface AvailabilitySloAlertProps extends SloAlertOptions, RequestMetricOptions {}

/** A latency SLO: the share of requests faster than a threshold. */
export interface LatencySloAlertProps extends SloAlertOptions {
  /**
   * A request slower than this is bad. It must be a bucket boundary (`le`) of the histogram; a
   * `<prefix>SloBucketMissing` alert fires when it is not.
   */
  readonly threshold: Duration;
  /**
   * The latency histogram (seconds, without `_bucket`).
   * @default - the runtime's end-to-end latency
   */
  readonly histogram?: string;
}

/** An alert on GPUs that sit mostly idle. */
export interface GpuUnderutilizedAlertProps extends AlertOptions {
  /**
   * The lowest average utilization (0 to 1, of `DCGM_FI_DEV_GPU_UTIL`) of the service's GPUs tolerated.
   * @default 0.2
   */
  readonly minUtilization?: number;
  /**
   * The window averaged over.
   * @default Duration.hours(1)
   */
  readonly window?: Duration;
}

/** An alert on GPUs busy all the time. */
export interface GpuSaturatedAlertProps extends AlertOptions {
  /**
   * The highest average utilization (0 to 1) of one pod's GPUs tolerated.
   * @default 0.95
   */
  readonly maxUtilization?: number;
  /**
   * The window averaged over.
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;
}

/** An alert on GPU framebuffer memory. */
export interface GpuMemoryAlertProps extends AlertOptions {
  /**
   * The highest used share (0 to 1) of one GPU's framebuffer tolerated. vLLM takes its
   * `gpuMemoryUtilization` (0.9 by default) up front, so the default sits above that.
   * @default 0.98
   */
  readonly maxUsage?: number;
}

/** An alert on GPU XID errors. */
export interface GpuXidAlertProps extends AlertOptions {
  /**
   * A new XID within this window fires the alert.
   * @default Duration.minutes(10)
   */
  readonly window?: Duration;
}

/** A metric published by the model server or a companion exporter. */
export interface PublishedMetricOptions {
  /** The metric name. */
  readonly metric: string;
  /**
   * Label matchers selecting the series, e.g. `job="drift-exporter",model="llama"`.
   * @default - the service's own series: its `namespace` and `job`
   */
  readonly selector?: string;
  /**
   * How long the metric may be absent before a `<alert>Missing` alert fires.
   * @default Duration.hours(1)
   */
  readonly missingFor?: Duration;
}

/** An alert on a data-drift score (computed elsewhere: the library does not compute drift). */
export interface DataDriftAlertProps extends AlertOptions, PublishedMetricOptions {
  /** The score above which the inputs have drifted. */
  readonly threshold: number;
}

/** An alert on a published accuracy or quality metric. */
export interface QualityAlertProps extends AlertOptions, PublishedMetricOptions {
  /** The value the model version was validated at. */
  readonly baseline: number;
  /**
   * How far below the baseline the metric may fall.
   * @default 0
   */
  readonly tolerance?: number;
}

/** An alert on how differently canary and stable predict. */
export interface PredictionShiftAlertProps extends AlertOptions {
  /** The distribution of predictions the server publishes. */
  readonly distribution: PredictionDistribution;
  /** The largest distance (0 to 1) tolerated between the versions' distributions. */
  readonly maxDistance: number;
  /**
   * The `rate()` window the distributions are taken over.
   * @default Duration.minutes(30)
   */
  readonly window?: Duration;
}

/**
 * How a model server publishes the distribution of its predictions.
 */
export class PredictionDistribution {
  /**
   * A counter of predictions with one label per predicted class, e.g. `predictions_total{class="cat"}`.
   * Versions are compared by the total variation distance of their class shares.
   */
  public static classes(metric: string, classLabel: string): PredictionDistribution {
    checkMetricName('PredictionDistribution.classes.metric', metric);
    check(/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(classLabel) && classLabel !== 'le', undefined, 'PredictionDistribution.classes.classLabel', classLabel,
      'must be a Prometheus label name other than le', "e.g. 'class'");
    return new PredictionDistribution(metric, classLabel, false);
  }

  /**
   * A histogram of a prediction score (without `_bucket`). Versions are compared by the Kolmogorov-Smirnov
   * distance of their cumulative distributions.
   */
  public static histogram(histogram: string): PredictionDistribution {
    checkMetricName('PredictionDistribution.histogram', histogram);
    return new PredictionDistribution(histogram, 'le', true);
  }

  private constructor(
    /** The metric (histogram without `_bucket`). */
    public readonly metric: string,
    /** The label that holds the class (`le` for a histogram). */
    public readonly label: string,
    /** Whether the metric is a histogram. */
    public readonly isHistogram: boolean) {}
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

/** What a preset renders with. */
interface Context {
  readonly scope: IConstruct;
  readonly svc: IModelService;
  readonly series: ModelSeries;
  /** The model name (lineage). */
  readonly model: string;
  /** The model version of the manifest (lineage), for series that carry no version label. */
  readonly version: string;
  /** A Prometheus duration of a preset prop, validated with the construct path. */
  duration(prop: string, d: Duration, min?: number): string;
}

type Render = (ctx: Context) => AlertRules;

const VERSION = '{{ $labels.model_version }}';

/**
 * Alert presets for a model service, rendered by `ModelAlerts` into a PrometheusRule. Every alert carries
 * a `severity` label, `summary` and `description` annotations naming the model and its version, and an
 * optional `runbook_url`. Thresholds and `for` durations are props; ratios are 0 to 1.
 *
 * No traffic makes every ratio and percentile NaN, so request-based alerts stay silent then;
 * `metricsMissing()` and `gpuMetricsMissing()` are the alerts for missing data.
 */
export abstract class AlertPreset {
  /** The share of failed requests of a version (`ModelHighErrorRate`, critical, for 5m). */
  public static errorRate(props: ErrorRateAlertProps): AlertPreset {
    checkRatio('AlertPreset.errorRate.maxRatio', props.maxRatio);
    neverAbove1('AlertPreset.errorRate.maxRatio', props.maxRatio);
    requestMetricFragments('AlertPreset.errorRate', props);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelHighErrorRate');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.minutes(5), 1);
      const c = requireRequestCounters(ctx.svc._metricCatalog, props, ctx.scope, 'AlertPreset.errorRate');
      const rate = (m: string) => `sum by (${ctx.series.versionLabels}) (rate(${m}[${w}]))`;
      const total = rate(c.total(ctx.series.runtime));
      return single(ctx, props, name, Duration.minutes(5), AlertSeverity.CRITICAL,
        `(${rate(c.errors(ctx.series.runtime))} or ${total} * 0) / ${total} > ${num(props.maxRatio)}`,
        `${ctx.svc.name}: error ratio of version ${VERSION} above ${pct(props.maxRatio)}`,
        `{{ $value | humanizePercentage }} of the requests to ${ctx.model} version ${VERSION} failed over the last ${w} (threshold ${pct(props.maxRatio)}).`);
    });
  }

  /** A request-latency percentile of a version (`ModelHighLatencyP95`, warning, for 5m). */
  public static latency(props: LatencyAlertProps): AlertPreset {
    histogramFragment('AlertPreset.latency', props.histogram);
    return histogramPreset('AlertPreset.latency', 'ModelHighLatency', 'request latency', props,
      ctx => requireLatencyHistogram(ctx.svc._metricCatalog, props.histogram, ctx.scope, 'AlertPreset.latency'));
  }

  /** vLLM time to first token of a version (`ModelHighTimeToFirstTokenP95`, warning, for 5m). */
  public static timeToFirstToken(props: HistogramAlertOptions): AlertPreset {
    return histogramPreset('AlertPreset.timeToFirstToken', 'ModelHighTimeToFirstToken', 'time to first token', props,
      ctx => requireSeries(ctx.svc._metricCatalog, 'timeToFirstToken', ctx.scope, 'AlertPreset.timeToFirstToken'));
  }

  /** vLLM requests waiting on the busiest replica of a version (`ModelQueueBacklog`, warning, for 5m). */
  public static queueDepth(props: QueueDepthAlertProps): AlertPreset {
    check(Number.isFinite(props.maxWaiting) && props.maxWaiting >= 0, undefined, 'AlertPreset.queueDepth.maxWaiting', props.maxWaiting, 'must be >= 0', 'e.g. maxWaiting: 10');
    return preset(props, ctx => {
      const metric = requireSeries(ctx.svc._metricCatalog, 'queueDepth', ctx.scope, 'AlertPreset.queueDepth');
      return single(ctx, props, alertName(props, 'ModelQueueBacklog'), Duration.minutes(5), AlertSeverity.WARNING,
        `max by (${ctx.series.versionLabels}) (${metric}${ctx.series.runtime()}) > ${num(props.maxWaiting)}`,
        `${ctx.svc.name}: requests queueing on version ${VERSION}`,
        `A replica of ${ctx.model} version ${VERSION} has {{ $value }} requests waiting (threshold ${props.maxWaiting}): the replicas are saturated.`);
    });
  }

  /** vLLM KV-cache usage of the fullest replica of a version (`ModelKvCacheNearFull`, warning, for 5m). */
  public static kvCacheUsage(props: KvCacheAlertProps): AlertPreset {
    checkRatio('AlertPreset.kvCacheUsage.maxUsage', props.maxUsage);
    neverAbove1('AlertPreset.kvCacheUsage.maxUsage', props.maxUsage);
    return preset(props, ctx => {
      const metric = requireSeries(ctx.svc._metricCatalog, 'kvCacheUsage', ctx.scope, 'AlertPreset.kvCacheUsage');
      return single(ctx, props, alertName(props, 'ModelKvCacheNearFull'), Duration.minutes(5), AlertSeverity.WARNING,
        `max by (${ctx.series.versionLabels}) (${metric}${ctx.series.runtime()}) > ${num(props.maxUsage)}`,
        `${ctx.svc.name}: KV cache of version ${VERSION} nearly full`,
        `The fullest KV cache of ${ctx.model} version ${VERSION} is {{ $value | humanizePercentage }} used (threshold ${pct(props.maxUsage)}): requests get preempted.`);
    });
  }

  /**
   * An availability SLO with multi-window, multi-burn-rate alerts (`ModelAvailabilityBudgetBurnFast`,
   * `ModelAvailabilityBudgetBurnSlow`), reading recording rules `model:request_error_ratio:rate<window>`.
   */
  public static availabilitySlo(props: AvailabilitySloAlertProps): AlertPreset {
    checkObjective('AlertPreset.availabilitySlo', props.objective);
    requestMetricFragments('AlertPreset.availabilitySlo', props);
    return preset(props, ctx => {
      const c = requireRequestCounters(ctx.svc._metricCatalog, props, ctx.scope, 'AlertPreset.availabilitySlo');
      const rate = (m: string, w: string) => `sum by (namespace, job) (rate(${m}[${w}]))`;
      const total = (w: string) => rate(c.total(ctx.series.runtime), w);
      return burnRate(ctx, props, 'ModelAvailability', 'model:request_error_ratio', 'availability', 'failed requests',
        w => `(${rate(c.errors(ctx.series.runtime), w)} or ${total(w)} * 0) / ${total(w)}`);
    });
  }

  /**
   * A latency SLO with multi-window, multi-burn-rate alerts (`ModelLatencyBudgetBurnFast`,
   * `ModelLatencyBudgetBurnSlow`) on the share of requests slower than `threshold`, reading recording rules
   * `model:request_slow_ratio:rate<window>`, plus `ModelLatencySloBucketMissing` when the histogram has no
   * bucket at `threshold`.
   */
  public static latencySlo(props: LatencySloAlertProps): AlertPreset {
    checkObjective('AlertPreset.latencySlo', props.objective);
    histogramFragment('AlertPreset.latencySlo', props.histogram);
    const seconds = positiveSeconds('AlertPreset.latencySlo.threshold', props.threshold);
    return preset(props, ctx => {
      const h = requireLatencyHistogram(ctx.svc._metricCatalog, props.histogram, ctx.scope, 'AlertPreset.latencySlo');
      const buckets = props.histogram === undefined ? ctx.svc._metricCatalog.requestLatencyBuckets : undefined;
      if (buckets) {
        check(buckets.includes(seconds), ctx.scope, 'AlertPreset.latencySlo.threshold', props.threshold,
          `is no bucket boundary of ${h}, so the SLO alerts could never fire`, `use one of ${buckets.join(', ')} seconds`);
      }
      const sel = ctx.series.runtime;
      // Go clients write le="8", Python clients le="8.0"; Prometheus 3 normalizes to the latter.
      const le = Number.isInteger(seconds) ? `le=~"${seconds}(\\\\.0+)?"` : `le="${seconds}"`;
      const rate = (m: string, w: string) => `sum by (namespace, job) (rate(${m}[${w}]))`;
      const rules = burnRate(ctx, props, 'ModelLatency', 'model:request_slow_ratio', 'latency', `requests slower than ${seconds}s`,
        w => `1 - ${rate(`${h}_bucket${sel(le)}`, w)} / ${rate(`${h}_count${sel()}`, w)}`);
      const prefix = props.alertNamePrefix ?? 'ModelLatency';
      // Without a bucket at the threshold the ratios are empty and the burn-rate alerts could never fire.
      const missing = single(ctx, props, checkAlertName(`${prefix}SloBucketMissing`), Duration.minutes(15), AlertSeverity.WARNING,
        `absent(${h}_bucket${sel(le)}) and on () (sum(rate(${h}_count${sel()}[5m])) > 0)`,
        `${ctx.svc.name}: no ${h} bucket at ${seconds}s`,
        `${ctx.model} version ${ctx.version} serves requests but ${h} has no bucket le="${seconds}", so the latency SLO of ${ctx.svc.name} cannot be measured: use a bucket boundary as the threshold.`);
      return { recordingRules: rules.recordingRules, alertingRules: [...rules.alertingRules, ...missing.alertingRules] };
    });
  }

  /**
   * GPUs of the service mostly idle: wasted accelerators (`ModelGpuUnderutilized`, warning, for 15m). An idle
   * service (no traffic) fires it too, by design.
   */
  public static gpuUnderutilized(props: GpuUnderutilizedAlertProps = {}): AlertPreset {
    const min = props.minUtilization ?? 0.2;
    checkRatio('AlertPreset.gpuUnderutilized.minUtilization', min);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelGpuUnderutilized');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.hours(1), 60);
      return single(ctx, props, name, Duration.minutes(15), AlertSeverity.WARNING,
        `avg by (namespace) (${gpuUtil(ctx, w)}) < ${num(min * 100)}`,
        `${ctx.svc.name}: GPUs under ${pct(min)} busy`,
        `The GPUs of ${ctx.model} version ${ctx.version} averaged {{ $value | humanize }}% utilization over the last ${w} (threshold ${pct(min)}): fewer replicas or smaller GPUs would do.`);
    });
  }

  /** The GPUs of a pod busy all the time (`ModelGpuSaturated`, warning, for 15m). */
  public static gpuSaturated(props: GpuSaturatedAlertProps = {}): AlertPreset {
    const max = props.maxUtilization ?? 0.95;
    checkRatio('AlertPreset.gpuSaturated.maxUtilization', max);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelGpuSaturated');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.minutes(5), 60);
      return single(ctx, props, name, Duration.minutes(15), AlertSeverity.WARNING,
        `avg by (namespace, pod) (${gpuUtil(ctx, w)}) > ${num(max * 100)}`,
        `${ctx.svc.name}: GPUs of {{ $labels.pod }} saturated`,
        `The GPUs of pod {{ $labels.pod }} (${ctx.model} version ${ctx.version}) averaged {{ $value | humanize }}% utilization over the last ${w} (threshold ${pct(max)}): add replicas.`);
    });
  }

  /** GPU framebuffer memory of one GPU nearly full (`ModelGpuMemoryNearFull`, warning, for 5m). */
  public static gpuMemoryNearFull(props: GpuMemoryAlertProps = {}): AlertPreset {
    const max = props.maxUsage ?? 0.98;
    checkRatio('AlertPreset.gpuMemoryNearFull.maxUsage', max);
    return preset(props, ctx => {
      const used = `DCGM_FI_DEV_FB_USED${ctx.series.gpu()}`;
      return single(ctx, props, alertName(props, 'ModelGpuMemoryNearFull'), Duration.minutes(5), AlertSeverity.WARNING,
        `max by (${GPU_LABELS}) (${used} / (${used} + DCGM_FI_DEV_FB_FREE${ctx.series.gpu()})) > ${num(max)}`,
        `${ctx.svc.name}: GPU memory of {{ $labels.pod }} nearly full`,
        `GPU {{ $labels.gpu }} on {{ $labels.Hostname }}, used by pod {{ $labels.pod }} (${ctx.model} version ${ctx.version}), has {{ $value | humanizePercentage }} of its memory used (threshold ${pct(max)}).`);
    });
  }

  /**
   * A new XID error on a GPU of the service (`ModelGpuXidError`, critical). dcgm-exporter publishes the last
   * XID code as a gauge that stays set, so the alert fires when it changes to a non-zero code.
   * @see https://docs.nvidia.com/deploy/xid-errors/
   */
  public static gpuXidErrors(props: GpuXidAlertProps = {}): AlertPreset {
    return preset(props, ctx => {
      const name = alertName(props, 'ModelGpuXidError');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.minutes(10), 60);
      const xid = `DCGM_FI_DEV_XID_ERRORS${ctx.series.gpu()}`;
      return single(ctx, props, name, Duration.seconds(0), AlertSeverity.CRITICAL,
        `max by (${GPU_LABELS}) (${xid} > 0 and changes(${xid}[${w}]) > 0)`,
        `${ctx.svc.name}: XID {{ $value }} on a GPU of {{ $labels.pod }}`,
        `GPU {{ $labels.gpu }} ({{ $labels.UUID }}) on {{ $labels.Hostname }}, used by pod {{ $labels.pod }} (${ctx.model} version ${ctx.version}), reported XID {{ $value }} in the last ${w}.`);
    });
  }

  /**
   * No DCGM metrics for the service's pods while its server is up (`ModelGpuMetricsMissing`, warning, for 10m):
   * the GPU alerts above would stay silent without them.
   */
  public static gpuMetricsMissing(props: AlertOptions = {}): AlertPreset {
    return preset(props, ctx => single(ctx, props, alertName(props, 'ModelGpuMetricsMissing'), Duration.minutes(10), AlertSeverity.WARNING,
      `absent(DCGM_FI_DEV_GPU_UTIL${ctx.series.gpu()}) and on () (count(up${ctx.series.runtime()} == 1) > 0)`,
      `${ctx.svc.name}: no GPU metrics`,
      `${ctx.model} version ${ctx.version} is scraped but no DCGM series name its pods: check dcgm-exporter's Kubernetes pod mapping and the ${ctx.series.name}-gpu ServiceMonitor.`));
  }

  /** No scraped target of the service is up (`ModelMetricsMissing`, critical, for 10m). */
  public static metricsMissing(props: AlertOptions = {}): AlertPreset {
    return preset(props, ctx => single(ctx, props, alertName(props, 'ModelMetricsMissing'), Duration.minutes(10), AlertSeverity.CRITICAL,
      `absent(up${ctx.series.runtime()} == 1)`,
      `${ctx.svc.name}: no metrics`,
      `No scrape target of ${ctx.model} version ${ctx.version} is up: the servers are down, or Prometheus does not pick up the ${ctx.series.name} PodMonitor.`));
  }

  /**
   * A data-drift score above its threshold (`ModelDataDrift`, warning, for 15m), plus `ModelDataDriftMissing`
   * when the score is not published. The score comes from the model server or a drift exporter.
   */
  public static dataDrift(props: DataDriftAlertProps): AlertPreset {
    checkMetricName('AlertPreset.dataDrift.metric', props.metric);
    check(Number.isFinite(props.threshold), undefined, 'AlertPreset.dataDrift.threshold', props.threshold, 'must be a finite number', 'e.g. threshold: 0.2');
    checkSelector('AlertPreset.dataDrift.selector', props.selector);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelDataDrift');
      const sel = published(ctx, props);
      return withMissing(ctx, props, name, sel, single(ctx, props, name, Duration.minutes(15), AlertSeverity.WARNING,
        `max without (instance, pod, container, endpoint) (${sel}) > ${num(props.threshold)}`,
        `${ctx.svc.name}: input data drifted`,
        `The drift score ${props.metric} of ${ctx.model} version ${ctx.version} is {{ $value | printf "%.3g" }} (threshold ${num(props.threshold)}): the inputs no longer look like the data it was validated on.`));
    });
  }

  /**
   * Canary and stable predict differently (`ModelPredictionShift`, warning, for 15m): the distance between
   * the prediction distributions of the versions now serving (told apart by the pod-template-hash label)
   * exceeds `maxDistance`. Silent while only one version serves.
   */
  public static predictionShift(props: PredictionShiftAlertProps): AlertPreset {
    checkRatio('AlertPreset.predictionShift.maxDistance', props.maxDistance);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelPredictionShift');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.minutes(30), 60);
      const d = props.distribution;
      const { runtime: sel, hashLabel: hash } = ctx.series;
      const perVersion = `sum by (namespace, job, ${hash}) (rate(${d.isHistogram ? `${d.metric}_count` : d.metric}${sel()}[${w}])) > 0`;
      const record = `model:prediction_${d.isHistogram ? 'cdf' : 'share'}:rate${w}`;
      const share = `${record}${sel()}`;
      const [expr, distance] = d.isHistogram
        ? [`max by (namespace, job) (max by (namespace, job, le) (${share}) - min by (namespace, job, le) (${share}))`, 'Kolmogorov-Smirnov distance']
        : [`1 - (${overlap(share, d.label)} or (${versionCount(share, hash)}) * 0)`, 'total variation distance'];
      const rules = single(ctx, props, name, Duration.minutes(15), AlertSeverity.WARNING,
        `${expr} > ${num(props.maxDistance)}`,
        `${ctx.svc.name}: canary and stable predict differently`,
        `The ${distance} between the ${d.metric} distributions of the versions of ${ctx.model} now serving (version ${ctx.version} rolling out) is {{ $value | printf "%.3g" }} over the last ${w} (threshold ${num(props.maxDistance)}).`);
      return {
        recordingRules: [{
          record,
          expr: `sum by (namespace, job, ${hash}, ${d.label}) (rate(${d.isHistogram ? `${d.metric}_bucket` : d.metric}${sel()}[${w}])) / on (namespace, job, ${hash}) group_left () (${perVersion})`,
        }],
        alertingRules: rules.alertingRules,
      };
    });
  }

  /**
   * A published accuracy or quality metric below the validated baseline (`ModelQualityBelowBaseline`,
   * critical, for 15m), plus `ModelQualityBelowBaselineMissing` when the metric is not published.
   */
  public static qualityBelowBaseline(props: QualityAlertProps): AlertPreset {
    checkMetricName('AlertPreset.qualityBelowBaseline.metric', props.metric);
    check(Number.isFinite(props.baseline), undefined, 'AlertPreset.qualityBelowBaseline.baseline', props.baseline, 'must be a finite number', 'give the validated value, e.g. baseline: 0.87');
    const tolerance = props.tolerance ?? 0;
    check(Number.isFinite(tolerance) && tolerance >= 0, undefined, 'AlertPreset.qualityBelowBaseline.tolerance', tolerance, 'must be >= 0', 'e.g. tolerance: 0.02');
    checkSelector('AlertPreset.qualityBelowBaseline.selector', props.selector);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelQualityBelowBaseline');
      const sel = published(ctx, props);
      return withMissing(ctx, props, name, sel, single(ctx, props, name, Duration.minutes(15), AlertSeverity.CRITICAL,
        `min without (instance, pod, container, endpoint) (${sel}) < ${num(props.baseline - tolerance)}`,
        `${ctx.svc.name}: ${props.metric} below the validated baseline`,
        `${props.metric} of ${ctx.model} version ${ctx.version} is {{ $value | printf "%.3g" }}, below the validated baseline ${num(props.baseline)}${tolerance ? ` minus the tolerance ${num(tolerance)}` : ''}.`));
    });
  }

  /** Renders the preset's rules for a service; `scope` is the construct the rules belong to. */
  public abstract bind(scope: IConstruct, service: IModelService): AlertRules;
}

deferFactoryChecks(AlertPreset);
deferFactoryChecks(PredictionDistribution);

class RenderedPreset extends AlertPreset {
  constructor(private readonly render: Render) {
    super();
  }

  public bind(scope: IConstruct, service: IModelService): AlertRules {
    return this.render({
      scope,
      svc: service,
      series: modelSeries(scope, service),
      model: service.lineage.modelName,
      version: service.lineage.modelVersion,
      duration: (prop, d, min = 0) => shortDuration(scope, prop, d, min),
    });
  }
}

function preset(props: AlertCommonOptions & { alertName?: string; alertNamePrefix?: string }, render: Render): AlertPreset {
  if (props.runbookUrl !== undefined) checkUrl('AlertPreset.runbookUrl', props.runbookUrl);
  if (props.alertName !== undefined) checkAlertName(props.alertName);
  if (props.alertNamePrefix !== undefined) checkAlertName(props.alertNamePrefix);
  return new RenderedPreset(render);
}

/** One alert with the preset's options applied. */
function single(ctx: Context, o: AlertOptions, alert: string, defaultFor: Duration, defaultSeverity: AlertSeverity,
  expr: string, summary: string, description: string): AlertRules {
  return {
    recordingRules: [],
    alertingRules: [{
      alert,
      expr,
      for: ctx.duration(`${alert}.for`, o.for ?? defaultFor),
      severity: o.severity ?? defaultSeverity,
      summary,
      description,
      runbookUrl: o.runbookUrl,
      labels: o.labels,
    }],
  };
}

function histogramPreset(where: string, baseName: string, what: string, props: HistogramAlertOptions,
  histogram: (ctx: Context) => string): AlertPreset {
  const seconds = positiveSeconds(`${where}.threshold`, props.threshold);
  // JavaScript callers can pass any string: an unknown percentile would render histogram_quantile(undefined, ...).
  const p = oneOf(undefined, `${where}.percentile`, props.percentile ?? Percentile.P95, Object.values(Percentile));
  return preset(props, ctx => {
    const name = alertName(props, `${baseName}${p.toUpperCase()}`);
    const w = ctx.duration(`${name}.window`, props.window ?? Duration.minutes(5), 1);
    return single(ctx, props, name, Duration.minutes(5), AlertSeverity.WARNING,
      `histogram_quantile(${QUANTILE[p]}, sum by (le, ${ctx.series.versionLabels}) (rate(${histogram(ctx)}_bucket${ctx.series.runtime()}[${w}]))) > ${num(seconds)}`,
      `${ctx.svc.name}: ${p} ${what} of version ${VERSION} above ${num(seconds)}s`,
      `The ${p} ${what} of ${ctx.model} version ${VERSION} is {{ $value | humanizeDuration }} over the last ${w} (threshold ${num(seconds)}s).`);
  });
}

/** Error-budget burn rates of the SRE workbook for a 30-day objective: [long window, short window, burn rate]. */
const FAST_BURN: Array<[string, string, number]> = [['1h', '5m', 14.4], ['6h', '30m', 6]];
const SLOW_BURN: Array<[string, string, number]> = [['1d', '2h', 3], ['3d', '6h', 1]];
/** Every window the burn-rate alerts read, shortest first. */
const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

function burnRate(ctx: Context, props: SloAlertOptions, defaultPrefix: string, record: string, what: string, bad: string,
  ratio: (window: string) => string): AlertRules {
  const prefix = props.alertNamePrefix ?? defaultPrefix;
  const budget = 1 - props.objective;
  const recorded = (w: string) => `${record}:rate${w}${ctx.series.runtime()}`;
  const tiers = [
    {
      suffix: 'BudgetBurnFast',
      burns: FAST_BURN,
      for: props.pageFor,
      defaultFor: Duration.minutes(2),
      severity: props.pageSeverity,
      defaultSeverity: AlertSeverity.CRITICAL,
      speed: 'fast',
      pace: 'the 30-day error budget would be gone within 5 days',
    },
    {
      suffix: 'BudgetBurnSlow',
      burns: SLOW_BURN,
      for: props.ticketFor,
      defaultFor: Duration.minutes(15),
      severity: props.ticketSeverity,
      defaultSeverity: AlertSeverity.WARNING,
      speed: 'steadily',
      pace: 'the 30-day error budget would be gone before the 30 days are over',
    },
  ];
  return {
    recordingRules: SLO_WINDOWS.map(w => ({ record: `${record}:rate${w}`, expr: ratio(w) })),
    alertingRules: tiers.flatMap(t => single(ctx, { for: t.for, severity: t.severity, runbookUrl: props.runbookUrl, labels: props.labels },
      `${prefix}${t.suffix}`, t.defaultFor, t.defaultSeverity,
      t.burns.map(([long, short, rate]) => `(${recorded(long)} > ${num(rate * budget)} and ${recorded(short)} > ${num(rate * budget)})`).join(' or '),
      `${ctx.svc.name}: ${what} error budget burning ${t.speed}`,
      `${ctx.model} version ${ctx.version} has {{ $value | humanizePercentage }} ${bad} over the last ${t.burns.map(b => b[0]).join(' or ')}, `
      + `${t.burns.map(b => `${b[2]}x`).join(' or ')} the rate its ${pct(props.objective)} ${what} objective allows: ${t.pace}.`).alertingRules),
  };
}

/** Average utilization (percent) of each GPU of the service over `w`, one series per GPU. */
function gpuUtil(ctx: Context, w: string): string {
  return `max by (${GPU_LABELS}) (avg_over_time(DCGM_FI_DEV_GPU_UTIL${ctx.series.gpu()}[${w}]))`;
}

/** The probability mass the versions share: the sum over classes seen in two or more versions of the lowest share. */
function overlap(share: string, label: string): string {
  return `sum by (namespace, job) (min by (namespace, job, ${label}) (${share}) and on (namespace, job, ${label}) (count by (namespace, job, ${label}) (${share}) >= 2))`;
}

/** The number of versions with predictions, when it is two or more. */
function versionCount(share: string, hash: string): string {
  return `count by (namespace, job) (count by (namespace, job, ${hash}) (${share})) >= 2`;
}

function published(ctx: Context, props: PublishedMetricOptions): string {
  return `${props.metric}${props.selector !== undefined ? `{${props.selector}}` : ctx.series.runtime()}`;
}

/** Adds `<name>Missing`: the published metric is absent, so the alert on it could never fire. */
function withMissing(ctx: Context, props: PublishedMetricOptions & AlertOptions, name: string, sel: string, rules: AlertRules): AlertRules {
  const missing = single(ctx, { runbookUrl: props.runbookUrl, labels: props.labels, for: props.missingFor }, `${name}Missing`, Duration.hours(1),
    AlertSeverity.WARNING, `absent(${sel})`,
    `${ctx.svc.name}: ${props.metric} not published`,
    `${ctx.model} version ${ctx.version} publishes no ${props.metric}, so ${name} cannot fire: check the exporter that computes it.`);
  return { recordingRules: rules.recordingRules, alertingRules: [...rules.alertingRules, ...missing.alertingRules] };
}

function alertName(props: AlertOptions, defaultName: string): string {
  return props.alertName ?? defaultName;
}

function checkAlertName(name: string): string {
  check(/^[A-Za-z_][A-Za-z0-9_]*$/.test(name), undefined, 'AlertPreset.alertName', name, 'must be letters, digits and underscores, starting with a letter',
    "e.g. alertName: 'ModelHighLatencyP99Strict'");
  return name;
}

function checkUrl(prop: string, url: string): void {
  check(/^https?:\/\/\S+$/.test(url), undefined, prop, url, 'must be an http(s) URL', "e.g. 'https://runbooks.example.com/llm/high-latency'");
  validUrl(undefined, prop, url);
}

/** The alert fires above the threshold: a ratio is never above 1. */
function neverAbove1(prop: string, value: number): void {
  check(value < 1, undefined, prop, value, 'is 1, so the alert could never fire (the ratio is never above 1)', `e.g. ${prop.split('.').pop()}: 0.05 for 5%`);
}

function checkRatio(prop: string, value: number): void {
  check(Number.isFinite(value) && value >= 0 && value <= 1, undefined, prop, value, 'must be a ratio between 0 and 1', `e.g. ${prop.split('.').pop()}: 0.05 for 5%`);
}

function checkObjective(where: string, objective: number): void {
  check(Number.isFinite(objective) && objective > 0 && objective < 1, undefined, `${where}.objective`, objective, 'must be a ratio strictly between 0 and 1',
    'e.g. objective: 0.999 for 99.9%');
  // The fast-burn threshold is 14.4x the error budget: above 100% bad requests it could never fire.
  check(FAST_BURN[0][2] * (1 - objective) < 1, undefined, `${where}.objective`, objective,
    `leaves an error budget of ${pct(1 - objective)}, so the fast-burn alert would need ${pct(FAST_BURN[0][2] * (1 - objective))} bad requests and could never fire`,
    'use an objective above 0.931 (e.g. 0.99), or alert on the ratio itself with errorRate()');
}

function checkMetricName(prop: string, metric: string): void {
  check(typeof metric === 'string' && metric.length > 0, undefined, prop, metric, 'is missing: the alert needs the name of the metric your server or exporter publishes',
    "e.g. metric: 'model_drift_score'");
  check(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric), undefined, prop, metric, 'must be a Prometheus metric name', "e.g. 'model_drift_score'");
  metricName(undefined, prop, metric);
}

function checkSelector(prop: string, selector: string | undefined): void {
  if (selector === undefined) return;
  check(selector.trim().length > 0 && !/[{}]/.test(selector), undefined, prop, selector, 'must be label matchers without braces',
    'e.g. selector: \'job="drift-exporter",model="llama"\'');
  labelMatchers(undefined, prop, selector);
}

function positiveSeconds(prop: string, d: Duration): number {
  return duration(undefined, prop, d, { positive: true });
}

function pct(ratio: number): string {
  return `${num(ratio * 100)}%`;
}

/** A number as PromQL and humans read it: no binary floating-point noise (0.014400000000000001 -> 0.0144). */
function num(value: number): string {
  return String(Number(value.toPrecision(12)));
}

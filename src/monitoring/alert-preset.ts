import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import {
  AvailabilitySloAlertOptions, DataDriftAlertOptions, ErrorRateAlertOptions, GpuMemoryAlertOptions,
  GpuSaturatedAlertOptions, GpuUnderutilizedAlertOptions, GpuXidAlertOptions, HistogramAlertOptions,
  KvCacheAlertOptions, LatencyAlertOptions, LatencySloAlertOptions, PublishedMetricOptions, QualityAlertOptions,
  QueueDepthAlertOptions,
} from './alert-preset-options';
import { alertName, checkAlertName, checkUrl, Context, num, pct, Render, renderContext, single, VERSION } from './alert-rendering';
import { AlertCommonOptions, AlertOptions, AlertRules, AlertSeverity } from './alert-rules';
import { burnRate, checkObjective } from './slo-burn-rate';
import { check, deferFactoryChecks } from '../internal/errors';
import { histogramFragment, labelMatchers, metricName, requestMetricFragments } from '../internal/promql';
import { duration, oneOf } from '../internal/validate';
import { Percentile } from '../metrics/percentile';
import {
  aggregate, Dcgm, errorRatio, fullestReplica, gpuMemoryUsed, gpuNewXid, gpuUtilization, histogramQuantile, sumRate,
} from '../metrics/promql-builders';
import { requireLatencyHistogram, requireRequestCounters, requireSeries } from '../metrics/runtime-metrics';
import { IModelService } from '../serving/model-service';

/** An alert on how differently canary and stable predict. */
export interface PredictionShiftAlertOptions extends AlertOptions {
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
  public static errorRate(props: ErrorRateAlertOptions): AlertPreset {
    checkRatio('AlertPreset.errorRate.maxRatio', props.maxRatio);
    neverAbove1('AlertPreset.errorRate.maxRatio', props.maxRatio);
    requestMetricFragments('AlertPreset.errorRate', props);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelHighErrorRate');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.minutes(5), 1);
      const c = requireRequestCounters(ctx.svc._metricCatalog, props, ctx.scope, 'AlertPreset.errorRate');
      return single(ctx, props, name, Duration.minutes(5), AlertSeverity.CRITICAL,
        `${errorRatio(c, ctx.series.runtime, w, ctx.series.versionLabels)} > ${num(props.maxRatio)}`,
        `${ctx.svc.name}: error ratio of version ${VERSION} above ${pct(props.maxRatio)}`,
        `{{ $value | humanizePercentage }} of the requests to ${ctx.model} version ${VERSION} failed over the last ${w} (threshold ${pct(props.maxRatio)}).`);
    });
  }

  /** A request-latency percentile of a version (`ModelHighLatencyP95`, warning, for 5m). */
  public static latency(props: LatencyAlertOptions): AlertPreset {
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
  public static queueDepth(props: QueueDepthAlertOptions): AlertPreset {
    check(Number.isFinite(props.maxWaiting) && props.maxWaiting >= 0, undefined, 'AlertPreset.queueDepth.maxWaiting', props.maxWaiting, 'must be >= 0', 'e.g. maxWaiting: 10');
    return preset(props, ctx => {
      const metric = requireSeries(ctx.svc._metricCatalog, 'queueDepth', ctx.scope, 'AlertPreset.queueDepth');
      return single(ctx, props, alertName(props, 'ModelQueueBacklog'), Duration.minutes(5), AlertSeverity.WARNING,
        `${fullestReplica(metric, ctx.series.runtime(), ctx.series.versionLabels)} > ${num(props.maxWaiting)}`,
        `${ctx.svc.name}: requests queueing on version ${VERSION}`,
        `A replica of ${ctx.model} version ${VERSION} has {{ $value }} requests waiting (threshold ${props.maxWaiting}): the replicas are saturated.`);
    });
  }

  /** vLLM KV-cache usage of the fullest replica of a version (`ModelKvCacheNearFull`, warning, for 5m). */
  public static kvCacheUsage(props: KvCacheAlertOptions): AlertPreset {
    checkRatio('AlertPreset.kvCacheUsage.maxUsage', props.maxUsage);
    neverAbove1('AlertPreset.kvCacheUsage.maxUsage', props.maxUsage);
    return preset(props, ctx => {
      const metric = requireSeries(ctx.svc._metricCatalog, 'kvCacheUsage', ctx.scope, 'AlertPreset.kvCacheUsage');
      return single(ctx, props, alertName(props, 'ModelKvCacheNearFull'), Duration.minutes(5), AlertSeverity.WARNING,
        `${fullestReplica(metric, ctx.series.runtime(), ctx.series.versionLabels)} > ${num(props.maxUsage)}`,
        `${ctx.svc.name}: KV cache of version ${VERSION} nearly full`,
        `The fullest KV cache of ${ctx.model} version ${VERSION} is {{ $value | humanizePercentage }} used (threshold ${pct(props.maxUsage)}): requests get preempted.`);
    });
  }

  /**
   * An availability SLO with multi-window, multi-burn-rate alerts (`ModelAvailabilityBudgetBurnFast`,
   * `ModelAvailabilityBudgetBurnSlow`), reading recording rules `model:request_error_ratio:rate<window>`.
   */
  public static availabilitySlo(props: AvailabilitySloAlertOptions): AlertPreset {
    checkObjective('AlertPreset.availabilitySlo', props.objective);
    requestMetricFragments('AlertPreset.availabilitySlo', props);
    return preset(props, ctx => {
      const c = requireRequestCounters(ctx.svc._metricCatalog, props, ctx.scope, 'AlertPreset.availabilitySlo');
      return burnRate(ctx, props, 'ModelAvailability', 'model:request_error_ratio', 'availability', 'failed requests',
        w => errorRatio(c, ctx.series.runtime, w, 'namespace, job'));
    });
  }

  /**
   * A latency SLO with multi-window, multi-burn-rate alerts (`ModelLatencyBudgetBurnFast`,
   * `ModelLatencyBudgetBurnSlow`) on the share of requests slower than `threshold`, reading recording rules
   * `model:request_slow_ratio:rate<window>`, plus `ModelLatencySloBucketMissing` when the histogram has no
   * bucket at `threshold`.
   */
  public static latencySlo(props: LatencySloAlertOptions): AlertPreset {
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
      const rate = (m: string, w: string) => sumRate(m, w, 'namespace, job');
      const rules = burnRate(ctx, props, 'ModelLatency', 'model:request_slow_ratio', 'latency', `requests slower than ${seconds}s`,
        w => `1 - ${rate(`${h}_bucket${sel(le)}`, w)} / ${rate(`${h}_count${sel()}`, w)}`);
      const prefix = props.alertNamePrefix ?? 'ModelLatency';
      // Without a bucket at the threshold the ratios are empty and the burn-rate alerts could never fire.
      const missing = single(ctx, props, checkAlertName(`${prefix}SloBucketMissing`), Duration.minutes(15), AlertSeverity.WARNING,
        `absent(${h}_bucket${sel(le)}) and on () (${sumRate(`${h}_count${sel()}`, '5m')} > 0)`,
        `${ctx.svc.name}: no ${h} bucket at ${seconds}s`,
        `${ctx.model} version ${ctx.version} serves requests but ${h} has no bucket le="${seconds}", so the latency SLO of ${ctx.svc.name} cannot be measured: use a bucket boundary as the threshold.`);
      return { recordingRules: rules.recordingRules, alertingRules: [...rules.alertingRules, ...missing.alertingRules] };
    });
  }

  /**
   * GPUs of the service mostly idle: wasted accelerators (`ModelGpuUnderutilized`, warning, for 15m). An idle
   * service (no traffic) fires it too, by design.
   */
  public static gpuUnderutilized(props: GpuUnderutilizedAlertOptions = {}): AlertPreset {
    const min = props.minUtilization ?? 0.2;
    checkRatio('AlertPreset.gpuUnderutilized.minUtilization', min);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelGpuUnderutilized');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.hours(1), 60);
      return single(ctx, props, name, Duration.minutes(15), AlertSeverity.WARNING,
        `${aggregate('avg', gpuUtilization(ctx.series.gpu(), w), 'namespace')} < ${num(min * 100)}`,
        `${ctx.svc.name}: GPUs under ${pct(min)} busy`,
        `The GPUs of ${ctx.model} version ${ctx.version} averaged {{ $value | humanize }}% utilization over the last ${w} (threshold ${pct(min)}): fewer replicas or smaller GPUs would do.`);
    });
  }

  /** The GPUs of a pod busy all the time (`ModelGpuSaturated`, warning, for 15m). */
  public static gpuSaturated(props: GpuSaturatedAlertOptions = {}): AlertPreset {
    const max = props.maxUtilization ?? 0.95;
    checkRatio('AlertPreset.gpuSaturated.maxUtilization', max);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelGpuSaturated');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.minutes(5), 60);
      return single(ctx, props, name, Duration.minutes(15), AlertSeverity.WARNING,
        `${aggregate('avg', gpuUtilization(ctx.series.gpu(), w), 'namespace, pod')} > ${num(max * 100)}`,
        `${ctx.svc.name}: GPUs of {{ $labels.pod }} saturated`,
        `The GPUs of pod {{ $labels.pod }} (${ctx.model} version ${ctx.version}) averaged {{ $value | humanize }}% utilization over the last ${w} (threshold ${pct(max)}): add replicas.`);
    });
  }

  /** GPU framebuffer memory of one GPU nearly full (`ModelGpuMemoryNearFull`, warning, for 5m). */
  public static gpuMemoryNearFull(props: GpuMemoryAlertOptions = {}): AlertPreset {
    const max = props.maxUsage ?? 0.98;
    checkRatio('AlertPreset.gpuMemoryNearFull.maxUsage', max);
    return preset(props, ctx => {
      return single(ctx, props, alertName(props, 'ModelGpuMemoryNearFull'), Duration.minutes(5), AlertSeverity.WARNING,
        `${gpuMemoryUsed(ctx.series.gpu())} > ${num(max)}`,
        `${ctx.svc.name}: GPU memory of {{ $labels.pod }} nearly full`,
        `GPU {{ $labels.gpu }} on {{ $labels.Hostname }}, used by pod {{ $labels.pod }} (${ctx.model} version ${ctx.version}), has {{ $value | humanizePercentage }} of its memory used (threshold ${pct(max)}).`);
    });
  }

  /**
   * A new XID error on a GPU of the service (`ModelGpuXidError`, critical). dcgm-exporter publishes the last
   * XID code as a gauge that stays set, so the alert fires when it changes to a non-zero code.
   * @see https://docs.nvidia.com/deploy/xid-errors/
   */
  public static gpuXidErrors(props: GpuXidAlertOptions = {}): AlertPreset {
    return preset(props, ctx => {
      const name = alertName(props, 'ModelGpuXidError');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.minutes(10), 60);
      return single(ctx, props, name, Duration.seconds(0), AlertSeverity.CRITICAL,
        gpuNewXid(ctx.series.gpu(), w),
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
      `absent(${Dcgm.GPU_UTIL}${ctx.series.gpu()}) and on () (count(up${ctx.series.runtime()} == 1) > 0)`,
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
  public static dataDrift(props: DataDriftAlertOptions): AlertPreset {
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
  public static predictionShift(props: PredictionShiftAlertOptions): AlertPreset {
    checkRatio('AlertPreset.predictionShift.maxDistance', props.maxDistance);
    return preset(props, ctx => {
      const name = alertName(props, 'ModelPredictionShift');
      const w = ctx.duration(`${name}.window`, props.window ?? Duration.minutes(30), 60);
      const d = props.distribution;
      const { runtime: sel, hashLabel: hash } = ctx.series;
      const perVersion = `${sumRate(`${d.isHistogram ? `${d.metric}_count` : d.metric}${sel()}`, w, `namespace, job, ${hash}`)} > 0`;
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
          expr: `${sumRate(`${d.isHistogram ? `${d.metric}_bucket` : d.metric}${sel()}`, w, `namespace, job, ${hash}, ${d.label}`)} / on (namespace, job, ${hash}) group_left () (${perVersion})`,
        }],
        alertingRules: rules.alertingRules,
      };
    });
  }

  /**
   * A published accuracy or quality metric below the validated baseline (`ModelQualityBelowBaseline`,
   * critical, for 15m), plus `ModelQualityBelowBaselineMissing` when the metric is not published.
   */
  public static qualityBelowBaseline(props: QualityAlertOptions): AlertPreset {
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
    return this.render(renderContext(scope, service));
  }
}

function preset(props: AlertCommonOptions & { alertName?: string; alertNamePrefix?: string }, render: Render): AlertPreset {
  if (props.runbookUrl !== undefined) checkUrl('AlertPreset.runbookUrl', props.runbookUrl);
  if (props.alertName !== undefined) checkAlertName(props.alertName);
  if (props.alertNamePrefix !== undefined) checkAlertName(props.alertNamePrefix);
  return new RenderedPreset(render);
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
      `${histogramQuantile(p, histogram(ctx), ctx.series.runtime(), w, ctx.series.versionLabels)} > ${num(seconds)}`,
      `${ctx.svc.name}: ${p} ${what} of version ${VERSION} above ${num(seconds)}s`,
      `The ${p} ${what} of ${ctx.model} version ${VERSION} is {{ $value | humanizeDuration }} over the last ${w} (threshold ${num(seconds)}s).`);
  });
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

function neverAbove1(prop: string, value: number): void {
  check(value < 1, undefined, prop, value, 'is 1, so the alert could never fire (the ratio is never above 1)', `e.g. ${prop.split('.').pop()}: 0.05 for 5%`);
}

function checkRatio(prop: string, value: number): void {
  check(Number.isFinite(value) && value >= 0 && value <= 1, undefined, prop, value, 'must be a ratio between 0 and 1', `e.g. ${prop.split('.').pop()}: 0.05 for 5%`);
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

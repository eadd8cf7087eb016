import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { shortDuration } from '../internal/duration';
import { check, deferFactoryChecks } from '../internal/errors';
import { histogramFragment, promqlQuery, requestMetricFragments } from '../internal/promql';
import { oneOf } from '../internal/validate';
import { Percentile } from '../metrics/percentile';
import { PrometheusSettings } from '../metrics/prometheus-settings';
import { errorRatio, fullestReplica, histogramQuantile, whileServing } from '../metrics/promql-builders';
import { CatalogSeries, requireLatencyHistogram, requireRequestCounters, requireSeries } from '../metrics/runtime-metrics';
import { IModelService } from '../serving/model-service';

/** How a custom gate compares its value to the threshold. */
export enum Comparison {
  /** Pass when the value is at most the threshold (latency, errors). */
  AT_MOST = 'at-most',
  /** Pass when the value is at least the threshold (accuracy, throughput). */
  AT_LEAST = 'at-least',
}

/**
 * How a gate measures, shared by every gate. Defaults make a gate wait two scrapes, take five one-minute
 * measurements, fail on the first bad one, tolerate two without data, and so pass only on three or more
 * measured good values.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
 */
export interface GateOptions {
  /**
   * Time between measurements.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * Measurements taken.
   * @default 5
   */
  readonly count?: number;
  /**
   * Wait before the first measurement. The new version's request counters appear with its first inference
   * request and a `rate()` needs two scrapes of them, so a measurement taken earlier finds no data.
   * @default - two scrape intervals of PrometheusSettings (1 minute with the default 30-second scrapeInterval)
   */
  readonly initialDelay?: Duration;
  /**
   * Failed measurements tolerated before the gate fails; less than `count`, or the gate could never fail.
   * @default 0
   */
  readonly failureLimit?: number;
  /**
   * Inconclusive measurements (no data, NaN) tolerated before the gate is inconclusive, which pauses the
   * rollout. Less than `count`: Argo counts a run that reaches `count` within the limits as Successful, so
   * at least `count - inconclusiveLimit` measurements must have passed, and a version without data never passes.
   * @default - half the measurements before the last, rounded down (2 of 5): a version scraped too few times
   *   for its first windows does not pause the rollout, and most measurements must still pass
   */
  readonly inconclusiveLimit?: number;
  /**
   * Consecutive query errors (Prometheus unreachable) tolerated before the gate errors and aborts.
   * @default 4
   */
  readonly consecutiveErrorLimit?: number;
  /**
   * The range of `rate()` windows in the query: at least two scrape intervals, so that it always holds two
   * samples (Prometheus recommends four).
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;
}

/**
 * Request counters for runtimes without known ones (custom servers). Error ratios count inference requests
 * only: a version that answered health checks and model listings but no inference request has no ratio.
 */
export interface RequestMetricOptions {
  /**
   * For runtimes without known request metrics (custom): the request counter, e.g. `http_requests_total`.
   * @default - the runtime's inference requests: vLLM `http_requests_total` of its inference handlers
   *   (`/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`, …), TGI `tgi_request_count`, Triton
   *   `nv_inference_request_success|failure`
   */
  readonly requestsMetric?: string;
  /**
   * For custom runtimes: the label matcher that selects errors on `requestsMetric`, e.g. `code=~"5.."`.
   * @default - the runtime's
   */
  readonly errorsMatcher?: string;
  /**
   * For custom runtimes: the label matcher that selects inference requests on `requestsMetric`, e.g.
   * `handler=~"/v1/.*completions"`. Leave it out only when `requestsMetric` counts inference requests only.
   * @default - every series of `requestsMetric`
   * @see https://prometheus.io/docs/prometheus/latest/querying/basics/#instant-vector-selectors
   */
  readonly inferenceMatcher?: string;
}

/** An error-rate gate. */
export interface ErrorRateGateOptions extends GateOptions, RequestMetricOptions {
  /** The highest error ratio (0 to 1) the new version may have. */
  readonly maxRatio: number;
  /**
   * Also fail when the new version's error ratio exceeds the stable version's by more than this fraction, as
   * the latency gates compare: `canary <= (1 + stableTolerance) x max(stable, stableFloor)`, so 1 allows at
   * most twice the stable's ratio. (Before, this was a difference in ratio points, which let 0.04% -> 0.2%
   * pass a tolerance of 0.005.)
   * @default - no comparison with the stable version
   */
  readonly stableTolerance?: number;
  /**
   * The stable error ratio below which the comparison takes this value instead: a stable without errors
   * would otherwise fail any canary with a single error.
   * @default - maxRatio / 20
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
   */
  readonly stableFloor?: number;
}

/** A latency gate on a request-latency histogram. */
export interface LatencyGateOptions extends GateOptions {
  /**
   * The percentile compared.
   * @default Percentile.P95
   */
  readonly percentile?: Percentile;
  /** The highest latency allowed at that percentile. */
  readonly threshold: Duration;
  /**
   * Also fail when the new version is slower than the stable version by more than this fraction (0.1 = 10%).
   * @default - no comparison with the stable version
   */
  readonly stableTolerance?: number;
  /**
   * The histogram (without `_bucket`), in seconds.
   * @default - the runtime's end-to-end latency: vLLM `vllm:e2e_request_latency_seconds`, TGI `tgi_request_duration`
   */
  readonly histogram?: string;
}

/** A gate on the runtime's waiting-queue depth. */
export interface QueueDepthGateOptions extends GateOptions {
  /** The most requests allowed waiting in any replica's queue (vLLM `vllm:num_requests_waiting`, TGI `tgi_queue_size`). */
  readonly maxWaiting: number;
}

/** A gate on the runtime's KV-cache usage. */
export interface KvCacheGateOptions extends GateOptions {
  /**
   * The highest KV-cache usage (0 to 1) allowed on any replica (vLLM from 0.11 `vllm:kv_cache_usage_perc`,
   * before `vllm:gpu_cache_usage_perc`).
   */
  readonly maxUsage: number;
}

/** A gate on any PromQL expression. */
export interface CustomGateOptions extends GateOptions {
  /** The metric's name in the AnalysisTemplate (a DNS label). */
  readonly name: string;
  /**
   * PromQL returning one sample. It may use `{{args.namespace}}`, `{{args.canary-hash}}` and
   * `{{args.stable-hash}}`; the series label names are those of PrometheusSettings.
   */
  readonly query: string;
  /** How the value compares to the threshold. */
  readonly comparison: Comparison;
  /** The threshold. */
  readonly threshold: number;
}

/**
 * One measured metric of an AnalysisTemplate, as a gate renders it.
 */
export interface AnalysisMetric {
  /** The metric name. */
  readonly name: string;
  /** The PromQL query, with `{{args.*}}` placeholders. */
  readonly query: string;
  /** expr-lang: true when the measurement passes. */
  readonly successCondition: string;
  /** expr-lang: true when the measurement fails. */
  readonly failureCondition: string;
  /** Argo duration string. */
  readonly interval: string;
  /** Measurements. */
  readonly count: number;
  /** Argo duration string: the wait before the first measurement. */
  readonly initialDelay: string;
  /** Failed measurements tolerated. */
  readonly failureLimit: number;
  /** Inconclusive measurements tolerated. */
  readonly inconclusiveLimit: number;
  /** Consecutive errors tolerated. */
  readonly consecutiveErrorLimit: number;
}

/** The arguments every gate AnalysisTemplate declares; rollouts supply them. */
export const GATE_ARGS: readonly string[] = ['namespace', 'canary-hash', 'stable-hash'];

/** The matcher of one version's series: the pod-template hash label equal to the run's `<version>-hash` argument. */
export function hashMatcher(hashLabel: string, version: string): string {
  return `${hashLabel}="{{args.${version}-hash}}"`;
}

type Selector = (version: Version, ...extra: string[]) => string;
type Version = 'canary' | 'stable';

/** Renders a value query for one version of a service. */
type ValueQuery = (sel: Selector, version: Version, window: string, service: IModelService, scope: IConstruct) => string;

/**
 * A metric gate: a PromQL measurement of the new version with conditions that pass only on good data.
 *
 * Every gate sets both `successCondition` and `failureCondition` and guards against missing data, so that an
 * empty result or NaN (no traffic) is Inconclusive, an infinite or (for the built-in gates) negative value
 * fails, and nothing passes unless it was measured. Gates read the series the service's runtime image
 * exports; a gate on a series it does not export is refused at synth.
 * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/
 */
export abstract class Gate {
  /**
   * The share of failed requests (server errors) of the new version.
   */
  public static errorRate(props: ErrorRateGateOptions): Gate {
    checkRatio('Gate.errorRate', 'maxRatio', props.maxRatio);
    // An error ratio is at most 1, so `<= 1` passes every measurement.
    check(props.maxRatio < 1, undefined, 'Gate.errorRate.maxRatio', props.maxRatio, 'passes even when every request fails', 'e.g. maxRatio: 0.01 for 1%');
    requestMetricFragments('Gate.errorRate', props);
    if (props.stableTolerance !== undefined) checkTolerance('Gate.errorRate', props.stableTolerance, 'e.g. 1 allows at most twice the stable\'s error ratio');
    check(props.stableFloor === undefined || props.stableTolerance !== undefined, undefined, 'Gate.errorRate.stableFloor', props.stableFloor,
      'is set without stableTolerance, so there is no comparison with the stable for it to floor', 'set stableTolerance too, or drop stableFloor');
    const floor = props.stableFloor ?? props.maxRatio / 20;
    check(props.stableTolerance === undefined || (floor > 0 && floor <= 1), undefined, 'Gate.errorRate.stableFloor', floor,
      'must be a ratio above 0 and at most 1', 'e.g. stableFloor: 0.0005 (one error in 2,000 requests)');
    const ratio: ValueQuery = (sel, v, w, svc, scope) => {
      const c = requireRequestCounters(svc._metricCatalog, props, scope, 'Gate.errorRate');
      return errorRatio(c, (...extra) => sel(v, ...extra), w);
    };
    // clamp_min keeps NaN (a stable without traffic): the comparison is then Inconclusive, never a pass.
    return new PromGate('error-rate', props, ratio, Comparison.AT_MOST, props.maxRatio,
      props.stableTolerance === undefined ? undefined : { combine: (c, s) => `(${c}) / clamp_min(${s}, ${floor})`, limit: 1 + props.stableTolerance });
  }

  /**
   * A request-latency percentile of the new version, from the runtime's end-to-end latency histogram.
   */
  public static latency(props: LatencyGateOptions): Gate {
    histogramFragment('Gate.latency', props.histogram);
    const p = props.percentile ?? Percentile.P95;
    return histogramGate('Gate.latency', `latency-${p}`, props, (svc, scope) => requireLatencyHistogram(svc._metricCatalog, props.histogram, scope, 'Gate.latency'));
  }

  /**
   * Time to first token (vLLM): how long users wait before the answer starts streaming.
   */
  public static timeToFirstToken(props: LatencyGateOptions): Gate {
    return histogramGate('Gate.timeToFirstToken', `ttft-${props.percentile ?? Percentile.P95}`, props, catalogSeries('timeToFirstToken', 'Gate.timeToFirstToken'));
  }

  /**
   * Inter-token latency (vLLM): the streaming speed once generation started.
   */
  public static interTokenLatency(props: LatencyGateOptions): Gate {
    return histogramGate('Gate.interTokenLatency', `itl-${props.percentile ?? Percentile.P95}`, props, catalogSeries('interTokenLatency', 'Gate.interTokenLatency'));
  }

  /**
   * Queue depth (vLLM, TGI): the most requests waiting on any replica. Measured only while the version serves traffic.
   */
  public static queueDepth(props: QueueDepthGateOptions): Gate {
    check(props.maxWaiting >= 0, undefined, 'Gate.queueDepth.maxWaiting', props.maxWaiting, 'must be >= 0', 'e.g. maxWaiting: 10');
    return saturationGate('queue-depth', 'queueDepth', props, props.maxWaiting, 'Gate.queueDepth');
  }

  /**
   * KV-cache usage (vLLM): the fullest replica's cache. Near 1, requests get preempted.
   */
  public static kvCacheUsage(props: KvCacheGateOptions): Gate {
    checkRatio('Gate.kvCacheUsage', 'maxUsage', props.maxUsage);
    return saturationGate('kv-cache-usage', 'kvCacheUsage', props, props.maxUsage, 'Gate.kvCacheUsage');
  }

  /**
   * Any PromQL expression returning one sample, compared with a threshold. Missing data and NaN are
   * Inconclusive, as for every gate.
   */
  public static custom(props: CustomGateOptions): Gate {
    check(/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(props.name), undefined, 'Gate.custom.name', props.name, 'must be a DNS label', "e.g. name: 'accuracy'");
    promqlQuery(undefined, 'Gate.custom.query', props.query, GATE_ARGS);
    // JavaScript callers can pass any string.
    check(Object.values(Comparison).includes(props.comparison), undefined, 'Gate.custom.comparison', props.comparison, 'is not a Comparison',
      `use one of ${Object.keys(Comparison).map(k => `Comparison.${k}`).join(', ')}`);
    check(Number.isFinite(props.threshold), undefined, 'Gate.custom.threshold', props.threshold, 'must be a finite number', 'give the threshold value');
    return new PromGate(props.name, props, () => props.query, props.comparison, props.threshold, undefined, false);
  }

  /** The metric name(s) in the AnalysisTemplate. */
  public abstract readonly name: string;

  /**
   * Renders the gate's metrics for a service with the PrometheusSettings of the chart of `scope` as they are now:
   * call it when rendering; `scope` is the construct the template belongs to.
   */
  public abstract bind(scope: IConstruct, service: IModelService): AnalysisMetric[];

  /**
   * The names of the gate's metrics, after the checks that hold whatever the chart's PrometheusSettings (which may
   * be created later): what a template checks when it is created.
   * @internal
   */
  public _metricNames(scope: IConstruct, service: IModelService): string[] {
    return this.bind(scope, service).map(m => m.name);
  }
}

interface StableComparison {
  readonly combine: (canary: string, stable: string) => string;
  readonly limit: number;
}

deferFactoryChecks(Gate);

class PromGate extends Gate {
  constructor(
    public readonly name: string,
    private readonly options: GateOptions,
    private readonly value: ValueQuery,
    private readonly comparison: Comparison,
    private readonly threshold: number,
    private readonly stable?: StableComparison,
    /** Built-in gates measure ratios, durations and counts: a negative value is broken data. */
    private readonly nonNegative = true,
  ) {
    super();
  }

  public bind(scope: IConstruct, service: IModelService): AnalysisMetric[] {
    return this.render(scope, service, true);
  }

  /** @internal */
  public _metricNames(scope: IConstruct, service: IModelService): string[] {
    return this.render(scope, service, false).map(m => m.name);
  }

  /** The metrics with the chart's settings as they are now; `withSettings: false` skips the checks that depend on them. */
  private render(scope: IConstruct, service: IModelService, withSettings: boolean): AnalysisMetric[] {
    const o = this.options;
    const settings = PrometheusSettings.of(scope);
    const sel: Selector = (version, ...extra) => `{${[
      `${settings.namespaceLabel}="{{args.namespace}}"`,
      hashMatcher(settings.podTemplateHashLabel, version),
      ...extra,
    ].join(',')}}`;
    const scrape = settings.scrapeInterval.toSeconds({ integral: false });
    const windowLength = o.window ?? Duration.minutes(5);
    check(!withSettings || windowLength.toSeconds({ integral: false }) >= 2 * scrape, scope, `${this.name}.window`, windowLength.toHumanString(),
      `must span at least two scrape intervals (PrometheusSettings scrapeInterval ${settings.scrapeInterval.toHumanString()}), or rate() finds one sample and every measurement is Inconclusive`,
      `e.g. window: Duration.seconds(${4 * scrape})`);
    const window = shortDuration(scope, `${this.name}.window`, windowLength, 1);
    const count = positive(scope, `${this.name}.count`, o.count ?? 5, 1);
    const failureLimit = positive(scope, `${this.name}.failureLimit`, o.failureLimit ?? 0, 0);
    const inconclusiveLimit = positive(scope, `${this.name}.inconclusiveLimit`, o.inconclusiveLimit ?? Math.floor((count - 1) / 2), 0);
    // Argo counts a run that reaches `count` within both limits as Successful: a limit of `count` or more would pass
    // a gate that never measured a thing (or never passed).
    check(failureLimit < count, scope, `${this.name}.failureLimit`, failureLimit, `must be less than count (${count}), or the gate passes with every measurement failed`,
      `set failureLimit to at most ${count - 1}`);
    check(inconclusiveLimit < count, scope, `${this.name}.inconclusiveLimit`, inconclusiveLimit,
      `must be less than count (${count}), or the gate passes without a single measured value`, `set inconclusiveLimit to at most ${count - 1}`);
    const measure = {
      interval: shortDuration(scope, `${this.name}.interval`, o.interval ?? Duration.minutes(1), 1),
      count,
      initialDelay: shortDuration(scope, `${this.name}.initialDelay`, o.initialDelay ?? Duration.seconds(Math.ceil(2 * scrape))),
      failureLimit,
      inconclusiveLimit,
      consecutiveErrorLimit: positive(scope, `${this.name}.consecutiveErrorLimit`, o.consecutiveErrorLimit ?? 4, 0),
    };
    const canary = this.value(sel, 'canary', window, service, scope);
    const own = conditions(this.comparison, this.threshold, this.nonNegative);
    const metrics: AnalysisMetric[] = [{ name: this.name, query: canary, ...own, ...measure }];
    if (this.stable) {
      const stable = this.value(sel, 'stable', window, service, scope);
      metrics.push({ name: `${this.name}-vs-stable`, query: this.stable.combine(canary, stable), ...conditions(Comparison.AT_MOST, this.stable.limit, true), ...measure });
    }
    return metrics;
  }
}

/**
 * Conditions that pass only on a measured, finite, good value: `len(result) > 0` turns an empty result into
 * Inconclusive instead of an Error, NaN makes every comparison false (Inconclusive), an infinite value fails
 * (`-Inf <= T` is true in expr, so a bare upper bound would pass it), and so does a negative value of a quantity
 * that cannot be negative.
 */
function conditions(comparison: Comparison, threshold: number, nonNegative: boolean): { successCondition: string; failureCondition: string } {
  const [pass, fail] = comparison === Comparison.AT_MOST ? ['<=', '>'] : ['>=', '<'];
  const [valid, broken] = nonNegative ? ['result[0] >= 0', 'result[0] < 0'] : ['!isInf(result[0])', 'isInf(result[0])'];
  return {
    successCondition: `len(result) > 0 && ${valid} && result[0] ${pass} ${threshold}`,
    failureCondition: `len(result) > 0 && (${broken} || result[0] ${fail} ${threshold})`,
  };
}

function histogramGate(where: string, name: string, props: LatencyGateOptions, histogram: (svc: IModelService, scope: IConstruct) => string): Gate {
  const seconds = props.threshold.toSeconds({ integral: false });
  check(seconds > 0, undefined, `${where}.threshold`, props.threshold.toHumanString(), 'must be a positive duration', 'e.g. threshold: Duration.seconds(2)');
  if (props.stableTolerance !== undefined) checkTolerance(where, props.stableTolerance, 'e.g. 0.1 allows the new version to be 10% slower');
  const p = oneOf(undefined, `${where}.percentile`, props.percentile ?? Percentile.P95, Object.values(Percentile));
  const value: ValueQuery = (sel, v, w, svc, scope) => histogramQuantile(p, histogram(svc, scope), sel(v), w);
  return new PromGate(name, props, value, Comparison.AT_MOST, seconds,
    props.stableTolerance === undefined ? undefined : { combine: (c, s) => `(${c}) / (${s})`, limit: 1 + props.stableTolerance });
}

function saturationGate(name: string, series: CatalogSeries, options: GateOptions, threshold: number, where: string): Gate {
  const gauge = catalogSeries(series, where);
  // A gauge reads 0 on an idle version: measure it only while the version has finished (inference) requests.
  const value: ValueQuery = (sel, v, w, svc, scope) =>
    whileServing(fullestReplica(gauge(svc, scope), sel(v)), requireSeries(svc._metricCatalog, 'requestLatency', scope, where), sel(v), w);
  return new PromGate(name, options, value, Comparison.AT_MOST, threshold);
}

function catalogSeries(series: CatalogSeries, where: string): (svc: IModelService, scope: IConstruct) => string {
  return (svc, scope) => requireSeries(svc._metricCatalog, series, scope, where);
}

function checkTolerance(where: string, value: number, example: string): void {
  check(Number.isFinite(value) && value >= 0, undefined, `${where}.stableTolerance`, value, 'must be a fraction >= 0', example);
}

function checkRatio(where: string, prop: string, value: number): void {
  check(value >= 0 && value <= 1, undefined, `${where}.${prop}`, value, 'must be a ratio between 0 and 1', `e.g. ${prop}: 0.01 for 1%`);
}

function positive(scope: IConstruct, prop: string, value: number, min: number): number {
  check(Number.isInteger(value) && value >= min, scope, prop, value, `must be a whole number >= ${min}`, `set ${prop} to an integer >= ${min}`);
  return value;
}

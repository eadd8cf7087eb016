import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PrometheusSettings } from './prometheus-settings';
import { shortDuration } from '../internal/duration';
import { check, deferFactoryChecks } from '../internal/errors';
import { histogramFragment, promqlQuery, requestMetricFragments } from '../internal/promql';
import { requireLatencyHistogram, requireRequestCounters, requireVllm } from '../internal/runtime-metrics';
import { oneOf } from '../internal/validate';
import { IModelService } from '../serving/gpu-model-service';

/** A latency percentile, computed with `histogram_quantile` from histogram buckets. */
export enum Percentile {
  /** The median. */
  P50 = 'p50',
  /** The 95th percentile. */
  P95 = 'p95',
  /** The 99th percentile. */
  P99 = 'p99',
}

/** How a custom gate compares its value to the threshold. */
export enum Comparison {
  /** Pass when the value is at most the threshold (latency, errors). */
  AT_MOST = 'at-most',
  /** Pass when the value is at least the threshold (accuracy, throughput). */
  AT_LEAST = 'at-least',
}

/**
 * How a gate measures, shared by every gate. Defaults make a gate take five one-minute measurements and
 * fail on the first bad one.
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
   * Wait before the first measurement, so the new version has traffic to measure.
   * @default - no delay
   */
  readonly initialDelay?: Duration;
  /**
   * Failed measurements tolerated before the gate fails.
   * @default 0
   */
  readonly failureLimit?: number;
  /**
   * Inconclusive measurements (no data, NaN) tolerated before the gate is inconclusive, which pauses the rollout.
   * @default 0
   */
  readonly inconclusiveLimit?: number;
  /**
   * Consecutive query errors (Prometheus unreachable) tolerated before the gate errors and aborts.
   * @default 4
   */
  readonly consecutiveErrorLimit?: number;
  /**
   * The range of `rate()` windows in the query.
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;
}

/** Request counters for runtimes without known ones (custom servers). */
export interface RequestMetricOptions {
  /**
   * For runtimes without known request metrics (custom): the request counter, e.g. `http_requests_total`.
   * @default - the runtime's: vLLM `http_requests_total`, TGI `tgi_request_count`, Triton `nv_inference_request_success|failure`
   */
  readonly requestsMetric?: string;
  /**
   * For custom runtimes: the label matcher that selects errors on `requestsMetric`, e.g. `code=~"5.."`.
   * @default - the runtime's
   */
  readonly errorsMatcher?: string;
}

/** An error-rate gate. */
export interface ErrorRateGateProps extends GateOptions, RequestMetricOptions {
  /** The highest error ratio (0 to 1) the new version may have. */
  readonly maxRatio: number;
  /**
   * Also fail when the new version's error ratio exceeds the stable version's by more than this many ratio points.
   * @default - no comparison with the stable version
   */
  readonly stableTolerance?: number;
}

/** A latency gate on a request-latency histogram. */
export interface LatencyGateProps extends GateOptions {
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

/** A gate on vLLM's waiting-queue depth. */
export interface QueueDepthGateProps extends GateOptions {
  /** The most requests allowed waiting in any replica's queue (`vllm:num_requests_waiting`). */
  readonly maxWaiting: number;
}

/** A gate on vLLM's KV-cache usage. */
export interface KvCacheGateProps extends GateOptions {
  /** The highest KV-cache usage (0 to 1) allowed on any replica (`vllm:kv_cache_usage_perc`). */
  readonly maxUsage: number;
}

/** A gate on any PromQL expression. */
export interface CustomGateProps extends GateOptions {
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
  /** Argo duration string, when set. */
  readonly initialDelay?: string;
  /** Failed measurements tolerated. */
  readonly failureLimit: number;
  /** Inconclusive measurements tolerated. */
  readonly inconclusiveLimit: number;
  /** Consecutive errors tolerated. */
  readonly consecutiveErrorLimit: number;
}

/** The arguments every gate AnalysisTemplate declares; rollouts supply them. */
export const GATE_ARGS = ['namespace', 'canary-hash', 'stable-hash'];

/** The quantile `histogram_quantile` takes for each percentile. */
export const QUANTILE: Record<Percentile, string> = { [Percentile.P50]: '0.5', [Percentile.P95]: '0.95', [Percentile.P99]: '0.99' };

type Selector = (version: Version, ...extra: string[]) => string;
type Version = 'canary' | 'stable';

/** Renders a value query for one version of a service. */
type ValueQuery = (sel: Selector, version: Version, window: string, service: IModelService, scope: IConstruct) => string;

/**
 * A metric gate: a PromQL measurement of the new version with conditions that pass only on good data.
 *
 * Every gate sets both `successCondition` and `failureCondition` and guards against missing data, so that an
 * empty result or NaN (no traffic) is Inconclusive, +Inf fails, and nothing passes unless it was measured.
 * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/
 */
export abstract class Gate {
  /**
   * The share of failed requests (server errors) of the new version.
   */
  public static errorRate(props: ErrorRateGateProps): Gate {
    checkRatio('Gate.errorRate', 'maxRatio', props.maxRatio);
    requestMetricFragments('Gate.errorRate', props);
    if (props.stableTolerance !== undefined) checkRatio('Gate.errorRate', 'stableTolerance', props.stableTolerance);
    const ratio: ValueQuery = (sel, v, w, svc, scope) => {
      const c = requireRequestCounters(svc, props, scope, 'Gate.errorRate');
      const of = (...extra: string[]) => sel(v, ...extra);
      return `(sum(rate(${c.errors(of)}[${w}])) or vector(0)) / sum(rate(${c.total(of)}[${w}]))`;
    };
    return new PromGate('error-rate', props, ratio, Comparison.AT_MOST, props.maxRatio,
      props.stableTolerance === undefined ? undefined : { combine: (c, s) => `(${c}) - (${s})`, limit: props.stableTolerance });
  }

  /**
   * A request-latency percentile of the new version, from the runtime's end-to-end latency histogram.
   */
  public static latency(props: LatencyGateProps): Gate {
    histogramFragment('Gate.latency', props.histogram);
    const p = props.percentile ?? Percentile.P95;
    return histogramGate('Gate.latency', `latency-${p}`, props, (svc, scope) => requireLatencyHistogram(svc, props.histogram, scope, 'Gate.latency'));
  }

  /**
   * vLLM time to first token: how long users wait before the answer starts streaming.
   */
  public static timeToFirstToken(props: LatencyGateProps): Gate {
    return histogramGate('Gate.timeToFirstToken', `ttft-${props.percentile ?? Percentile.P95}`, props, vllmMetric('vllm:time_to_first_token_seconds', 'Gate.timeToFirstToken'));
  }

  /**
   * vLLM inter-token latency: the streaming speed once generation started.
   */
  public static interTokenLatency(props: LatencyGateProps): Gate {
    return histogramGate('Gate.interTokenLatency', `itl-${props.percentile ?? Percentile.P95}`, props, vllmMetric('vllm:inter_token_latency_seconds', 'Gate.interTokenLatency'));
  }

  /**
   * vLLM queue depth: the most requests waiting on any replica. Measured only while the version serves traffic.
   */
  public static queueDepth(props: QueueDepthGateProps): Gate {
    check(props.maxWaiting >= 0, undefined, 'Gate.queueDepth.maxWaiting', props.maxWaiting, 'must be >= 0', 'e.g. maxWaiting: 10');
    return saturationGate('queue-depth', 'vllm:num_requests_waiting', props, props.maxWaiting, 'Gate.queueDepth');
  }

  /**
   * vLLM KV-cache usage: the fullest replica's cache. Near 1, requests get preempted.
   */
  public static kvCacheUsage(props: KvCacheGateProps): Gate {
    checkRatio('Gate.kvCacheUsage', 'maxUsage', props.maxUsage);
    return saturationGate('kv-cache-usage', 'vllm:kv_cache_usage_perc', props, props.maxUsage, 'Gate.kvCacheUsage');
  }

  /**
   * Any PromQL expression returning one sample, compared with a threshold. Missing data and NaN are
   * Inconclusive, as for every gate.
   */
  public static custom(props: CustomGateProps): Gate {
    check(/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(props.name), undefined, 'Gate.custom.name', props.name, 'must be a DNS label', "e.g. name: 'accuracy'");
    promqlQuery(undefined, 'Gate.custom.query', props.query, GATE_ARGS);
    check(Number.isFinite(props.threshold), undefined, 'Gate.custom.threshold', props.threshold, 'must be a finite number', 'give the threshold value');
    return new PromGate(props.name, props, () => props.query, props.comparison, props.threshold);
  }

  /** The metric name(s) in the AnalysisTemplate. */
  public abstract readonly name: string;

  /** Renders the gate's metrics for a service; `scope` is the construct the template belongs to. */
  public abstract bind(scope: IConstruct, service: IModelService): AnalysisMetric[];
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
  ) {
    super();
  }

  public bind(scope: IConstruct, service: IModelService): AnalysisMetric[] {
    const o = this.options;
    const settings = PrometheusSettings.of(scope);
    const sel: Selector = (version, ...extra) => `{${[
      `${settings.namespaceLabel}="{{args.namespace}}"`,
      `${settings.podTemplateHashLabel}="{{args.${version}-hash}}"`,
      ...extra,
    ].join(',')}}`;
    const window = shortDuration(scope, `${this.name}.window`, o.window ?? Duration.minutes(5), 1);
    const count = positive(scope, `${this.name}.count`, o.count ?? 5, 1);
    const measure = {
      interval: shortDuration(scope, `${this.name}.interval`, o.interval ?? Duration.minutes(1), 1),
      count,
      initialDelay: o.initialDelay ? shortDuration(scope, `${this.name}.initialDelay`, o.initialDelay) : undefined,
      failureLimit: positive(scope, `${this.name}.failureLimit`, o.failureLimit ?? 0, 0),
      inconclusiveLimit: positive(scope, `${this.name}.inconclusiveLimit`, o.inconclusiveLimit ?? 0, 0),
      consecutiveErrorLimit: positive(scope, `${this.name}.consecutiveErrorLimit`, o.consecutiveErrorLimit ?? 4, 0),
    };
    const canary = this.value(sel, 'canary', window, service, scope);
    const metrics: AnalysisMetric[] = [{ name: this.name, query: canary, ...conditions(this.comparison, this.threshold), ...measure }];
    if (this.stable) {
      const stable = this.value(sel, 'stable', window, service, scope);
      metrics.push({ name: `${this.name}-vs-stable`, query: this.stable.combine(canary, stable), ...conditions(Comparison.AT_MOST, this.stable.limit), ...measure });
    }
    return metrics;
  }
}

/**
 * Conditions that pass only on a measured, finite, good value: `len(result) > 0` turns an empty result into
 * Inconclusive instead of an Error, NaN makes both conditions false (Inconclusive), +Inf fails an upper bound.
 */
function conditions(comparison: Comparison, threshold: number): { successCondition: string; failureCondition: string } {
  const [pass, fail] = comparison === Comparison.AT_MOST ? ['<=', '>'] : ['>=', '<'];
  return {
    successCondition: `len(result) > 0 && result[0] ${pass} ${threshold}`,
    failureCondition: `len(result) > 0 && result[0] ${fail} ${threshold}`,
  };
}

function histogramGate(where: string, name: string, props: LatencyGateProps, histogram: (svc: IModelService, scope: IConstruct) => string): Gate {
  const seconds = props.threshold.toSeconds({ integral: false });
  check(seconds > 0, undefined, `${where}.threshold`, props.threshold.toHumanString(), 'must be a positive duration', 'e.g. threshold: Duration.seconds(2)');
  if (props.stableTolerance !== undefined) {
    check(props.stableTolerance >= 0, undefined, `${where}.stableTolerance`, props.stableTolerance, 'must be >= 0', 'e.g. 0.1 allows the new version to be 10% slower');
  }
  const q = QUANTILE[oneOf(undefined, `${where}.percentile`, props.percentile ?? Percentile.P95, Object.values(Percentile))];
  const value: ValueQuery = (sel, v, w, svc, scope) => `histogram_quantile(${q}, sum by (le) (rate(${histogram(svc, scope)}_bucket${sel(v)}[${w}])))`;
  return new PromGate(name, props, value, Comparison.AT_MOST, seconds,
    props.stableTolerance === undefined ? undefined : { combine: (c, s) => `(${c}) / (${s})`, limit: 1 + props.stableTolerance });
}

function saturationGate(name: string, metric: string, options: GateOptions, threshold: number, where: string): Gate {
  const gauge = vllmMetric(metric, where);
  // A gauge reads 0 on an idle version: measure it only while the version has finished requests.
  const value: ValueQuery = (sel, v, w, svc, scope) =>
    `max(${gauge(svc, scope)}${sel(v)}) and on() (sum(rate(vllm:e2e_request_latency_seconds_count${sel(v)}[${w}])) > 0)`;
  return new PromGate(name, options, value, Comparison.AT_MOST, threshold);
}

function vllmMetric(metric: string, where: string): (svc: IModelService, scope: IConstruct) => string {
  return (svc, scope) => requireVllm(svc, metric, scope, where);
}

function checkRatio(where: string, prop: string, value: number): void {
  check(value >= 0 && value <= 1, undefined, `${where}.${prop}`, value, 'must be a ratio between 0 and 1', `e.g. ${prop}: 0.01 for 1%`);
}

function positive(scope: IConstruct, prop: string, value: number, min: number): number {
  check(Number.isInteger(value) && value >= min, scope, prop, value, `must be a whole number >= ${min}`, `set ${prop} to an integer >= ${min}`);
  return value;
}

import { Percentile } from './percentile';
import { RequestCounters, SeriesSelector } from './runtime-metrics';

/**
 * The PromQL that gates, alerts, the autoscaler and the dashboard share, written once: each caller brings its
 * series selector, its window (a Prometheus duration, or Grafana's `$__rate_interval`) and the labels it keeps.
 */

/** The quantile `histogram_quantile` takes for each percentile. */
const QUANTILE: { readonly [p in Percentile]: string } = { [Percentile.P50]: '0.5', [Percentile.P95]: '0.95', [Percentile.P99]: '0.99' };

/** Every percentile, in ascending order (the dashboard draws all three). */
export const PERCENTILES: readonly Percentile[] = [Percentile.P50, Percentile.P95, Percentile.P99];

/** `op by (labels) (expr)`, or `op(expr)` over everything. */
export function aggregate(op: 'sum' | 'max' | 'avg', expr: string, by?: string): string {
  return by ? `${op} by (${by}) (${expr})` : `${op}(${expr})`;
}

/** The per-second rate of a counter over `window`, summed (by `by`). */
export function sumRate(series: string, window: string, by?: string): string {
  return aggregate('sum', `rate(${series}[${window}])`, by);
}

/**
 * The share of failed inference requests over `window`, by `by`. A version without failures may have no error
 * series at all: it counts as 0, through `vector(0)` over everything or through the totals times 0 by labels
 * (a label-less `vector(0)` would match no group). No request at all leaves no ratio (not 0): nothing to pass.
 */
export function errorRatio(counters: RequestCounters, sel: SeriesSelector, window: string, by?: string): string {
  const total = sumRate(counters.total(sel), window, by);
  return `(${sumRate(counters.errors(sel), window, by)} or ${by ? `${total} * 0` : 'vector(0)'}) / ${total}`;
}

/** A percentile of a histogram (its base name, without `_bucket`) over `window`, by `le` and `by`. */
export function histogramQuantile(percentile: Percentile, histogram: string, selector: string, window: string, by?: string): string {
  return `histogram_quantile(${QUANTILE[percentile]}, ${sumRate(`${histogram}_bucket${selector}`, window, by ? `le, ${by}` : 'le')})`;
}

/** A saturation gauge (queue depth, KV-cache usage) on the fullest replica, by `by`. */
export function fullestReplica(gauge: string, selector: string, by?: string): string {
  return aggregate('max', `${gauge}${selector}`, by);
}

/** A gauge (e.g. waiting requests) summed over replicas, by `by`. */
export function acrossReplicas(gauge: string, selector: string, by?: string): string {
  return aggregate('sum', `${gauge}${selector}`, by);
}

/**
 * `expr` only while the selected version finishes requests (its latency histogram's count grows): a saturation
 * gauge reads 0 on an idle version, which must not pass for a measurement.
 */
export function whileServing(expr: string, latencyHistogram: string, selector: string, window: string): string {
  return `${expr} and on() (${sumRate(`${latencyHistogram}_count${selector}`, window)} > 0)`;
}

/**
 * dcgm-exporter's series (the NVIDIA GPU Operator's default counters).
 * @see https://github.com/NVIDIA/dcgm-exporter/blob/main/etc/default-counters.csv
 */
export const Dcgm = {
  /** GPU utilization, percent. */
  GPU_UTIL: 'DCGM_FI_DEV_GPU_UTIL',
  /** Framebuffer memory used, MiB. */
  FB_USED: 'DCGM_FI_DEV_FB_USED',
  /** Framebuffer memory free, MiB. */
  FB_FREE: 'DCGM_FI_DEV_FB_FREE',
  /** The last XID error code. */
  XID_ERRORS: 'DCGM_FI_DEV_XID_ERRORS',
} as const;

/** The labels that identify one GPU in DCGM exporter series (after the per-pod join). */
export const GPU_LABELS = 'namespace, pod, Hostname, gpu, UUID';

/** The utilization (percent) of each selected GPU, averaged over `window` when given. */
export function gpuUtilization(selector: string, window?: string): string {
  const series = `${Dcgm.GPU_UTIL}${selector}`;
  return aggregate('max', window ? `avg_over_time(${series}[${window}])` : series, GPU_LABELS);
}

/** The used share (0 to 1) of each selected GPU's framebuffer. */
export function gpuMemoryUsed(selector: string): string {
  const used = `${Dcgm.FB_USED}${selector}`;
  return aggregate('max', `${used} / (${used} + ${Dcgm.FB_FREE}${selector})`, GPU_LABELS);
}

/** The XID code of each selected GPU that reported a new non-zero one within `window`. */
export function gpuNewXid(selector: string, window: string): string {
  const xid = `${Dcgm.XID_ERRORS}${selector}`;
  return aggregate('max', `${xid} > 0 and changes(${xid}[${window}]) > 0`, GPU_LABELS);
}

/**
 * `expr` with its `pod` label rewritten by an anchored regular expression whose first group is the new value:
 * the GPU series of a multi-node group's workers take the name of the group's leader, the pod that is scraped.
 */
export function renamePod(expr: string, podRegex: string): string {
  return `label_replace(${expr}, "pod", "$1", "pod", "${podRegex}")`;
}

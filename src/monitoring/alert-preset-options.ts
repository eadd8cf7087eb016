import { Duration } from 'cdk8s';
import { AlertCommonOptions, AlertOptions, AlertSeverity } from './alert-rules';
import { RequestMetricOptions } from '../gates/gate';
import { Percentile } from '../metrics/percentile';

/** What each alert preset takes (AlertPreset's factories). */

/** An alert on the share of failed requests. */
export interface ErrorRateAlertOptions extends AlertOptions, RequestMetricOptions {
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
export interface LatencyAlertOptions extends HistogramAlertOptions {
  /**
   * The latency histogram (seconds, without `_bucket`).
   * @default - the runtime's end-to-end latency: vLLM `vllm:e2e_request_latency_seconds`, TGI `tgi_request_duration`
   */
  readonly histogram?: string;
}

/** An alert on vLLM's waiting queue. */
export interface QueueDepthAlertOptions extends AlertOptions {
  /** The most requests allowed waiting on any replica (`vllm:num_requests_waiting`). */
  readonly maxWaiting: number;
}

/** An alert on vLLM's KV-cache usage. */
export interface KvCacheAlertOptions extends AlertOptions {
  /** The highest KV-cache usage (0 to 1) tolerated on any replica (vLLM from 0.11 `vllm:kv_cache_usage_perc`, before `vllm:gpu_cache_usage_perc`). */
  readonly maxUsage: number;
}

/**

/** An alert on GPUs that sit mostly idle. */
export interface GpuUnderutilizedAlertOptions extends AlertOptions {
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
export interface GpuSaturatedAlertOptions extends AlertOptions {
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
export interface GpuMemoryAlertOptions extends AlertOptions {
  /**
   * The highest used share (0 to 1) of one GPU's framebuffer tolerated. vLLM takes its
   * `gpuMemoryUtilization` (0.9 by default) up front, so the default sits above that.
   * @default 0.98
   */
  readonly maxUsage?: number;
}

/** An alert on GPU XID errors. */
export interface GpuXidAlertOptions extends AlertOptions {
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
export interface DataDriftAlertOptions extends AlertOptions, PublishedMetricOptions {
  /** The score above which the inputs have drifted. */
  readonly threshold: number;
}

/** An alert on a published accuracy or quality metric. */
export interface QualityAlertOptions extends AlertOptions, PublishedMetricOptions {
  /** The value the model version was validated at. */
  readonly baseline: number;
  /**
   * How far below the baseline the metric may fall.
   * @default 0
   */
  readonly tolerance?: number;
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
export interface AvailabilitySloAlertOptions extends SloAlertOptions, RequestMetricOptions {}

/** A latency SLO: the share of requests faster than a threshold. */
export interface LatencySloAlertOptions extends SloAlertOptions {
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

import { IConstruct } from 'constructs';
import { check } from '../internal/errors';

/**
 * Renders a series selector `{...}` of the caller's choosing (the gates' `{{args}}` selector, the
 * monitoring job selector) with extra label matchers appended.
 */
export type SeriesSelector = (...extra: string[]) => string;

/**
 * How a runtime's inference requests are counted: what gates, alerts and dashboards share. Both count
 * inference requests only (never health checks, model listings or metrics scrapes), so that a version
 * that served no inference request has no ratio to pass.
 */
export interface RequestCounters {
  /** Failed inference requests; a version without failures may have no such series at all. */
  readonly errors: (sel: SeriesSelector) => string;
  /** All inference requests. */
  readonly total: (sel: SeriesSelector) => string;
}

/**
 * The series one runtime image exports, as its runtime records them per version: the only place that
 * knows a runtime's metric names, so that no gate, alert or dashboard switches on the runtime's kind.
 * A series the image does not export is absent.
 */
export interface MetricCatalog {
  /** The runtime and image, for messages, e.g. `vllm image vllm/vllm-openai:v0.11.0`. */
  readonly runtime: string;
  /** Why version-dependent series are absent, e.g. the image's version is unknown. */
  readonly note?: string;
  /** Inference request counters. */
  readonly requests?: RequestCounters;
  /** Why `requests` is absent, when the runtime is known to export no such counters. */
  readonly requestsNote?: string;
  /** End-to-end request latency histogram, in seconds (without `_bucket`). */
  readonly requestLatency?: string;
  /** The bucket boundaries (`le`) of `requestLatency`, in seconds, when fixed by the runtime. */
  readonly requestLatencyBuckets?: number[];
  /** Time-to-first-token histogram, in seconds. */
  readonly timeToFirstToken?: string;
  /** Inter-token latency histogram, in seconds. */
  readonly interTokenLatency?: string;
  /** Gauge of requests waiting in the queue. */
  readonly queueDepth?: string;
  /** Gauge of requests being processed. */
  readonly requestsRunning?: string;
  /** Gauge of the KV-cache usage, 0 to 1. */
  readonly kvCacheUsage?: string;
}

/** The named series of a catalog. */
export type CatalogSeries = 'requestLatency' | 'timeToFirstToken' | 'interTokenLatency' | 'queueDepth' | 'requestsRunning' | 'kvCacheUsage';

const DESCRIPTIONS: Record<CatalogSeries, string> = {
  requestLatency: 'an end-to-end request-latency histogram',
  timeToFirstToken: 'a time-to-first-token histogram',
  interTokenLatency: 'an inter-token latency histogram',
  queueDepth: 'a waiting-requests gauge',
  requestsRunning: 'a running-requests gauge',
  kvCacheUsage: 'a KV-cache usage gauge',
};

/** The series `name` of the catalog: an error naming `where` when the runtime image does not export it. */
export function requireSeries(catalog: MetricCatalog, name: CatalogSeries, scope: IConstruct | undefined, where: string): string {
  const series = catalog[name];
  check(series !== undefined, scope, where, catalog.runtime, `reads ${DESCRIPTIONS[name]}, which this runtime does not export${catalog.note ? ` (${catalog.note})` : ''}`,
    catalog.note ? 'give the image with its version tag (repository:vX.Y.Z or repository:vX.Y.Z@sha256:...) or set the runtime\'s imageVersion'
      : 'gate on a series this runtime exports, use a runtime image that exports it, or use Gate.custom');
  return series!;
}

/** Request counters given by the user for runtimes without known metrics. */
export interface CustomRequestMetrics {
  readonly requestsMetric?: string;
  readonly errorsMatcher?: string;
  readonly inferenceMatcher?: string;
}

/**
 * The runtime's inference request counters, or the user's; `undefined` when neither is known (custom runtimes).
 * `where` names the prop in errors, e.g. `Gate.errorRate`.
 */
export function requestCounters(catalog: MetricCatalog, custom: CustomRequestMetrics, scope: IConstruct, where: string): RequestCounters | undefined {
  if (custom.requestsMetric !== undefined || custom.errorsMatcher !== undefined || custom.inferenceMatcher !== undefined) {
    const given = custom.requestsMetric ?? custom.errorsMatcher ?? custom.inferenceMatcher;
    check(custom.requestsMetric !== undefined && custom.errorsMatcher !== undefined, scope, where, given,
      'requestsMetric and errorsMatcher go together', 'set both, e.g. requestsMetric: \'http_requests_total\', errorsMatcher: \'code=~"5.."\', and inferenceMatcher: \'handler="/predict"\'');
    const inference = custom.inferenceMatcher ? [custom.inferenceMatcher] : [];
    return {
      errors: sel => `${custom.requestsMetric}${sel(...inference, custom.errorsMatcher!)}`,
      total: sel => `${custom.requestsMetric}${sel(...inference)}`,
    };
  }
  return catalog.requests;
}

/** Like requestCounters, but a runtime without known counters is an error naming `where`. */
export function requireRequestCounters(catalog: MetricCatalog, custom: CustomRequestMetrics, scope: IConstruct, where: string): RequestCounters {
  const counters = requestCounters(catalog, custom, scope, where);
  check(counters !== undefined, scope, `${where}.requestsMetric`, undefined,
    `the ${catalog.runtime} has no known inference request counters${catalog.requestsNote ? `: ${catalog.requestsNote}` : ''}`,
    `set requestsMetric and errorsMatcher${catalog.requestsNote ? ' to counters of what is in front of the server (a gateway or mesh)' : ''}, and inferenceMatcher unless requestsMetric counts inference requests only`);
  return counters!;
}

/** The user's latency histogram, else the runtime's end-to-end latency, else an error naming `where`. */
export function requireLatencyHistogram(catalog: MetricCatalog, histogram: string | undefined, scope: IConstruct, where: string): string {
  if (histogram) return histogram;
  check(catalog.requestLatency !== undefined, scope, `${where}.histogram`, undefined, `the ${catalog.runtime} has no known request-latency histogram`,
    'set histogram to the name of a latency histogram in seconds (without _bucket)');
  return catalog.requestLatency!;
}

/** A runtime release, read from an image tag such as `v0.11.0` or `0.10.1.1`. */
export interface RuntimeVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/**
 * The release of `image`: `explicit` when given, else its tag (`repository:v0.11.0`, also before a digest);
 * `undefined` when the reference carries no version (a digest alone, `nightly`).
 */
export function runtimeVersion(image: string, explicit?: string): RuntimeVersion | undefined {
  const reference = image.split('@')[0];
  const colon = reference.lastIndexOf(':');
  const tag = explicit ?? (colon > reference.lastIndexOf('/') ? reference.slice(colon + 1) : undefined);
  const m = tag?.match(/^v?(\d+)\.(\d+)(?:\.(\d+))?/);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) } : undefined;
}

/** Whether `version` is at least `major.minor.patch`. */
export function atLeast(version: RuntimeVersion, major: number, minor: number, patch = 0): boolean {
  return version.major !== major ? version.major > major : version.minor !== minor ? version.minor > minor : version.patch >= patch;
}

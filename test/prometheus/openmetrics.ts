/**
 * Synthetic vLLM series as OpenMetrics text, for `promtool tsdb create-blocks-from openmetrics`.
 *
 * Every value is a closed-form function of time (no randomness), so each run backfills identical
 * data and PromQL returns identical numbers. Latency histograms are built from piecewise-linear
 * CDFs whose knots sit on the bucket boundaries: `histogram_quantile` interpolates linearly inside
 * a bucket, so at scale 1 it returns the designed quantiles exactly. Scaled latencies (slowP99)
 * move the knots off the boundaries, so those quantiles are bucket-interpolated approximations.
 *
 * Numbers as Prometheus returns them at `END_TIME`, quantiles from
 * `histogram_quantile(q, sum by (le) (rate(<name>_bucket{…}[5m])))`. The stable is the same in
 * every scenario; the canary is the healthy canary except for what its row changes:
 *
 * | scenario (namespace)         | req/s canary/stable | 5xx ratio canary/stable | e2e p50/p95/p99 s  | TTFT p50/p95/p99 s    | ITL p50/p95/p99 s        | queue | KV   |
 * |------------------------------|---------------------|-------------------------|--------------------|-----------------------|--------------------------|-------|------|
 * | healthy (healthy)            | 2 / 8               | no 5xx series           | 1.40 / 2.40 / 4.00 | 0.147 / 0.300 / 0.460 | 0.0295 / 0.0496 / 0.0714 | 1     | 0.5  |
 * | errors5x (errors-5x)         |                     | 0.05 / 0.01             |                    |                       |                          |       |      |
 * | slowP99 (slow-p99)           |                     |                         | 5.96 / 9.79 / 16.0 | 0.588 / 1.30 / 2.26   | 0.118 / 0.198 / 0.286    |       |      |
 * | saturated (saturated)        |                     |                         |                    |                       |                          | 50    | 0.99 |
 * | noTraffic (no-traffic)       | 0 / 8               |                         | NaN (flat buckets) | NaN                   | NaN                      | 0     | 0    |
 * | canaryAbsent (canary-absent) | no canary series    |                         |                    |                       |                          |       |      |
 *
 * More scenarios, healthy unless said: errorsRelative (errors-relative) 5xx ratio canary 0.2 % / stable 0.04 %;
 * onlyNonInference (only-non-inference) a canary that serves no inference request but 3 req/s of `GET
 * /v1/models` (every version with traffic also serves 0.5 req/s of those); stableAbsent (stable-absent) no
 * stable series; scrapedOnce / scrapedTwice (scraped-once / scraped-twice) a canary with one / two samples, at
 * the end; justStarted (just-started) a canary first scraped JUST_STARTED_SECONDS before the end.
 *
 * Traps worth a test: with no 5xx series, `sum(rate(…{status="5xx"}[5m])) / sum(rate(…[5m]))` is an
 * empty vector, not 0. The noTraffic canary's request rate is 0 (its 2xx series exists, flat), its
 * quantiles are NaN and so is a ratio whose numerator is defaulted (`or vector(0)`): 0 / 0. The
 * 20 % canary weight makes a gate that compares counts rather than ratios show up. Mean e2e
 * latency (`_sum` / `_count`) is 1.48 s (5.92 s on the slowP99 canary);
 * `vllm:num_requests_running` follows Little's law (rate × mean e2e, rounded): canary 3, stable
 * 12, slowP99 canary 12. Each scenario degrades one signal only, so a test can assert that exactly
 * one gate fails.
 */

/** `rollouts_pod_template_hash` of the canary and stable ReplicaSets. */
export const CANARY_HASH = 'canary-hash';
export const STABLE_HASH = 'stable-hash';
export const MODEL_NAME = 'llama-70b';

/** Time of the last sample, unix seconds (2024-01-01T00:00:00Z); query here, not at "now". */
export const END_TIME = 1_704_067_200;
/** Samples every 15 s over 30 minutes, so range selectors up to `[30m]` see a full window. */
export const STEP_SECONDS = 15;
export const WINDOW_SECONDS = 30 * 60;
/** The justStarted canary's first scrape, in seconds before END_TIME: room for a whole analysis after it. */
export const JUST_STARTED_SECONDS = 10 * 60;

/** How one version (ReplicaSet) of the model behaves. */
export interface VersionProfile {
  /** Requests per second; 0 = the pods exist but get no traffic (counters flat at 0, gauges 0). */
  readonly rate: number;
  /** Share of requests answered with a 5xx; the `status="5xx"` series exists only when > 0. @default 0 */
  readonly errorRatio?: number;
  /** Multiplies every latency (e2e, TTFT, ITL). @default 1 */
  readonly latencyScale?: number;
  /** Multiplies TTFT on top of `latencyScale`. @default 1 */
  readonly ttftScale?: number;
  /** Multiplies inter-token latency on top of `latencyScale`. @default 1 */
  readonly itlScale?: number;
  /** `vllm:num_requests_waiting`. @default 1 */
  readonly queue?: number;
  /** `vllm:kv_cache_usage_perc`, 0..1. @default 0.5 */
  readonly kvCache?: number;
  /**
   * Requests per second that are not inference: `GET /v1/models` (vLLM's instrumentator counts it; it does not
   * count `/health` or `/metrics`). @default 0.5 with traffic, else 0
   */
  readonly otherRate?: number;
  /**
   * Seconds before END_TIME of the version's first scrape: its series have samples from then on only (every
   * STEP_SECONDS), as for pods that just started. @default the whole window
   */
  readonly firstScrape?: number;
}

/** A version, or `'absent'`: not a single series carries its hash. */
export type Version = VersionProfile | 'absent';

export interface Scenario {
  /** Value of the `namespace` label on every series of the scenario. */
  readonly namespace: string;
  readonly canary: Version;
  readonly stable: Version;
}

const CANARY: VersionProfile = { rate: 2 };
const STABLE: VersionProfile = { rate: 8 };

/** The named scenarios; their numbers are in the table at the top of this file. */
export const SCENARIOS = {
  healthy: { namespace: 'healthy', canary: CANARY, stable: STABLE },
  errors5x: { namespace: 'errors-5x', canary: { ...CANARY, errorRatio: 0.05 }, stable: { ...STABLE, errorRatio: 0.01 } },
  slowP99: { namespace: 'slow-p99', canary: { ...CANARY, latencyScale: 4 }, stable: STABLE },
  saturated: { namespace: 'saturated', canary: { ...CANARY, queue: 50, kvCache: 0.99 }, stable: STABLE },
  noTraffic: { namespace: 'no-traffic', canary: { rate: 0 }, stable: STABLE },
  onlyNonInference: { namespace: 'only-non-inference', canary: { rate: 0, otherRate: 3 }, stable: STABLE },
  canaryAbsent: { namespace: 'canary-absent', canary: 'absent', stable: STABLE },
  stableAbsent: { namespace: 'stable-absent', canary: CANARY, stable: 'absent' },
  scrapedOnce: { namespace: 'scraped-once', canary: { ...CANARY, firstScrape: 0 }, stable: STABLE },
  scrapedTwice: { namespace: 'scraped-twice', canary: { ...CANARY, firstScrape: STEP_SECONDS }, stable: STABLE },
  errorsRelative: { namespace: 'errors-relative', canary: { ...CANARY, errorRatio: 0.002 }, stable: { ...STABLE, errorRatio: 0.0004 } },
  justStarted: { namespace: 'just-started', canary: { ...CANARY, firstScrape: JUST_STARTED_SECONDS }, stable: STABLE },
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;

/** [seconds, cumulative fraction] knots of a piecewise-linear CDF, plus the histogram's buckets. */
interface Distribution {
  readonly buckets: readonly number[];
  readonly knots: ReadonlyArray<readonly [number, number]>;
}

// Bucket boundaries as vLLM declares them (+Inf is added on output).
const E2E: Distribution = {
  buckets: [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680],
  knots: [[0.3, 0], [0.5, 0.02], [0.8, 0.08], [1, 0.2], [1.5, 0.575], [2, 0.85], [2.5, 0.975], [5, 1]],
};
const TTFT: Distribution = {
  buckets: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560],
  knots: [[0.01, 0], [0.02, 0.01], [0.04, 0.05], [0.06, 0.12], [0.08, 0.2], [0.1, 0.3], [0.25, 0.9375], [0.5, 1]],
};
const ITL: Distribution = {
  buckets: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80],
  knots: [[0.01, 0], [0.025, 0.4], [0.05, 0.96], [0.075, 0.995], [0.1, 1]],
};
/** Inter-token latencies observed per request (one per generated token after the first). */
const TOKENS_PER_REQUEST = 200;

function cdf({ knots }: Distribution, seconds: number): number {
  if (seconds <= knots[0][0]) return 0;
  for (let i = 1; i < knots.length; i++) {
    const [x1, y1] = knots[i];
    if (seconds <= x1) {
      const [x0, y0] = knots[i - 1];
      return y0 + (y1 - y0) * (seconds - x0) / (x1 - x0);
    }
  }
  return 1;
}

function mean({ knots }: Distribution): number {
  let sum = 0;
  for (let i = 1; i < knots.length; i++) sum += (knots[i][1] - knots[i - 1][1]) * (knots[i][0] + knots[i - 1][0]) / 2;
  return sum;
}

type Labels = Record<string, string>;
/** A series whose value at `elapsed` seconds into the window is `value(elapsed)`. */
interface Series {
  readonly name: string;
  readonly labels: Labels;
  readonly value: (elapsed: number) => number;
}
interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly series: (p: Required<VersionProfile>, labels: Labels) => Series[];
}

const counter = (name: string, labels: Labels, perSecond: number): Series => ({ name, labels, value: t => perSecond * t });
const gauge = (name: string, labels: Labels, value: number): Series => ({ name, labels, value: () => value });

function histogram(name: string, labels: Labels, dist: Distribution, perSecond: number, scale: number): Series[] {
  const bounds = [...dist.buckets.map(String), '+Inf'];
  return [
    ...bounds.map(le => counter(`${name}_bucket`, { ...labels, le }, perSecond * cdf(dist, Number(le) / scale))),
    counter(`${name}_count`, labels, perSecond),
    counter(`${name}_sum`, labels, perSecond * mean(dist) * scale),
  ];
}

const succeeded = (p: Required<VersionProfile>) => p.rate * (1 - p.errorRatio);
const http = { handler: '/v1/chat/completions', method: 'POST' };
const models = { handler: '/v1/models', method: 'GET', status: '2xx' };

// Metric families in output order; OpenMetrics requires each family's samples to be contiguous.
const FAMILIES: Family[] = [
  {
    name: 'http_requests',
    type: 'counter',
    series: (p, l) => [
      ...p.otherRate > 0 ? [counter('http_requests_total', { ...l, ...models }, p.otherRate)] : [],
      counter('http_requests_total', { ...l, ...http, status: '2xx' }, succeeded(p)),
      // prometheus_fastapi_instrumentator creates a status series on its first request only.
      ...p.errorRatio > 0 ? [counter('http_requests_total', { ...l, ...http, status: '5xx' }, p.rate * p.errorRatio)] : [],
    ],
  },
  {
    name: 'vllm:request_success',
    type: 'counter',
    series: (p, l) => [counter('vllm:request_success_total', { ...l, finished_reason: 'stop' }, succeeded(p))],
  },
  {
    name: 'vllm:e2e_request_latency_seconds',
    type: 'histogram',
    series: (p, l) => histogram('vllm:e2e_request_latency_seconds', l, E2E, succeeded(p), p.latencyScale),
  },
  {
    name: 'vllm:time_to_first_token_seconds',
    type: 'histogram',
    series: (p, l) => histogram('vllm:time_to_first_token_seconds', l, TTFT, succeeded(p), p.latencyScale * p.ttftScale),
  },
  {
    name: 'vllm:inter_token_latency_seconds',
    type: 'histogram',
    series: (p, l) => histogram('vllm:inter_token_latency_seconds', l, ITL, succeeded(p) * TOKENS_PER_REQUEST, p.latencyScale * p.itlScale),
  },
  {
    name: 'vllm:num_requests_running',
    type: 'gauge',
    series: (p, l) => [gauge('vllm:num_requests_running', l, Math.round(p.rate * mean(E2E) * p.latencyScale))],
  },
  { name: 'vllm:num_requests_waiting', type: 'gauge', series: (p, l) => [gauge('vllm:num_requests_waiting', l, p.queue)] },
  { name: 'vllm:kv_cache_usage_perc', type: 'gauge', series: (p, l) => [gauge('vllm:kv_cache_usage_perc', l, p.kvCache)] },
];

function withDefaults(p: VersionProfile): Required<VersionProfile> {
  const idle = p.rate === 0;
  return {
    errorRatio: 0,
    latencyScale: 1,
    ttftScale: 1,
    itlScale: 1,
    ...p,
    queue: idle ? 0 : p.queue ?? 1,
    kvCache: idle ? 0 : p.kvCache ?? 0.5,
    otherRate: p.otherRate ?? (idle ? 0 : 0.5),
    firstScrape: p.firstScrape ?? WINDOW_SECONDS,
  };
}

const escape = (v: string) => v.replace(/[\\"\n]/g, c => (c === '\n' ? '\\n' : `\\${c}`));
const labelText = (labels: Labels) => Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',');

/**
 * OpenMetrics text holding every scenario, each under its own `namespace` label value, so a whole
 * gate suite needs a single backfill and a single Prometheus.
 */
export function openMetrics(scenarios: readonly Scenario[] = Object.values(SCENARIOS)): string {
  const versions: Array<[Required<VersionProfile>, Labels]> = [];
  for (const s of scenarios) {
    for (const [hash, version] of [[CANARY_HASH, s.canary], [STABLE_HASH, s.stable]] as const) {
      if (version === 'absent') continue;
      versions.push([withDefaults(version), { namespace: s.namespace, model_name: MODEL_NAME, rollouts_pod_template_hash: hash }]);
    }
  }
  const start = END_TIME - WINDOW_SECONDS;
  const lines: string[] = [];
  for (const family of FAMILIES) {
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const [profile, labels] of versions) {
      // Each series' samples in time order: promtool silently drops a sample that goes back in time.
      for (const s of family.series(profile, labels)) {
        const prefix = `${s.name}{${labelText(s.labels)}} `;
        for (let t = Math.max(start, END_TIME - profile.firstScrape); t <= END_TIME; t += STEP_SECONDS) lines.push(`${prefix}${s.value(t - start)} ${t}`);
      }
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

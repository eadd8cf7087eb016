import { Duration } from 'cdk8s';
import { Gate, ModelRuntime, ModelSource, Percentile } from '../../src';
import { expectConformant } from '../conformance';
import { analysisRun, ScheduledMetric, startEndingAt } from '../prometheus/analysis-run';
import { gateTemplateChart } from '../prometheus/gate-template';
import { CANARY_HASH, END_TIME, STABLE_HASH, STEP_SECONDS, WINDOW_SECONDS } from '../prometheus/openmetrics';
import { measure, PromServer, startPrometheus } from '../prometheus/server';

/**
 * SGLang-shaped series (the `sglang:` names and labels of python/sglang/srt/metrics/collector.py in the 0.5 line:
 * tokenizer histograms and counters carry `model_name`; scheduler gauges add `engine_type`, `tp_rank`, `pp_rank`),
 * with SGLang's default bucket boundaries. Latency CDFs are piecewise linear with knots on bucket boundaries, so
 * `histogram_quantile` returns the designed quantiles: healthy e2e p95 3.0 s, TTFT p95 0.5 s, ITL p95 0.0396 s.
 */
const E2E = {
  buckets: [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400],
  knots: [[0.4, 0], [0.8, 0.1], [1, 0.3], [2, 0.9], [4, 1]],
};
const TTFT = {
  buckets: [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400],
  knots: [[0.1, 0], [0.2, 0.5], [0.4, 0.9], [0.6, 1]],
};
const ITL = {
  buckets: [0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8],
  knots: [[0.01, 0], [0.02, 0.5], [0.04, 0.96], [0.06, 1]],
};
type Dist = typeof E2E;

/** How one version behaves: requests per second, a latency multiplier, the waiting queue and the KV pool's usage. */
interface Version { readonly rate: number; readonly scale?: number; readonly queue?: number; readonly kv?: number }
const SCENARIOS: Record<string, { canary: Version; stable: Version }> = {
  'healthy': { canary: { rate: 2 }, stable: { rate: 8 } },
  'slow': { canary: { rate: 2, scale: 4 }, stable: { rate: 8 } },
  'saturated': { canary: { rate: 2, queue: 50, kv: 0.99 }, stable: { rate: 8 } },
  // The canary's pods are up, exported series flat at 0: no request reached it.
  'no-traffic': { canary: { rate: 0, queue: 0, kv: 0 }, stable: { rate: 8 } },
};

function cdf(d: Dist, s: number): number {
  const k = d.knots;
  if (s <= k[0][0]) return 0;
  for (let i = 1; i < k.length; i++) if (s <= k[i][0]) return k[i - 1][1] + (k[i][1] - k[i - 1][1]) * (s - k[i - 1][0]) / (k[i][0] - k[i - 1][0]);
  return 1;
}

/** OpenMetrics text of every scenario, one `namespace` each, sampled every STEP_SECONDS over the window. */
function sglangOpenMetrics(): string {
  const families: Array<[string, string, Array<[string, (t: number) => number]>]> = [];
  const series = (name: string, type: string, make: (v: Required<Version>, l: string) => Array<[string, (t: number) => number]>) => {
    const out: Array<[string, (t: number) => number]> = [];
    for (const [ns, s] of Object.entries(SCENARIOS)) {
      for (const [hash, v] of [[CANARY_HASH, s.canary], [STABLE_HASH, s.stable]] as const) {
        const full = { scale: 1, queue: 1, kv: 0.5, ...v };
        out.push(...make(full, `namespace="${ns}",rollouts_pod_template_hash="${hash}",model_name="qwen-32b"`));
      }
    }
    families.push([name, type, out]);
  };
  const histogram = (name: string, d: Dist, perRequest = 1) => series(name, 'histogram', (v, l) => [
    ...[...d.buckets.map(String), '+Inf'].map((le): [string, (t: number) => number] =>
      [`${name}_bucket{${l},le="${le}"}`, t => v.rate * perRequest * t * (le === '+Inf' ? 1 : cdf(d, Number(le) / v.scale))]),
    [`${name}_count{${l}}`, t => v.rate * perRequest * t],
    [`${name}_sum{${l}}`, t => v.rate * perRequest * t * v.scale],
  ]);
  const scheduler = ',engine_type="unified",tp_rank="0",pp_rank="0"';
  series('sglang:num_requests', 'counter', (v, l) => [[`sglang:num_requests_total{${l}}`, t => v.rate * t]]);
  histogram('sglang:e2e_request_latency_seconds', E2E);
  histogram('sglang:time_to_first_token_seconds', TTFT);
  histogram('sglang:inter_token_latency_seconds', ITL, 200);
  series('sglang:num_queue_reqs', 'gauge', (v, l) => [[`sglang:num_queue_reqs{${l}${scheduler}}`, () => v.queue]]);
  series('sglang:num_running_reqs', 'gauge', (v, l) => [[`sglang:num_running_reqs{${l}${scheduler}}`, () => Math.round(v.rate * 2 * v.scale)]]);
  series('sglang:token_usage', 'gauge', (v, l) => [[`sglang:token_usage{${l}${scheduler}}`, () => v.kv]]);
  const start = END_TIME - WINDOW_SECONDS;
  const lines: string[] = [];
  for (const [name, type, all] of families) {
    lines.push(`# TYPE ${name} ${type}`);
    for (const [s, value] of all) for (let t = start; t <= END_TIME; t += STEP_SECONDS) lines.push(`${s} ${value(t - start)} ${t}`);
  }
  return [...lines, '# EOF', ''].join('\n');
}

const GATES: Record<string, Gate> = {
  'latency-p95': Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(5), stableTolerance: 0.5 }),
  'ttft-p95': Gate.timeToFirstToken({ threshold: Duration.millis(800), stableTolerance: 0.5 }),
  'itl-p95': Gate.interTokenLatency({ threshold: Duration.millis(60), stableTolerance: 0.5 }),
  'queue-depth': Gate.queueDepth({ maxWaiting: 10 }),
  'kv-cache-usage': Gate.kvCacheUsage({ maxUsage: 0.95 }),
};
const DEGRADED: Record<string, string> = { 'latency-p95': 'slow', 'ttft-p95': 'slow', 'itl-p95': 'slow', 'queue-depth': 'saturated', 'kv-cache-usage': 'saturated' };

/** The gate's AnalysisTemplate for an SGLang service, in a chart whose Prometheus scrapes every STEP_SECONDS. */
async function metricsOf(gate: Gate): Promise<Array<ScheduledMetric & { name: string }>> {
  const chart = gateTemplateChart({
    name: 'qwen-32b',
    model: ModelSource.huggingFace({ repoId: 'Qwen/Qwen2.5-32B-Instruct', revision: '5ede1c97bbab6ce5cda5812749b4c0bdf79b18dd' }),
    runtime: ModelRuntime.sglang(),
    tensorParallelSize: 2,
  }, gate);
  return ((await expectConformant(chart)).find((d: any) => d.kind === 'AnalysisTemplate') as any).spec.metrics;
}

let server: PromServer;
beforeAll(async () => {
  server = await startPrometheus(sglangOpenMetrics());
});
afterAll(() => server?.stop());

const argsOf = (scenario: string) => ({ 'namespace': scenario, 'canary-hash': CANARY_HASH, 'stable-hash': STABLE_HASH });

describe.each(Object.entries(GATES))('SGLang gate %s against a real Prometheus', (key, gate) => {
  let metrics: Array<ScheduledMetric & { name: string }>;
  beforeAll(async () => {
    metrics = await metricsOf(gate);
  });
  const measured = async (scenario: string) => Promise.all(metrics.map(m => measure(server, m, argsOf(scenario))));
  const runs = async (scenario: string) => Promise.all(metrics.map(m => analysisRun(server, m, argsOf(scenario), startEndingAt(m, END_TIME))));

  test('reads SGLang\'s series', () => {
    for (const m of metrics as any[]) expect(m.provider.prometheus.query).toContain('sglang:');
  });

  test('a healthy canary passes, measurement by measurement and as a whole run', async () => {
    for (const r of await measured('healthy')) expect(r.phase).toBe('Successful');
    for (const r of await runs('healthy')) expect(r.phase).toBe('Successful');
  });

  test(`a degraded canary (${DEGRADED[key]}) fails`, async () => {
    expect((await measured(DEGRADED[key])).map(r => r.phase)).toContain('Failed');
    expect((await runs(DEGRADED[key])).map(r => r.phase)).toContain('Failed');
  });

  test('a canary without traffic never passes', async () => {
    for (const r of await measured('no-traffic')) expect(['Inconclusive', 'Failed']).toContain(r.phase);
    for (const r of await runs('no-traffic')) expect(['Inconclusive', 'Failed']).toContain(r.phase);
  });
});

test('the designed numbers: healthy e2e p95 3.0 s, TTFT p95 0.5 s on SGLang\'s buckets', async () => {
  const q = (h: string) => `histogram_quantile(0.95, sum by (le) (rate(${h}_bucket{namespace="healthy",rollouts_pod_template_hash="${CANARY_HASH}"}[5m])))`;
  expect((await server.query(q('sglang:e2e_request_latency_seconds'))).values[0]).toBeCloseTo(3.0, 6);
  expect((await server.query(q('sglang:time_to_first_token_seconds'))).values[0]).toBeCloseTo(0.5, 6);
});

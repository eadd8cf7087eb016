import { Duration } from 'cdk8s';
import { Comparison, Gate, ModelRuntime, ModelSource, Percentile } from '../../src';
import { expectConformant } from '../conformance';
import { analysisRun, ScheduledMetric, startEndingAt } from '../prometheus/analysis-run';
import { gateTemplateChart } from '../prometheus/gate-template';
import { CANARY_HASH, END_TIME, JUST_STARTED_SECONDS, STABLE_HASH, STEP_SECONDS } from '../prometheus/openmetrics';
import { measure, useScenarioServer } from '../prometheus/server';

// Scenario numbers (test/prometheus/openmetrics.ts): healthy e2e p95 2.4 s / p99 4.0 s, TTFT p95 0.30 s,
// ITL p95 0.05 s, queue 1, KV 0.5, no 5xx; errors-5x canary 5% vs stable 1%; errors-relative canary 0.2% vs
// stable 0.04%; slow-p99 canary 4x slower; saturated canary queue 50, KV 0.99; no-traffic canary rate 0;
// only-non-inference canary answers GET /v1/models only; canary-absent / stable-absent have no series of that
// version; scraped-once / scraped-twice canaries have one / two samples; just-started's canary was first
// scraped 10 minutes before the end.
const INFERENCE = 'handler=~"/v1/chat/completions|/v1/completions"';
const canarySel = (...extra: string[]) => `{${['namespace="{{args.namespace}}"', 'rollouts_pod_template_hash="{{args.canary-hash}}"', ...extra].join(',')}}`;
const GATES: Record<string, Gate> = {
  'error-rate': Gate.errorRate({ maxRatio: 0.01, stableTolerance: 1 }),
  'latency-p95': Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(5), stableTolerance: 0.5 }),
  'latency-p99': Gate.latency({ percentile: Percentile.P99, threshold: Duration.seconds(8) }),
  'latency-p50': Gate.latency({ percentile: Percentile.P50, threshold: Duration.seconds(3) }),
  'ttft-p95': Gate.timeToFirstToken({ threshold: Duration.millis(800), stableTolerance: 0.5 }),
  'itl-p95': Gate.interTokenLatency({ threshold: Duration.millis(120), stableTolerance: 0.5 }),
  'queue-depth': Gate.queueDepth({ maxWaiting: 10 }),
  'kv-cache-usage': Gate.kvCacheUsage({ maxUsage: 0.95 }),
  'custom-at-most': Gate.custom({
    name: 'server-errors',
    query: `(sum(rate(http_requests_total${canarySel(INFERENCE, 'status="5xx"')}[5m])) or vector(0)) / sum(rate(http_requests_total${canarySel(INFERENCE)}[5m]))`,
    comparison: Comparison.AT_MOST,
    threshold: 0.02,
  }),
  // rate() divides by the whole window, so an absolute rate reads low until the window is full; irate() does not.
  'custom-at-least': Gate.custom({
    name: 'throughput',
    query: `sum(irate(vllm:request_success_total${canarySel()}[5m]))`,
    comparison: Comparison.AT_LEAST,
    threshold: 1,
  }),
};

/** Which scenarios must make which gate fail. */
const DEGRADES: Record<string, string[]> = {
  'error-rate': ['errors-5x', 'errors-relative'],
  'latency-p95': ['slow-p99'],
  'latency-p99': ['slow-p99'],
  'latency-p50': ['slow-p99'],
  'ttft-p95': ['slow-p99'],
  'itl-p95': ['slow-p99'],
  'queue-depth': ['saturated'],
  'kv-cache-usage': ['saturated'],
  'custom-at-most': ['errors-5x'],
  'custom-at-least': ['no-traffic'],
};

/** Missing data: no measurement and no run may pass on these, whatever the gate. */
const MISSING = ['no-traffic', 'only-non-inference', 'canary-absent', 'scraped-once'];

/** The gate's template for a vLLM service. */
function templateOf(gate: Gate) {
  return gateTemplateChart({
    name: 'llama-70b',
    model: ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-70B-Instruct', revision: '1605565b47bb9346c5515c34102e054115b4f98b' }),
    runtime: ModelRuntime.vllm(),
    tensorParallelSize: 8,
  }, gate);
}

const server = useScenarioServer();
const argsOf = (scenario: string) => ({ 'namespace': scenario, 'canary-hash': CANARY_HASH, 'stable-hash': STABLE_HASH });

describe.each(Object.entries(GATES))('gate %s against a real Prometheus', (key, gate) => {
  let metrics: ScheduledMetric[] & Array<{ name: string }>;
  beforeAll(async () => {
    const docs = await expectConformant(templateOf(gate));
    metrics = (docs.find((d: any) => d.kind === 'AnalysisTemplate') as any).spec.metrics;
  });

  const run = async (scenario: string) => Promise.all(metrics.map(m => measure(server(), m, argsOf(scenario))));
  /** Whole AnalysisRuns whose last measurement falls on the data's end. */
  const runs = async (scenario: string) => Promise.all(metrics.map(m => analysisRun(server(), m, argsOf(scenario), startEndingAt(m, END_TIME))));

  test('uses both conditions and guards infinite and negative values', () => {
    for (const m of metrics as any[]) {
      expect(m.successCondition).toMatch(/^len\(result\) > 0 && (result\[0\] >= 0|!isInf\(result\[0\]\)) && result\[0\]/);
      expect(m.failureCondition).toMatch(/^len\(result\) > 0 && \((result\[0\] < 0|isInf\(result\[0\]\)) \|\| result\[0\]/);
    }
  });

  test('healthy canary passes, measurement by measurement and as a whole run', async () => {
    for (const r of await run('healthy')) expect(r.phase).toBe('Successful');
    for (const r of await runs('healthy')) expect(r.phase).toBe('Successful');
  });

  test.each(DEGRADES[key])('degraded canary (%s) fails', async scenario => {
    expect((await run(scenario)).map(r => r.phase)).toContain('Failed');
    expect((await runs(scenario)).map(r => r.phase)).toContain('Failed');
  });

  test.each(MISSING)('missing data (%s) never passes', async scenario => {
    for (const r of await run(scenario)) expect(['Inconclusive', 'Failed']).toContain(r.phase);
    for (const r of await runs(scenario)) expect(['Inconclusive', 'Failed']).toContain(r.phase);
  });

  test('stable absent: a comparison with the stable never passes; the canary alone is judged as when healthy', async () => {
    const [absent, healthy] = [await run('stable-absent'), await run('healthy')];
    metrics.forEach((m, i) => {
      if (m.name.endsWith('-vs-stable')) expect(absent[i].phase).toBe('Inconclusive');
      else expect(absent[i].phase).toBe(healthy[i].phase);
    });
    for (const [i, r] of (await runs('stable-absent')).entries()) {
      if (metrics[i].name.endsWith('-vs-stable')) expect(r.phase).toBe('Inconclusive');
    }
  });

  test('a healthy canary scraped twice is measured, not paused', async () => {
    for (const r of await run('scraped-twice')) expect(r.phase).toBe('Successful');
  });

  test('a healthy canary that has just started passes with the default delay and limits; without them it paused', async () => {
    // Worst case: traffic reached the canary when the run started, and its first scrape came one interval later.
    const start = END_TIME - JUST_STARTED_SECONDS - STEP_SECONDS;
    for (const m of metrics) {
      const result = await analysisRun(server(), m, argsOf('just-started'), start);
      expect(result.phase).toBe('Successful');
      const before = await analysisRun(server(), { ...m, initialDelay: undefined, inconclusiveLimit: 0 }, argsOf('just-started'), start);
      expect(before.phase).toBe('Inconclusive');
    }
  });
});

test('the old error ratio (every handler, ratio points) passed non-inference traffic and a 5x regression; the gate does not', async () => {
  const all = 'namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"';
  const old = {
    successCondition: 'len(result) > 0 && result[0] <= 0.01',
    failureCondition: 'len(result) > 0 && result[0] > 0.01',
    provider: { prometheus: { query: `(sum(rate(http_requests_total{${all},status="5xx"}[5m])) or vector(0)) / sum(rate(http_requests_total{${all}}[5m]))` } },
  };
  expect((await measure(server(), old, argsOf('only-non-inference'))).phase).toBe('Successful');
  const docs = await expectConformant(templateOf(Gate.errorRate({ maxRatio: 0.01, stableTolerance: 1 })));
  const [canary, vsStable] = (docs.find((d: any) => d.kind === 'AnalysisTemplate') as any).spec.metrics;
  expect((await measure(server(), canary, argsOf('only-non-inference'))).phase).toBe('Inconclusive');
  // 0.2% against the stable's 0.04%: 0.16 ratio points (under a 0.005 tolerance), but 4 times the floored stable.
  const relative = await measure(server(), vsStable, argsOf('errors-relative'));
  expect(relative.value).toEqual([expect.closeTo(4, 6)]);
  expect(relative.phase).toBe('Failed');
});

test('-Inf and negative values fail every gate\'s conditions, though -Inf <= T is true in expr', async () => {
  for (const gate of Object.values(GATES)) {
    const docs = await expectConformant(templateOf(gate));
    for (const m of (docs.find((d: any) => d.kind === 'AnalysisTemplate') as any).spec.metrics) {
      for (const query of ['vector(-1) / vector(0)', 'vector(-0.5)']) {
        const broken = { ...m, provider: { prometheus: { query } } };
        const r = await measure(server(), broken, argsOf('healthy'));
        if (query === 'vector(-0.5)' && !m.successCondition.includes('>= 0')) continue; // custom gates may measure negative values
        expect([m.name, query, r.phase]).toEqual([m.name, query, 'Failed']);
      }
    }
  }
});

test('a lone failureCondition would pass on NaN: the evaluator shows why gates set both', async () => {
  const m = { name: 'x', successCondition: undefined, failureCondition: 'result[0] > 0.05', provider: { prometheus: { query: 'vector(0) / vector(0)' } } };
  expect((await measure(server(), m as any)).phase).toBe('Successful');
});

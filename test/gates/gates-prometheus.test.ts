import { Duration, Testing } from 'cdk8s';
import { Accelerator, Comparison, Gate, GateAnalysisTemplate, GpuModelService, ModelRuntime, ModelSource, Percentile } from '../../src';
import { expectConformant } from '../conformance';
import { CANARY_HASH, STABLE_HASH } from '../prometheus/openmetrics';
import { measure, useScenarioServer } from '../prometheus/server';

// Scenario numbers (test/prometheus/openmetrics.ts): healthy e2e p95 2.4 s / p99 4.0 s, TTFT p95 0.30 s,
// ITL p95 0.05 s, queue 1, KV 0.5, no 5xx; errors-5x canary 5% vs stable 1%; slow-p99 canary 4x slower;
// saturated canary queue 50, KV 0.99; no-traffic canary rate 0; canary-absent has no canary series.
const GATES: Record<string, Gate> = {
  'error-rate': Gate.errorRate({ maxRatio: 0.02, stableTolerance: 0.01 }),
  'latency-p95': Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(5), stableTolerance: 0.5 }),
  'latency-p99': Gate.latency({ percentile: Percentile.P99, threshold: Duration.seconds(8) }),
  'latency-p50': Gate.latency({ percentile: Percentile.P50, threshold: Duration.seconds(3) }),
  'ttft-p95': Gate.timeToFirstToken({ threshold: Duration.millis(800) }),
  'itl-p95': Gate.interTokenLatency({ threshold: Duration.millis(120) }),
  'queue-depth': Gate.queueDepth({ maxWaiting: 10 }),
  'kv-cache-usage': Gate.kvCacheUsage({ maxUsage: 0.95 }),
  'custom-at-most': Gate.custom({
    name: 'server-errors',
    query: '(sum(rate(http_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}",status="5xx"}[5m])) or vector(0))'
      + ' / sum(rate(http_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[5m]))',
    comparison: Comparison.AT_MOST,
    threshold: 0.02,
  }),
  'custom-at-least': Gate.custom({
    name: 'throughput',
    query: 'sum(rate(vllm:request_success_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[5m]))',
    comparison: Comparison.AT_LEAST,
    threshold: 1,
  }),
};

/** Which scenarios must make which gate fail; every other one with traffic passes. */
const DEGRADES: Record<string, string[]> = {
  'error-rate': ['errors-5x'],
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

function templateOf(gate: Gate) {
  const chart = Testing.chart();
  const svc = new GpuModelService(chart, 'Svc', {
    name: 'llama-70b',
    model: ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-70B-Instruct', revision: '1605565b47bb9346c5515c34102e054115b4f98b' }),
    runtime: ModelRuntime.vllm(),
    accelerator: Accelerator.H100_SXM,
    tensorParallelSize: 8,
  });
  new GateAnalysisTemplate(chart, 'Gates', { service: svc, gates: [gate], name: 'gates' });
  return chart;
}

const server = useScenarioServer();

describe.each(Object.entries(GATES))('gate %s against a real Prometheus', (key, gate) => {
  let metrics: any[];
  beforeAll(async () => {
    const docs = await expectConformant(templateOf(gate));
    metrics = (docs.find((d: any) => d.kind === 'AnalysisTemplate') as any).spec.metrics;
  });

  const run = async (scenario: string) => Promise.all(metrics.map(m =>
    measure(server(), m, { 'namespace': scenario, 'canary-hash': CANARY_HASH, 'stable-hash': STABLE_HASH })));

  test('uses both conditions', () => {
    for (const m of metrics) {
      expect(m.successCondition).toMatch(/^len\(result\) > 0 && result\[0\]/);
      expect(m.failureCondition).toMatch(/^len\(result\) > 0 && result\[0\]/);
    }
  });

  test('healthy canary passes', async () => {
    for (const r of await run('healthy')) expect(r.phase).toBe('Successful');
  });

  test.each(DEGRADES[key])('degraded canary (%s) fails', async scenario => {
    const results = await run(scenario);
    expect(results.map(r => r.phase)).toContain('Failed');
    for (const r of results) expect(r.phase).not.toBe('Successful');
  });

  test.each(['no-traffic', 'canary-absent'])('missing data (%s) never passes', async scenario => {
    for (const r of await run(scenario)) {
      expect(r.phase).not.toBe('Successful');
      expect(['Inconclusive', 'Failed']).toContain(r.phase);
    }
  });
});

test('a lone failureCondition would pass on NaN: the evaluator shows why gates set both', async () => {
  const m = { name: 'x', successCondition: undefined, failureCondition: 'result[0] > 0.05', provider: { prometheus: { query: 'vector(0) / vector(0)' } } };
  expect((await measure(server(), m as any)).phase).toBe('Successful');
});

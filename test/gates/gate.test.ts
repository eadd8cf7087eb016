import { Duration, Testing } from 'cdk8s';
import { AlertPreset, Comparison, Gate, GateAnalysisTemplate, GateOptions, ModelAlerts, ModelDashboard, ModelRuntime, ModelSource, PreStopHandler, PrometheusSettings, CudaVersion } from '../../src';
import { expectConformant } from '../conformance';
import { bound } from '../inputs/bind';
import { service } from '../serving/helpers';

// Runtimes without huggingface_hub need a source they can read: an S3 prefix.
const s3 = () => ModelSource.s3({ uri: 's3://ml-models/llm/2024-11-03/', modelName: 'llm', version: '2024-11-03' });

/** The metrics of a template with `gates` on a service running `runtime`, in a chart configured with `scrape`. */
async function metricsOf(gates: Gate[], runtime = ModelRuntime.vllm(), scrape?: Duration): Promise<any[]> {
  const { chart, svc } = service({ name: 'llm', runtime, model: s3(), drain: { preStopHandler: PreStopHandler.execSleep() } });
  if (scrape) PrometheusSettings.configure(chart, { scrapeInterval: scrape });
  new GateAnalysisTemplate(chart, 'Gates', { service: svc, gates, name: 'gates' });
  const docs = await expectConformant(chart);
  return docs.find((d: any) => d.kind === 'AnalysisTemplate').spec.metrics;
}

function refuses(gate: Gate, runtime = ModelRuntime.vllm(), scrape?: Duration): () => void {
  return () => {
    const { chart, svc } = service({ name: 'llm', runtime, model: s3(), drain: { preStopHandler: PreStopHandler.execSleep() } });
    if (scrape) PrometheusSettings.configure(chart, { scrapeInterval: scrape });
    new GateAnalysisTemplate(chart, 'Gates', { service: svc, gates: [gate], name: 'gates' });
    // What depends on the chart's PrometheusSettings (the window against the scrape interval) is checked at synth.
    Testing.synth(chart);
  };
}

describe('error ratios count inference requests only', () => {
  test('vLLM: the OpenAI inference handlers of http_requests_total, never /v1/models or /health', async () => {
    const [m] = await metricsOf([Gate.errorRate({ maxRatio: 0.01 })]);
    const handlers = m.provider.prometheus.query.match(/handler=~"([^"]+)"/g);
    expect(handlers).toHaveLength(2); // numerator and denominator
    const routes = handlers[0].slice('handler=~"'.length, -1).split('|');
    expect(routes).toEqual(expect.arrayContaining(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']));
    expect(routes).not.toEqual(expect.arrayContaining(['/v1/models']));
    for (const r of ['/v1/models', '/health', '/metrics', '/tokenize', '/version']) expect(routes).not.toContain(r);
  });

  test.each([
    ['tgi', ModelRuntime.tgi(), /tgi_request_failure\{.*\/ sum\(rate\(tgi_request_count\{/],
    ['triton', ModelRuntime.triton(), /nv_inference_request_failure\{.*__name__=~"nv_inference_request_success\|nv_inference_request_failure"/],
  ])('%s: its own inference counters', async (_, runtime, query) => {
    const [m] = await metricsOf([Gate.errorRate({ maxRatio: 0.01 })], runtime);
    expect(m.provider.prometheus.query).toMatch(query);
  });

  test('a custom runtime needs the user to say which counter and which requests are inference', async () => {
    const custom = ModelRuntime.custom({ image: 'ghcr.io/acme/server:1.2.3', port: 8080, livenessPath: '/healthz', cudaVersion: CudaVersion.CUDA_12_8 });
    expect(refuses(Gate.errorRate({ maxRatio: 0.01 }), custom)).toThrow(/Gate.errorRate.requestsMetric: the custom runtime \(image ghcr.io\/acme\/server:1.2.3\) has no known inference request counters/);
    const [m] = await metricsOf([Gate.errorRate({ maxRatio: 0.01, requestsMetric: 'http_requests_total', errorsMatcher: 'code=~"5.."', inferenceMatcher: 'handler="/predict"' })], custom);
    expect(m.provider.prometheus.query).toBe('(sum(rate(http_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}",handler="/predict",code=~"5.."}[5m])) or vector(0))'
      + ' / sum(rate(http_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}",handler="/predict"}[5m]))');
  });

  test('alerts and the dashboard use the same inference counters', async () => {
    const { chart, svc } = service({ name: 'llm' });
    new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.errorRate({ maxRatio: 0.01 })] });
    new ModelDashboard(chart, 'Dashboard', { service: svc });
    const docs = await expectConformant(chart);
    const rule = docs.find((d: any) => d.kind === 'PrometheusRule').spec.groups[0].rules[0].expr;
    expect(rule.match(/http_requests_total\{[^}]*handler=~"\/v1\/chat\/completions\|/g)).toHaveLength(3);
    const dashboard = JSON.parse(Object.values(docs.find((d: any) => d.kind === 'ConfigMap' && d.metadata.name === 'llm-dashboard').data)[0] as string);
    const errorPanel = dashboard.panels.find((p: any) => p.title === 'Error ratio');
    expect(errorPanel.targets[0].expr.match(/handler=~"\/v1\/chat\/completions\|/g)).toHaveLength(3);
  });
});

describe('defaults: a healthy canary that just started does not pause, missing data never passes', () => {
  test('wait two scrapes, tolerate inconclusive measurements of fewer than half, pass only on measured values', async () => {
    const [m] = await metricsOf([Gate.latency({ threshold: Duration.seconds(2) })]);
    expect(m).toMatchObject({ count: 5, interval: '1m', initialDelay: '1m', inconclusiveLimit: 2, failureLimit: 0 });
    // Argo: Successful needs `count` measurements with at most `inconclusiveLimit` Inconclusive: 3 measured passes.
    expect(m.count - m.inconclusiveLimit).toBeGreaterThanOrEqual(3);
  });

  test.each([
    [Duration.seconds(15), '30s'],
    [Duration.seconds(45), '90s'],
    [Duration.minutes(1), '2m'],
  ])('the delay follows the chart\'s scrape interval (%s: %s)', async (scrape, delay) => {
    const [m] = await metricsOf([Gate.queueDepth({ maxWaiting: 5 })], ModelRuntime.vllm(), scrape);
    expect(m.initialDelay).toBe(delay);
  });

  test.each([[1, 0], [2, 0], [3, 1], [5, 2], [10, 4]])('count %d tolerates %d inconclusive', async (count, limit) => {
    const [m] = await metricsOf([Gate.latency({ threshold: Duration.seconds(2), count })]);
    expect(m.inconclusiveLimit).toBe(limit);
  });

  test('explicit values win', async () => {
    const [m] = await metricsOf([Gate.latency({ threshold: Duration.seconds(2), initialDelay: Duration.minutes(3), inconclusiveLimit: 0 })]);
    expect(m).toMatchObject({ initialDelay: '3m', inconclusiveLimit: 0 });
  });

  const bad: Array<[string, GateOptions, RegExp]> = [
    ['inconclusiveLimit reaches count', { count: 3, inconclusiveLimit: 3 }, /latency-p95.inconclusiveLimit: must be less than count \(3\), or the gate passes without a single measured value \(got 3\)/],
    ['failureLimit reaches count', { count: 2, failureLimit: 2 }, /latency-p95.failureLimit: must be less than count \(2\), or the gate passes with every measurement failed \(got 2\)/],
    ['window of one scrape', { window: Duration.seconds(30) }, /latency-p95.window: must span at least two scrape intervals \(PrometheusSettings scrapeInterval 30 seconds\)/],
    ['negative inconclusiveLimit', { inconclusiveLimit: -1 }, /latency-p95.inconclusiveLimit: must be a whole number >= 0/],
  ];
  test.each(bad)('refuses %s', (_, options, message) => {
    expect(refuses(Gate.latency({ threshold: Duration.seconds(2), ...options }))).toThrow(message);
  });

  test('refuses a scrape interval under a second', () => {
    const { chart } = service();
    expect(() => PrometheusSettings.configure(chart, { scrapeInterval: Duration.millis(500) })).toThrow(/PrometheusSettings.scrapeInterval: must be from 1 second to 60 minutes \(got "500 ms"\)/);
  });
});

describe('the error rate compares with the stable as a ratio, with a floor', () => {
  test('canary <= (1 + stableTolerance) x max(stable, stableFloor)', async () => {
    const [canary, vsStable] = await metricsOf([Gate.errorRate({ maxRatio: 0.01, stableTolerance: 1 })]);
    expect(vsStable.name).toBe('error-rate-vs-stable');
    const stable = canary.provider.prometheus.query.replace(/canary-hash/g, 'stable-hash');
    expect(vsStable.provider.prometheus.query).toBe(`(${canary.provider.prometheus.query}) / clamp_min(${stable}, 0.0005)`);
    expect(vsStable.successCondition).toBe('len(result) > 0 && result[0] >= 0 && result[0] <= 2');
    expect(vsStable.failureCondition).toBe('len(result) > 0 && (result[0] < 0 || result[0] > 2)');
  });

  test('the floor can be set', async () => {
    const [, vsStable] = await metricsOf([Gate.errorRate({ maxRatio: 0.01, stableTolerance: 0.5, stableFloor: 0.001 })]);
    expect(vsStable.provider.prometheus.query).toMatch(/clamp_min\(.*, 0\.001\)$/);
    expect(vsStable.successCondition).toMatch(/<= 1.5$/);
  });

  test.each([
    [{ maxRatio: 0.01, stableTolerance: -0.1 }, /Gate.errorRate.stableTolerance: must be a fraction >= 0 \(got -0.1\)/],
    [{ maxRatio: 0, stableTolerance: 1 }, /Gate.errorRate.stableFloor: must be a ratio above 0 and at most 1 \(got 0\)/],
    [{ maxRatio: 0.01, stableTolerance: 1, stableFloor: 2 }, /Gate.errorRate.stableFloor: must be a ratio above 0 and at most 1 \(got 2\)/],
    [{ maxRatio: 0.01, stableFloor: 0.001 }, /Gate.errorRate.stableFloor: is set without stableTolerance, so there is no comparison with the stable for it to floor \(got 0.001\)/],
  ])('refuses %j', (props, message) => {
    expect(() => bound(Gate.errorRate(props))).toThrow(message);
  });
});

describe('custom gates: an infinite value never passes', () => {
  test('both bounds guard with isInf', async () => {
    const [m] = await metricsOf([Gate.custom({ name: 'drift', query: 'vector(1)', comparison: Comparison.AT_MOST, threshold: -0.5 })]);
    expect(m.successCondition).toBe('len(result) > 0 && !isInf(result[0]) && result[0] <= -0.5');
    expect(m.failureCondition).toBe('len(result) > 0 && (isInf(result[0]) || result[0] > -0.5)');
  });
});

describe('metric names by runtime image version', () => {
  test.each([
    ['v0.11.0', 'vllm:kv_cache_usage_perc', 'vllm:inter_token_latency_seconds'],
    ['v0.12.0', 'vllm:kv_cache_usage_perc', 'vllm:inter_token_latency_seconds'],
    ['v0.10.1.1', 'vllm:gpu_cache_usage_perc', 'vllm:time_per_output_token_seconds'],
    ['v0.9.2', 'vllm:gpu_cache_usage_perc', 'vllm:time_per_output_token_seconds'],
    ['v0.6.3.post1', 'vllm:gpu_cache_usage_perc', 'vllm:time_per_output_token_seconds'],
  ])('vLLM %s exports %s and %s', async (tag, kv, itl) => {
    const runtime = ModelRuntime.vllm({ image: `vllm/vllm-openai:${tag}`, cudaVersion: CudaVersion.CUDA_12_8 });
    const gates = [Gate.kvCacheUsage({ maxUsage: 0.9 }), Gate.interTokenLatency({ threshold: Duration.millis(100) })];
    const [kvGate, itlGate] = await metricsOf(gates, runtime);
    expect(kvGate.provider.prometheus.query).toMatch(new RegExp(`^max\\(${kv}\\{`));
    expect(itlGate.provider.prometheus.query).toContain(`${itl}_bucket{`);
  });

  test('the version is read from a tag before a digest, or given', async () => {
    const digest = 'sha256:' + 'a'.repeat(64);
    const tagged = ModelRuntime.vllm({ image: `registry.example:5000/vllm/vllm-openai:v0.10.2@${digest}`, cudaVersion: CudaVersion.CUDA_12_8 });
    expect((await metricsOf([Gate.kvCacheUsage({ maxUsage: 0.9 })], tagged))[0].provider.prometheus.query).toMatch(/^max\(vllm:gpu_cache_usage_perc\{/);
    const given = ModelRuntime.vllm({ image: `vllm/vllm-openai@${digest}`, imageVersion: '0.11.0', cudaVersion: CudaVersion.CUDA_12_8 });
    expect((await metricsOf([Gate.kvCacheUsage({ maxUsage: 0.9 })], given))[0].provider.prometheus.query).toMatch(/^max\(vllm:kv_cache_usage_perc\{/);
  });

  test('a digest alone: version-dependent gates are refused, the others work', async () => {
    const runtime = ModelRuntime.vllm({ image: `vllm/vllm-openai@sha256:${'b'.repeat(64)}`, cudaVersion: CudaVersion.CUDA_12_8 });
    expect(refuses(Gate.kvCacheUsage({ maxUsage: 0.9 }), runtime)).toThrow(
      /Gate.kvCacheUsage: reads a KV-cache usage gauge, which this runtime does not export \(the image reference carries no version, and vLLM's metric names depend on it\).*Fix: give the image with its version tag .* or set the runtime's imageVersion/);
    expect(refuses(Gate.interTokenLatency({ threshold: Duration.millis(100) }), runtime)).toThrow(/Gate.interTokenLatency: reads an inter-token latency histogram/);
    expect(await metricsOf([Gate.timeToFirstToken({ threshold: Duration.seconds(1) })], runtime)).toHaveLength(1);
  });

  test.each([
    ['Gate.kvCacheUsage', Gate.kvCacheUsage({ maxUsage: 0.9 }), ModelRuntime.tgi(), /Gate.kvCacheUsage: reads a KV-cache usage gauge, which this runtime does not export \(got "tgi runtime/],
    ['Gate.timeToFirstToken', Gate.timeToFirstToken({ threshold: Duration.seconds(1) }), ModelRuntime.triton(), /Gate.timeToFirstToken: reads a time-to-first-token histogram, which this runtime does not export \(got "triton runtime/],
    ['Gate.queueDepth', Gate.queueDepth({ maxWaiting: 5 }), ModelRuntime.triton(), /Gate.queueDepth: reads a waiting-requests gauge, which this runtime does not export/],
    ['Gate.latency', Gate.latency({ threshold: Duration.seconds(1) }), ModelRuntime.triton(), /Gate.latency.histogram: the triton runtime \(image .*\) has no known request-latency histogram/],
  ])('refuses %s on a runtime that does not export its series', (_, gate, runtime, message) => {
    expect(refuses(gate, runtime)).toThrow(message);
  });

  test('TGI serves a queue-depth gate from its own gauge, measured while it finishes requests', async () => {
    const [m] = await metricsOf([Gate.queueDepth({ maxWaiting: 5 })], ModelRuntime.tgi());
    expect(m.provider.prometheus.query).toMatch(/^max\(tgi_queue_size\{.*\) and on\(\) \(sum\(rate\(tgi_request_duration_count\{/);
  });

  test('refuses an imageVersion that is not a release', () => {
    expect(() => bound(ModelRuntime.vllm({ imageVersion: 'latest' }))).toThrow(/^\[test\/Bind\] ModelRuntime.vllm.imageVersion: must be a release number \(got "latest"\)/);
  });
});

import { Duration, Testing } from 'cdk8s';
import { byKind, hfSource, server, service } from './helpers';
import {
  Accelerator, AlertPreset, CudaVersion, Gate, GateAnalysisTemplate, GpuModelServiceProps, ModelAlerts, ModelAutoscaler, ModelDashboard, ModelRuntime,
  Percentile, Precision, ScalingMetric,
} from '../../src';
import { expectConformant } from '../conformance';
import { bound } from '../inputs/bind';

const IMAGE = 'lmsysorg/sglang:v0.5.5';
const sglang = (overrides: Partial<GpuModelServiceProps> = {}) => service({ runtime: ModelRuntime.sglang(), tensorParallelSize: 2, ...overrides });

/** The metrics of one gate's AnalysisTemplate on `runtime`: name and query. */
function gateQueries(gate: Gate, runtime = ModelRuntime.sglang()): Array<[string, string]> {
  const { chart, svc } = service({ runtime, tensorParallelSize: 2 });
  new GateAnalysisTemplate(chart, 'Gates', { service: svc, gates: [gate], name: 'gates' });
  const template = Testing.synth(chart).find((d: any) => d.kind === 'AnalysisTemplate');
  return template.spec.metrics.map((m: any) => [m.name, m.provider.prometheus.query]);
}

describe('ModelRuntime.sglang: the server container', () => {
  const { chart, svc } = sglang();
  const docs = Testing.synth(chart);
  const c = server(docs);

  test('launch_server with the served name, TP/PP sizes, the memory fraction and metrics on; pinned default image', async () => {
    await expectConformant(chart);
    expect(c.image).toBe(IMAGE);
    expect(c.command).toEqual(['python3', '-m', 'sglang.launch_server']);
    expect(c.args).toEqual([
      '--model-path', '/models',
      '--served-model-name', svc.servedModelName,
      '--host', '0.0.0.0', '--port', '30000',
      '--tp-size', '2', '--pp-size', '1',
      '--mem-fraction-static', '0.85',
      '--enable-metrics',
    ]);
    expect(svc.port).toBe(30000);
    expect(c.ports).toEqual([{ containerPort: 30000, name: 'http', protocol: 'TCP' }]);
    expect(svc.metricsPath).toBe('/metrics');
    expect(svc.metricsPort).toBe(30000);
    expect(byKind(docs).Deployment.metadata.annotations['mlops.cdk8s.io/runtime']).toBe('sglang');
  });

  test('probes on /health (503 while starting or draining; a one-token generation when idle)', () => {
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(probe.httpGet).toEqual({ path: '/health', port: 'http' });
  });

  test('offline Hugging Face caches and JIT caches on writable volumes; the image has sleep for the preStop wait', () => {
    const env = Object.fromEntries(c.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      HOME: '/var/cache/model-server/home',
      HF_HOME: '/var/cache/model-server/huggingface',
      HF_HUB_OFFLINE: '1',
      XDG_CACHE_HOME: '/var/cache/model-server/xdg',
      TRITON_CACHE_DIR: '/var/cache/model-server/triton',
    });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/tmp', '/var/cache/model-server']));
    expect(c.lifecycle.preStop.exec.command[0]).toBe('sleep');
  });

  test('CUDA 12.9 of the default image: drivers of branch 525 or later', () => {
    expect(ModelRuntime.sglang().cudaVersion?.toString()).toBe('12.9');
    expect(ModelRuntime.sglang({ image: 'ghcr.io/acme/sglang:0.5.5' }).cudaVersion).toBeUndefined();
  });

  test('options become flags; the static memory fraction is the one the fit check uses', () => {
    const args = server(Testing.synth(service({
      runtime: ModelRuntime.sglang({ memFractionStatic: 0.8, contextLength: 8192, maxRunningRequests: 64, quantization: 'fp8', extraArgs: ['--trust-remote-code'] }),
      tensorParallelSize: 2,
    }).chart)).args;
    expect(args.slice(12)).toEqual(['--mem-fraction-static', '0.8', '--enable-metrics', '--context-length', '8192', '--max-running-requests', '64',
      '--quantization', 'fp8', '--trust-remote-code']);
    expect(ModelRuntime.sglang({ memFractionStatic: 0.8 }).bind({ modelPath: '/m', servedModelName: 'm', tensorParallelSize: 1, pipelineParallelSize: 1 })
      .gpuMemoryUtilization).toBe(0.8);
  });

  test('pipeline parallelism is --pp-size', () => {
    expect(server(Testing.synth(sglang({ tensorParallelSize: 2, pipelineParallelSize: 2 }).chart)).args).toEqual(expect.arrayContaining(['--pp-size', '2']));
  });
});

describe('ModelRuntime.sglang: the metric catalog drives gates, alerts, autoscaling and the dashboard', () => {
  test('the catalog names SGLang\'s series and the e2e histogram\'s buckets', () => {
    const { svc } = sglang();
    const catalog = svc._metricCatalog;
    expect(catalog).toMatchObject({
      runtime: `sglang runtime (image ${IMAGE})`,
      requestLatency: 'sglang:e2e_request_latency_seconds',
      timeToFirstToken: 'sglang:time_to_first_token_seconds',
      interTokenLatency: 'sglang:inter_token_latency_seconds',
      queueDepth: 'sglang:num_queue_reqs',
      requestsRunning: 'sglang:num_running_reqs',
      kvCacheUsage: 'sglang:token_usage',
    });
    expect(catalog.requests).toBeUndefined();
    expect(catalog.requestLatencyBuckets).toEqual([0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400]);
  });

  test.each([
    ['latency-p95', Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(5) }), 'sglang:e2e_request_latency_seconds_bucket'],
    ['ttft-p95', Gate.timeToFirstToken({ threshold: Duration.millis(500) }), 'sglang:time_to_first_token_seconds_bucket'],
    ['itl-p95', Gate.interTokenLatency({ threshold: Duration.millis(60) }), 'sglang:inter_token_latency_seconds_bucket'],
    ['queue-depth', Gate.queueDepth({ maxWaiting: 8 }), 'sglang:num_queue_reqs'],
    ['kv-cache-usage', Gate.kvCacheUsage({ maxUsage: 0.95 }), 'sglang:token_usage'],
  ] as Array<[string, Gate, string]>)('gate %s reads %s of the canary', (name, gate, series) => {
    const [[metric, query]] = gateQueries(gate);
    expect(metric).toBe(name);
    expect(query).toContain(`${series}{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"}`);
  });

  test('Gate.errorRate is refused: SGLang counts no failed requests; the fix names counters from in front of the server', () => {
    expect(() => gateQueries(Gate.errorRate({ maxRatio: 0.01 }))).toThrow(new RegExp(
      'Gate\\.errorRate\\.requestsMetric: the sglang runtime \\(image lmsysorg/sglang:v0\\.5\\.5\\) has no known inference request counters: '
      + 'SGLang exports no count of failed requests .* Fix: set requestsMetric and errorsMatcher to counters of what is in front of the server'));
  });

  test('Gate.errorRate works with counters given by the user (a mesh sidecar scraped from the pod)', () => {
    const [[, query]] = gateQueries(Gate.errorRate({ maxRatio: 0.01, requestsMetric: 'istio_requests_total', errorsMatcher: 'response_code=~"5.."', inferenceMatcher: 'reporter="destination"' }));
    expect(query).toContain('istio_requests_total{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}",reporter="destination",response_code=~"5.."}');
  });

  test('alerts read the catalog: latency SLO on a bucket boundary, queue and KV cache on SGLang\'s gauges; a threshold between buckets is refused', async () => {
    const { chart, svc } = sglang();
    new ModelAlerts(chart, 'Alerts', {
      service: svc,
      alerts: [
        AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(10) }),
        AlertPreset.queueDepth({ maxWaiting: 20 }),
        AlertPreset.kvCacheUsage({ maxUsage: 0.98 }),
      ],
    });
    const rules = ((await expectConformant(chart)).find((d: any) => d.kind === 'PrometheusRule') as any).spec.groups.flatMap((g: any) => g.rules);
    const text = JSON.stringify(rules);
    expect(text).toContain('sglang:e2e_request_latency_seconds_bucket');
    expect(text).toContain('le=~\\"10(\\\\\\\\.0+)?\\"');
    expect(text).toContain('sglang:num_queue_reqs');
    expect(text).toContain('sglang:token_usage');

    const other = sglang();
    expect(() => new ModelAlerts(other.chart, 'Alerts', { service: other.svc, alerts: [AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(9) })] })).toThrow(/AlertPreset\.latencySlo\.threshold: is no bucket boundary of sglang:e2e_request_latency_seconds.*Fix: use one of 0\.1, 0\.2, .*8, 10, 20/);
  });

  test('the availability SLO needs request counters too', () => {
    const { chart, svc } = sglang();
    expect(() => new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.availabilitySlo({ objective: 0.999 })] })).toThrow(/requestsMetric: the sglang runtime .* has no known inference request counters: SGLang exports no count of failed requests/);
  });

  test('KEDA scales on sglang:num_queue_reqs; the dashboard shows SGLang\'s latency, TTFT, queue and KV cache', async () => {
    const { chart, svc } = sglang();
    new ModelAutoscaler(chart, 'Autoscaler', { service: svc, maxReplicas: 3, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 8 })] });
    const dash = new ModelDashboard(chart, 'Dashboard', { service: svc });
    const docs = await expectConformant(chart);
    expect(byKind(docs).ScaledObject.spec.triggers[0].metadata.query).toMatch(/^sum\(sglang:num_queue_reqs\{/);
    expect(dash.panelTitles).toEqual(['Request latency', 'Time to first token', 'Requests waiting and running', 'KV cache usage (fullest replica)',
      'GPU utilization', 'GPU memory used']);
    const json = byKind(docs).ConfigMap.data;
    expect(JSON.stringify(json)).toContain('sglang:num_running_reqs');
  });

  test('an image before the 0.5 line has no sglang:inter_token_latency_seconds; a digest alone needs imageVersion', () => {
    expect(() => gateQueries(Gate.interTokenLatency({ threshold: Duration.millis(60) }), ModelRuntime.sglang({ image: 'lmsysorg/sglang:v0.4.9', cudaVersion: CudaVersion.CUDA_12_4 })))
      .toThrow(/Gate\.interTokenLatency: reads an inter-token latency histogram, which this runtime does not export/);
    const digest = 'lmsysorg/sglang@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
    const itl = Gate.interTokenLatency({ threshold: Duration.millis(60) });
    expect(() => gateQueries(itl, ModelRuntime.sglang({ image: digest, cudaVersion: CudaVersion.CUDA_12_9 })))
      .toThrow(/the image reference carries no version.*Fix: give the image with its version tag .* or set the runtime's imageVersion/);
    expect(gateQueries(Gate.interTokenLatency({ threshold: Duration.millis(60) }), ModelRuntime.sglang({ image: digest, imageVersion: '0.5.5', cudaVersion: CudaVersion.CUDA_12_9 }))[0][1])
      .toContain('sglang:inter_token_latency_seconds_bucket');
  });

  test('with its own e2e buckets (--bucket-e2e-request-latency) the SLO threshold is not checked against the defaults', () => {
    const { chart, svc } = service({ runtime: ModelRuntime.sglang({ extraArgs: ['--bucket-e2e-request-latency', '0.5', '9', '30'] }), tensorParallelSize: 2 });
    new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(9) })] });
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});

describe('ModelRuntime.sglang across nodes (LeaderWorkerSet)', () => {
  const { chart } = service({
    name: 'big',
    model: hfSource(),
    runtime: ModelRuntime.sglang(),
    accelerator: Accelerator.H100_SXM,
    tensorParallelSize: 8,
    pipelineParallelSize: 2,
    replicas: 2,
    footprint: { parametersBillions: 405, precision: Precision.BF16 },
  });
  const docs = Testing.synth(chart);
  const lws = byKind(docs).LeaderWorkerSet;
  const { leaderTemplate, workerTemplate } = lws.spec.leaderWorkerTemplate;
  const [leader, worker] = [leaderTemplate, workerTemplate].map((t: any) => t.spec.containers[0]);

  test('every node runs the same server with its rank from LWS; rank 0 (the leader) serves, the workers join its rendezvous', async () => {
    await expectConformant(chart);
    expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
    const multiNode = ['--nnodes', '2', '--node-rank', '$(LWS_WORKER_INDEX)', '--dist-init-addr', '$(LWS_LEADER_ADDRESS):20000'];
    for (const c of [leader, worker]) {
      expect(c.command).toEqual(['python3', '-m', 'sglang.launch_server']);
      expect(c.args).toEqual(expect.arrayContaining(['--tp-size', '8', '--pp-size', '2', '--enable-metrics']));
      expect(c.args.slice(-multiNode.length)).toEqual(multiNode);
      expect(c.resources.limits['nvidia.com/gpu']).toBe(8);
    }
    expect(leader.ports).toEqual([{ containerPort: 30000, name: 'http', protocol: 'TCP' }]);
    expect(leader.readinessProbe.httpGet.path).toBe('/health');
    for (const key of ['ports', 'startupProbe', 'readinessProbe', 'livenessProbe']) expect(worker[key]).toBeUndefined();
  });

  test('the multi-node flags are the library\'s: extraArgs may not repeat them, nor the parallelism in SGLang\'s spellings', () => {
    for (const arg of ['--nnodes', '--node-rank=1', '--dist-init-addr', '--tp', '--tp-size', '--pp-size', '--tensor-parallel-size']) {
      expect(() => bound(ModelRuntime.sglang({ extraArgs: [arg, '2'] }))).toThrow(/ModelRuntime\.sglang\.extraArgs\[0\]: repeats --/);
    }
  });
});

test('TGI\'s latency SLO thresholds are checked against its router\'s duration buckets (0.0001 s x 1.5^k)', () => {
  const tgi = (threshold: Duration) => {
    const { chart, svc } = service({ runtime: ModelRuntime.tgi(), tensorParallelSize: 2 });
    return () => new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.latencySlo({ objective: 0.99, threshold })] });
  };
  expect(tgi(Duration.seconds(1))).toThrow(/AlertPreset\.latencySlo\.threshold: is no bucket boundary of tgi_request_duration/);
  const { svc } = service({ runtime: ModelRuntime.tgi(), tensorParallelSize: 2 });
  const buckets = svc._metricCatalog.requestLatencyBuckets!;
  expect(buckets).toHaveLength(35);
  expect(buckets[0]).toBeCloseTo(0.00015, 12);
  expect(buckets[34] / buckets[33]).toBeCloseTo(1.5, 12);
});

// Qwen2.5-32B-Instruct on SGLang (TP=2 on H100 SXM), delivered as a canary behind Istio: 20% -> 50% -> 100%,
// each step gated on p95 latency, time to first token and inter-token latency against the stable, with queue
// depth and KV-cache usage watched in the background. Monitored from the first request: scraping (SGLang's
// `sglang:` series, on with --enable-metrics), alerts, KEDA autoscaling on SGLang's queue and a dashboard.
// Everything runtime-specific comes from ModelRuntime.sglang()'s metric catalog. SGLang counts no failed
// requests, so this example has no error-rate gate or availability SLO: with a mesh in front of the server, give
// Gate.errorRate its counters (requestsMetric and errorsMatcher) scraped from the pod.
import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Accelerator, AlertPreset, CanaryRollout, CanaryStep, Gate, GpuModelService, ModelAlerts, ModelAutoscaler, ModelDashboard, ModelRuntime,
  ModelSource, Percentile, Precision, PrometheusSettings, ScalingMetric, TrafficRouter,
} from '../src';
import { cdk8sExample } from './synth';

export const SGLANG_GATES = [
  Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(10), stableTolerance: 0.2 }),
  Gate.timeToFirstToken({ percentile: Percentile.P95, threshold: Duration.millis(800), stableTolerance: 0.5 }),
  Gate.interTokenLatency({ percentile: Percentile.P95, threshold: Duration.millis(60), stableTolerance: 0.5 }),
];

export class SglangCanaryChart extends Chart {
  public readonly service: GpuModelService;
  public readonly rollout: CanaryRollout;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    PrometheusSettings.configure(this, { address: 'http://prometheus-operated.monitoring.svc:9090' });
    this.service = new GpuModelService(this, 'Qwen32b', {
      name: 'qwen-32b',
      model: ModelSource.huggingFace({ repoId: 'Qwen/Qwen2.5-32B-Instruct', revision: '5ede1c97bbab6ce5cda5812749b4c0bdf79b18dd' }),
      // lmsysorg/sglang:v0.5.5 (CUDA 12.9) by default; 32k context, at most 128 requests at once.
      runtime: ModelRuntime.sglang({ contextLength: 32768, maxRunningRequests: 128 }),
      accelerator: Accelerator.H100_SXM,
      tensorParallelSize: 2,
      replicas: 3,
      footprint: { parametersBillions: 32.5, precision: Precision.BF16, kvCacheBudget: Size.gibibytes(40) },
    });
    this.rollout = new CanaryRollout(this, 'Canary', {
      service: this.service,
      trafficRouter: TrafficRouter.istio(),
      gpuBudget: 12,
      steps: [
        CanaryStep.weight(20),
        CanaryStep.analysis({ gates: SGLANG_GATES }),
        CanaryStep.weight(50),
        CanaryStep.analysis({ gates: SGLANG_GATES }),
        CanaryStep.weight(100),
      ],
      backgroundAnalysis: [Gate.queueDepth({ maxWaiting: 16 }), Gate.kvCacheUsage({ maxUsage: 0.95, count: 30 })],
    });
    new ModelAlerts(this, 'Alerts', {
      service: this.service,
      runbookBaseUrl: 'https://runbooks.example.com/llm',
      alerts: [
        // 10 s is a boundary of sglang:e2e_request_latency_seconds; another threshold is refused.
        AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(10) }),
        AlertPreset.latency({ percentile: Percentile.P99, threshold: Duration.seconds(20) }),
        AlertPreset.timeToFirstToken({ threshold: Duration.seconds(1) }),
        AlertPreset.queueDepth({ maxWaiting: 20 }),
        AlertPreset.kvCacheUsage({ maxUsage: 0.98 }),
        AlertPreset.gpuSaturated(),
        AlertPreset.gpuXidErrors(),
        AlertPreset.metricsMissing(),
      ],
    });
    new ModelAutoscaler(this, 'Autoscaler', { service: this.service, minReplicas: 2, maxReplicas: 4, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 8 })] });
    new ModelDashboard(this, 'Dashboard', { service: this.service, folder: 'LLM serving' });
  }
}

export const synth = cdk8sExample(module, app => new SglangCanaryChart(app, 'qwen-32b-canary'));

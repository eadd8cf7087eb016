// A canary of the 70B service behind Istio: 25% -> 50% -> 100%, each step gated on error rate,
// p95 latency and time to first token, with the stable version shrinking as the canary grows.
// Monitored from the first request: scraping (on by default), alerts, KEDA autoscaling, a dashboard.
import { Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AlertPreset, CanaryRollout, CanaryStep, Gate, ModelAlerts, ModelAutoscaler, ModelDashboard, Percentile, PredictionDistribution, PrometheusSettings,
  ScalingMetric, TrafficRouter,
} from '../src';
import { llama70b } from './llama-70b-vllm';
import { synthExample } from './synth';

export const LLAMA_GATES = [
  Gate.errorRate({ maxRatio: 0.01, stableTolerance: 0.005 }),
  Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(8), stableTolerance: 0.2 }),
  Gate.timeToFirstToken({ percentile: Percentile.P95, threshold: Duration.millis(500) }),
];

export const LLAMA_ALERTS = [
  AlertPreset.availabilitySlo({ objective: 0.999 }),
  AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(10) }),
  AlertPreset.errorRate({ maxRatio: 0.02 }),
  AlertPreset.latency({ percentile: Percentile.P99, threshold: Duration.seconds(20) }),
  AlertPreset.timeToFirstToken({ threshold: Duration.seconds(1) }),
  AlertPreset.queueDepth({ maxWaiting: 20 }),
  AlertPreset.kvCacheUsage({ maxUsage: 0.98 }),
  AlertPreset.gpuUnderutilized(),
  AlertPreset.gpuSaturated(),
  AlertPreset.gpuMemoryNearFull(),
  AlertPreset.gpuXidErrors(),
  AlertPreset.gpuMetricsMissing(),
  AlertPreset.metricsMissing(),
  AlertPreset.dataDrift({ metric: 'prompt_embedding_drift_score', threshold: 0.3, selector: 'job="drift-exporter",model="llama-70b"' }),
  AlertPreset.predictionShift({ distribution: PredictionDistribution.histogram('vllm:request_generation_tokens'), maxDistance: 0.2 }),
  AlertPreset.qualityBelowBaseline({ metric: 'llm_judge_score', baseline: 0.82, tolerance: 0.03, selector: 'job="online-eval",model="llama-70b"' }),
];

export class Llama70bCanaryChart extends Chart {
  public readonly rollout: CanaryRollout;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    PrometheusSettings.configure(this, { address: 'http://prometheus-operated.monitoring.svc:9090' });
    const service = llama70b(this, { replicas: 4 });
    this.rollout = new CanaryRollout(this, 'Canary', {
      service,
      trafficRouter: TrafficRouter.istio(),
      dynamicStableScale: true,
      gpuBudget: 48,
      steps: [
        CanaryStep.weight(25),
        CanaryStep.analysis({ gates: LLAMA_GATES }),
        CanaryStep.weight(50),
        CanaryStep.analysis({ gates: LLAMA_GATES }),
        CanaryStep.weight(100),
      ],
      backgroundAnalysis: [Gate.kvCacheUsage({ maxUsage: 0.95, count: 30 })],
    });
    new ModelAlerts(this, 'Alerts', { service, runbookBaseUrl: 'https://runbooks.example.com/llm', alerts: LLAMA_ALERTS });
    // Down to 2 replicas when quiet, up to the 4 the GPU budget was planned for.
    new ModelAutoscaler(this, 'Autoscaler', { service, minReplicas: 2, maxReplicas: 4, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 8 })] });
    new ModelDashboard(this, 'Dashboard', { service, folder: 'LLM serving' });
  }
}

if (require.main === module) synthExample('llama-70b-canary', app => new Llama70bCanaryChart(app, 'llama-70b-canary'));

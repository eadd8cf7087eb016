// A canary of the 70B service behind Istio: 25% -> 50% -> 100%, each step gated on error rate,
// p95 latency and time to first token, with the stable version shrinking as the canary grows.
import { Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CanaryRollout, CanaryStep, Gate, Percentile, PrometheusSettings, TrafficRouter } from '../src';
import { llama70b } from './llama-70b-vllm';
import { synthExample } from './synth';

export const LLAMA_GATES = [
  Gate.errorRate({ maxRatio: 0.01, stableTolerance: 0.005 }),
  Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(8), stableTolerance: 0.2 }),
  Gate.timeToFirstToken({ percentile: Percentile.P95, threshold: Duration.millis(500) }),
];

export class Llama70bCanaryChart extends Chart {
  public readonly rollout: CanaryRollout;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    PrometheusSettings.configure(this, { address: 'http://prometheus-operated.monitoring.svc:9090' });
    this.rollout = new CanaryRollout(this, 'Canary', {
      service: llama70b(this, { replicas: 4 }),
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
  }
}

if (require.main === module) synthExample('llama-70b-canary', app => new Llama70bCanaryChart(app, 'llama-70b-canary'));

// Blue-green of the Triton classifier: the new version runs beside the old one behind a preview Service and
// takes traffic only after its error rate and p95 latency pass.
import { Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { BlueGreenRollout, Comparison, Gate } from '../src';
import { classifier } from './classifier-l4-triton';
import { cdk8sExample } from './synth';

export class ClassifierBlueGreenChart extends Chart {
  public readonly rollout: BlueGreenRollout;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'vision', ...props });
    this.rollout = new BlueGreenRollout(this, 'BlueGreen', {
      service: classifier(this),
      prePromotionAnalysis: {
        gates: [
          Gate.errorRate({ maxRatio: 0.001 }),
          Gate.custom({
            name: 'avg-latency',
            // Triton exports cumulative request time in microseconds, not a histogram.
            query: 'sum(rate(nv_inference_request_duration_us{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[5m])) / sum(rate(nv_inference_request_success{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[5m])) / 1000',
            comparison: Comparison.AT_MOST,
            threshold: 25,
          }),
        ],
      },
      autoPromotionEnabled: true,
      scaleDownDelay: Duration.minutes(5),
    });
  }
}

export const synth = cdk8sExample(module, app => new ClassifierBlueGreenChart(app, 'classifier-blue-green'));

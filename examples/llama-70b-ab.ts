// A/B: the beta user segment (header x-user-segment: beta) is routed to the new version through the
// Gateway API, analysed, then everyone follows.
import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { CanaryRollout, CanaryStep, HeaderMatch, TrafficRouter } from '../src';
import { LLAMA_GATES } from './llama-70b-canary';
import { llama70b } from './llama-70b-vllm';
import { cdk8sExample } from './synth';

export class Llama70bAbChart extends Chart {
  public readonly rollout: CanaryRollout;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    this.rollout = new CanaryRollout(this, 'AbTest', {
      service: llama70b(this),
      trafficRouter: TrafficRouter.gatewayApi({ gatewayName: 'inference-gateway', gatewayNamespace: 'gateway' }),
      steps: [
        CanaryStep.canaryScale({ replicas: 1 }),
        CanaryStep.headerRoute({ name: 'beta-users', match: [HeaderMatch.exact('x-user-segment', 'beta')] }),
        CanaryStep.analysis({ gates: LLAMA_GATES, name: 'beta-analysis' }),
        CanaryStep.removeHeaderRoute('beta-users'),
        CanaryStep.canaryScale({ matchTrafficWeight: true }),
        CanaryStep.weight(50),
        CanaryStep.pause(),
        CanaryStep.weight(100),
      ],
    });
  }
}

export const synth = cdk8sExample(module, app => new Llama70bAbChart(app, 'llama-70b-ab'));

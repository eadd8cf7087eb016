// Shadow: one new-version replica receives a 20% mirror of live traffic (responses dropped) and must pass
// its gates before any user request moves to it.
import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { CanaryRollout, CanaryStep, TrafficRouter } from '../src';
import { LLAMA_GATES } from './llama-70b-canary';
import { llama70b } from './llama-70b-vllm';
import { cdk8sExample } from './synth';

export class Llama70bShadowChart extends Chart {
  public readonly rollout: CanaryRollout;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    this.rollout = new CanaryRollout(this, 'Shadow', {
      service: llama70b(this),
      trafficRouter: TrafficRouter.istio(),
      steps: [
        CanaryStep.canaryScale({ replicas: 1 }),
        CanaryStep.mirrorRoute({ name: 'shadow', percentage: 20 }),
        CanaryStep.analysis({ gates: LLAMA_GATES, name: 'shadow-analysis' }),
        CanaryStep.removeMirrorRoute('shadow'),
        CanaryStep.canaryScale({ matchTrafficWeight: true }),
        CanaryStep.weight(50),
        CanaryStep.pause(),
        CanaryStep.weight(100),
      ],
    });
  }
}

export const synth = cdk8sExample(module, app => new Llama70bShadowChart(app, 'llama-70b-shadow'));

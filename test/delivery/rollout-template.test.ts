import { CanaryRollout, CanaryStep } from '../../src';
import { expectConformant } from '../conformance';
import { service } from '../serving/helpers';

describe('ProgressiveRollout pod template', () => {
  test('is rendered at synth, like the Deployment: later changes to the service pod template reach the Rollout', async () => {
    const { chart, svc } = service({ name: 'llm', tensorParallelSize: 2 });
    new CanaryRollout(chart, 'Canary', { service: svc, steps: [CanaryStep.weight(50), CanaryStep.pause(), CanaryStep.weight(100)] });
    svc.podTemplate.metadata!.annotations!['example.com/added-later'] = 'yes';
    const docs: any[] = await expectConformant(chart);
    const rollout = docs.find(d => d.kind === 'Rollout');
    expect(rollout.spec.template.metadata.annotations['example.com/added-later']).toBe('yes');
    // Typed quantities still render as Kubernetes quantities, not as objects.
    expect(rollout.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(2);
    expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 50 }, { pause: {} }, { setWeight: 100 }]);
  });
});

import { Chart, Testing } from 'cdk8s';
import {
  Accelerator, AlertPreset, BlueGreenRollout, CanaryRollout, CanaryStep, GpuModelService, ModelAlerts, ModelAutoscaler, ModelDashboard,
  ModelRuntime, ScalingMetric, TrafficRouter, ValidationCheck, ValidationJob,
} from '../../src';
import { expectConformant } from '../conformance';
import { hfSource, service } from '../serving/helpers';

const IMAGE = `ghcr.io/acme/llm-eval@sha256:${'a'.repeat(64)}`;

/** The consumers of a service's workload, each created by one call. */
const consumers: Record<string, (chart: Chart, svc: GpuModelService) => void> = {
  autoscaler: (chart, svc) => new ModelAutoscaler(chart, 'Scaler', { service: svc, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 5 })], maxReplicas: 4 }),
  alerts: (chart, svc) => new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.errorRate({ maxRatio: 0.05 })] }),
  dashboard: (chart, svc) => new ModelDashboard(chart, 'Dashboard', { service: svc }),
  validation: (chart, svc) => new ValidationJob(chart, 'Validation', {
    service: svc, image: IMAGE, dataset: { uri: 's3://evals/chat/v3/' }, checks: [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 })],
  }),
};

type Rollout = (chart: Chart, svc: GpuModelService) => void;
const canary: Rollout = (chart, svc) => new CanaryRollout(chart, 'Rollout', { service: svc, trafficRouter: TrafficRouter.istio(), steps: [CanaryStep.weight(20), CanaryStep.weight(100)] });
const blueGreen: Rollout = (chart, svc) => new BlueGreenRollout(chart, 'Rollout', { service: svc });

/** Synthesizes a service, its consumers and a rollout, the rollout created after `before` consumers. */
function synth(rollout: Rollout, before: string[]): any[] {
  const { chart, svc } = service({ name: 'llm', namespace: 'llm', replicas: 2 });
  for (const name of before) consumers[name](chart, svc);
  rollout(chart, svc);
  for (const name of Object.keys(consumers).filter(n => !before.includes(n))) consumers[name](chart, svc);
  return Testing.synth(chart);
}

/** The documents keyed by kind and name: construct order changes the order of documents, never their content. */
function byObject(docs: any[]): Record<string, any> {
  return Object.fromEntries(docs.map(d => [`${d.kind}/${d.metadata.name}`, d]));
}

describe.each([['canary', canary], ['blue-green', blueGreen]])('a %s rollout takes the workload over in any construct order', (_, rollout) => {
  const orders = [[], ['autoscaler'], ['alerts', 'dashboard'], ['validation', 'autoscaler'], Object.keys(consumers)];
  const outputs = orders.map(before => synth(rollout, before));

  test.each(orders.map((before, i) => [before.join(', ') || 'none', i]))('consumers created before the rollout: %s', (_name, i) => {
    const docs = outputs[i as number];
    expect(docs.map(d => d.kind)).not.toContain('Deployment');
    expect(docs.filter(d => d.kind === 'Rollout')).toHaveLength(1);
    // KEDA scales the Rollout through its /scale subresource: the Deployment is gone, and would be no target.
    expect(docs.find(d => d.kind === 'ScaledObject').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'llm' });
    expect(byObject(docs)).toEqual(byObject(outputs[0]));
  });

  test('the output is conformant', async () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm', replicas: 2 });
    for (const make of Object.values(consumers)) make(chart, svc);
    rollout(chart, svc);
    await expectConformant(chart);
  });
});

describe('workload of a service', () => {
  test('read before and after the rollout: the Deployment, then the Rollout', () => {
    const { chart, svc } = service({ name: 'llm' });
    expect(svc.workload).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' });
    expect(svc.workloadOwner).toBeUndefined();
    const rollout = new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(100)] });
    expect(svc.workload).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'llm' });
    expect(svc.workloadOwner).toBe(rollout);
  });

  test('a rollout in another chart of the same namespace takes it over', () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
    const other = new Chart(chart.node.root as Chart, 'Delivery', { namespace: 'elsewhere' });
    new CanaryRollout(other, 'Rollout', { service: svc, steps: [CanaryStep.weight(100)] });
    expect(Testing.synth(chart).map(d => d.kind)).not.toContain('Deployment');
    // The service's namespace wins over the rollout chart's: the Rollout runs next to its Service.
    expect(Testing.synth(other).find(d => d.kind === 'Rollout').metadata.namespace).toBe('llm');
  });

  test('a rollout in a chart of another namespace is refused when the service has none of its own', () => {
    const { chart, svc } = service({ name: 'llm' });
    const other = new Chart(chart.node.root as Chart, 'Delivery', { namespace: 'elsewhere' });
    expect(() => new CanaryRollout(other, 'Rollout', { service: svc, steps: [CanaryStep.weight(100)] }))
      .toThrow(/\[Delivery\/Rollout\] service: is in the namespace undefined of its chart, and the rollout's chart has "elsewhere" \(got "test\/Svc"\)/);
  });
});

describe('Services the rollouts create are objects', () => {
  test('canary and stable, preview and active: names, namespace and port, usable as another rollout\'s active Service', () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
    const c = new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(100)] });
    expect([c.canaryService, c.stableService].map(s => [s.name, s.namespace, s.port])).toEqual([['llm-canary', 'llm', 8000], ['llm-stable', 'llm', 8000]]);
    const { chart: other, svc: clf } = service({ name: 'clf', namespace: 'llm' });
    const bg = new BlueGreenRollout(other, 'Rollout', { service: clf });
    expect([bg.activeService, bg.previewService].map(s => s.name)).toEqual(['clf', 'clf-preview']);
    expect(bg.activeService).toBe(clf);
    const frontend = new GpuModelService(chart, 'Frontend', { name: 'front', namespace: 'llm', model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM });
    const front = new BlueGreenRollout(chart, 'Front', { service: frontend, activeService: c.stableService });
    expect(front.activeService.node.path).toBe('test/Rollout/StableService');
    expect(Testing.synth(chart).find(d => d.kind === 'Rollout' && d.metadata.name === 'front').spec.strategy.blueGreen.activeService).toBe('llm-stable');
  });
});

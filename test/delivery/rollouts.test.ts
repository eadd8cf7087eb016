import { Chart, Duration, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { BlueGreenRollout, CanaryRollout, CanaryRolloutProps, CanaryStep, Gate, GateAnalysisTemplate, HeaderMatch, ModelRuntime, PrometheusSettings, TrafficRouter } from '../../src';
import { expectConformant } from '../conformance';
import { bound } from '../inputs/bind';
import { service } from '../serving/helpers';

const gates = [Gate.errorRate({ maxRatio: 0.01 })];

function canary(props: Partial<CanaryRolloutProps> = {}, svcProps = {}) {
  const { chart, svc } = service({ name: 'llm', replicas: 4, tensorParallelSize: 8, ...svcProps });
  const rollout = new CanaryRollout(chart, 'Canary', { service: svc, steps: [CanaryStep.weight(50), CanaryStep.pause(), CanaryStep.weight(100)], ...props });
  return { chart, svc, rollout };
}

const of = (docs: any[], kind: string) => docs.filter(d => d.kind === kind);

describe('CanaryRollout', () => {
  test('takes the pod template into the Rollout and removes the Deployment (snapshot)', async () => {
    const { chart, svc } = canary({ steps: [CanaryStep.weight(25), CanaryStep.analysis({ gates }), CanaryStep.weight(100)] });
    const docs = await expectConformant(chart);
    expect(of(docs, 'Deployment')).toHaveLength(0);
    const [rollout] = of(docs, 'Rollout');
    expect(rollout.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(8);
    expect(rollout.spec.selector.matchLabels).toEqual(svc.selectorLabels);
    expect(svc.workload).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'llm' });
    expect(of(docs, 'Service').map(s => s.metadata.name)).toEqual(['llm', 'llm-canary', 'llm-stable']);
    expect(docs).toMatchSnapshot();
  });

  test('steps render as Argo documents them, analysis args from the pod-template hashes', async () => {
    const { chart } = canary({
      trafficRouter: TrafficRouter.istio(),
      steps: [
        CanaryStep.canaryScale({ replicas: 1 }),
        CanaryStep.mirrorRoute({ name: 'shadow', percentage: 10 }),
        CanaryStep.analysis({ gates }),
        CanaryStep.removeMirrorRoute('shadow'),
        CanaryStep.headerRoute({ name: 'beta', match: [HeaderMatch.exact('x-segment', 'beta')] }),
        CanaryStep.pause(Duration.minutes(10)),
        CanaryStep.weight(100),
      ],
    });
    const docs = await expectConformant(chart);
    const canarySpec = of(docs, 'Rollout')[0].spec.strategy.canary;
    expect(canarySpec.steps).toEqual([
      { setCanaryScale: { replicas: 1 } },
      { setMirrorRoute: { name: 'shadow', percentage: 10, match: [{ path: { prefix: '/' } }] } },
      {
        analysis: {
          templates: [{ templateName: 'llm-analysis-1' }],
          args: [
            { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
            { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
          ],
        },
      },
      { setMirrorRoute: { name: 'shadow' } },
      { setHeaderRoute: { name: 'beta', match: [{ headerName: 'x-segment', headerValue: { exact: 'beta' } }] } },
      { pause: { duration: '10m' } },
      { setWeight: 100 },
    ]);
    expect(canarySpec.trafficRouting).toEqual({
      istio: { virtualService: { name: 'llm', routes: ['primary'] } },
      managedRoutes: [{ name: 'shadow' }, { name: 'beta' }],
    });
    const [vs] = of(docs, 'VirtualService');
    expect(vs.spec.http[0].route.map((r: any) => [r.destination.host, r.weight])).toEqual([['llm-stable', 100], ['llm-canary', 0]]);
  });

  test('Gateway API router: an HTTPRoute and the plugin config', async () => {
    const { chart } = canary({ trafficRouter: TrafficRouter.gatewayApi({ gatewayName: 'gw', gatewayNamespace: 'infra' }) });
    const docs = await expectConformant(chart);
    expect(of(docs, 'Rollout')[0].spec.strategy.canary.trafficRouting).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: 'llm' } } });
    expect(of(docs, 'HTTPRoute')[0].spec.parentRefs).toEqual([{ name: 'gw', namespace: 'infra' }]);
  });

  test('gates render into an AnalysisTemplate with both conditions and the chart Prometheus', async () => {
    const { chart, svc } = service({ name: 'llm' });
    PrometheusSettings.configure(chart, { address: 'http://prom.example:9090' });
    new CanaryRollout(chart, 'Canary', { service: svc, steps: [CanaryStep.weight(100)], backgroundAnalysis: [Gate.latency({ threshold: Duration.seconds(2), count: 3 })] });
    const docs = await expectConformant(chart);
    const [template] = of(docs, 'AnalysisTemplate');
    expect(template.metadata.name).toBe('llm-background');
    expect(template.spec.args).toEqual([{ name: 'namespace' }, { name: 'canary-hash' }, { name: 'stable-hash' }]);
    expect(template.spec.metrics[0]).toMatchObject({
      name: 'latency-p95',
      count: 3,
      interval: '1m',
      failureLimit: 0,
      initialDelay: '1m',
      inconclusiveLimit: 1,
      consecutiveErrorLimit: 4,
      successCondition: 'len(result) > 0 && result[0] >= 0 && result[0] <= 2',
      failureCondition: 'len(result) > 0 && (result[0] < 0 || result[0] > 2)',
      provider: { prometheus: { address: 'http://prom.example:9090' } },
    });
    expect(template.spec.metrics[0].provider.prometheus.query).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[5m])))');
  });
});

describe('BlueGreenRollout', () => {
  test('active and preview Services, analyses, promotion settings (snapshot)', async () => {
    const { chart, svc } = service({ name: 'clf', replicas: 2 });
    const bg = new BlueGreenRollout(chart, 'BlueGreen', {
      service: svc,
      prePromotionAnalysis: { gates },
      postPromotionAnalysis: { gates },
      autoPromotionEnabled: false,
      scaleDownDelay: Duration.minutes(2),
      previewReplicaCount: 1,
    });
    const docs = await expectConformant(chart);
    const strategy = of(docs, 'Rollout')[0].spec.strategy.blueGreen;
    expect(strategy).toMatchObject({
      activeService: 'clf',
      previewService: 'clf-preview',
      autoPromotionEnabled: false,
      scaleDownDelaySeconds: 120,
      previewReplicaCount: 1,
      prePromotionAnalysis: { templates: [{ templateName: 'clf-pre-promotion' }] },
      postPromotionAnalysis: { templates: [{ templateName: 'clf-post-promotion' }] },
    });
    expect(bg.gpuPlan.peakGpus).toBe(4);
    expect(docs).toMatchSnapshot();
  });
});

describe('GPU capacity plan', () => {
  test.each([
    ['replica-based', {}, 5],
    ['traffic-routed', { trafficRouter: TrafficRouter.istio() }, 8],
    ['dynamic stable scale', { trafficRouter: TrafficRouter.istio(), dynamicStableScale: true }, 6],
  ])('%s canary of 4 x 8 GPUs', (_n, props, peakReplicas) => {
    const { rollout } = canary(props);
    expect(rollout.gpuPlan.peakReplicas).toBe(peakReplicas);
    expect(rollout.gpuPlan.peakGpus).toBe(peakReplicas * 8);
    expect(rollout.gpuPlan.steadyGpus).toBe(32);
  });

  test('the plan is on the Rollout as annotations', () => {
    const docs = Testing.synth(canary().chart);
    expect(of(docs, 'Rollout')[0].metadata.annotations['mlops.cdk8s.io/peak-gpus']).toBe('40');
  });

  test('a budget the strategy exceeds fails with the strategies that fit', () => {
    expect(() => canary({ trafficRouter: TrafficRouter.istio(), gpuBudget: 40 })).toThrow(
      /gpuBudget: the strategy can hold 64 GPUs at once, over the budget.*\(got 40\).*replica-based canary \(no traffic router, maxSurge: 1\): peak 40 GPUs/);
    const { chart, svc } = service({ replicas: 2 });
    expect(() => new BlueGreenRollout(chart, 'BG', { service: svc, gpuBudget: 3 })).toThrow(/gpuBudget.*use a CanaryRollout without a traffic router \(maxSurge: 1\), which peaks at 3 GPUs/);
  });
});

describe('bad input', () => {
  test('weights outside 0-100 or not increasing', () => {
    expect(() => canary({ steps: [CanaryStep.weight(120)] })).toThrow(/steps\[0\]\.setWeight: must be a whole percentage from 0 to 100 \(got 120\)/);
    expect(() => canary({ steps: [CanaryStep.weight(50), CanaryStep.weight(20), CanaryStep.weight(100)] })).toThrow(/steps\[1\]\.setWeight: must increase \(the previous weight was 50\)/);
  });

  test('a final step that does not reach 100 without saying so', () => {
    expect(() => canary({ steps: [CanaryStep.weight(50)] })).toThrow(/steps: never reach 100.*implicitFullPromotion/);
    expect(() => canary({ steps: [CanaryStep.weight(50)], implicitFullPromotion: true })).not.toThrow();
  });

  test('analysis referencing a missing template or arg', () => {
    const foreign = new GateAnalysisTemplate(Testing.chart(), 'T', { service: canary().svc, gates, name: 'elsewhere' });
    const svc2 = service({ name: 'other' });
    new CanaryRollout(svc2.chart, 'R', { service: svc2.svc, steps: [CanaryStep.analysis({ templates: [foreign] }), CanaryStep.weight(100)] });
    expect(() => Testing.synth(svc2.chart)).toThrow(/analysis: references template elsewhere .* not part of this app/);
    const svc3 = service({ name: 'third' });
    const local = Object.assign(new Construct(svc3.chart, 'Custom'), { templateName: 'needs-model', clusterScope: false, requiredArgs: ['model-uri'] });
    new CanaryRollout(svc3.chart, 'R', { service: svc3.svc, steps: [CanaryStep.analysis({ templates: [local] }), CanaryStep.weight(100)] });
    expect(() => Testing.synth(svc3.chart)).toThrow(/analysis.args: template needs-model needs model-uri/);
    expect(() => canary({ steps: [CanaryStep.analysis({}), CanaryStep.weight(100)] })).toThrow(/has no gates and no templates/);
  });

  test('header and mirror routes without a router that supports them', () => {
    expect(() => canary({ steps: [CanaryStep.headerRoute({ name: 'b', match: [HeaderMatch.exact('x', 'y')] }), CanaryStep.weight(100)] }))
      .toThrow(/steps\[0\]\.setHeaderRoute: needs a traffic router that supports header routes \(got "no traffic router"\).*TrafficRouter.istio\(\) or TrafficRouter.gatewayApi/);
    expect(() => canary({ trafficRouter: TrafficRouter.gatewayApi({ gatewayName: 'gw' }), steps: [CanaryStep.canaryScale({ replicas: 1 }), CanaryStep.mirrorRoute({ name: 's', percentage: 10 }), CanaryStep.weight(100)] }))
      .toThrow(/setMirrorRoute: needs a traffic router that supports mirroring \(got "Gateway API"\).*only Istio mirrors today/);
  });

  test('a mirror to a version with no pods', () => {
    expect(() => canary({ trafficRouter: TrafficRouter.istio(), steps: [CanaryStep.mirrorRoute({ name: 's', percentage: 10 }), CanaryStep.weight(100)] }))
      .toThrow(/routes traffic to the new version while it has no pods.*canaryScale\(\{ replicas: 1 \}\)/);
  });

  test('blue-green with an active Service that is not deployed with it', () => {
    const { svc } = service();
    const elsewhere = new kplus.Service(Testing.chart(), 'Typo', { metadata: { name: 'typo' }, ports: [{ port: 80 }] });
    expect(() => new BlueGreenRollout(svc.node.scope!, 'BG', { service: svc, activeService: elsewhere }))
      .toThrow(/activeService: is not part of this app.*\(got "test\/Typo"\)/);
    const { chart, svc: other } = service({ name: 'clf' });
    const otherNamespace = new kplus.Service(new Chart(chart.node.root as Construct, 'Ns', { namespace: 'edge' }), 'Front', { metadata: { name: 'front' }, ports: [{ port: 80 }] });
    expect(() => new BlueGreenRollout(chart, 'BG', { service: other, activeService: otherNamespace }))
      .toThrow(/activeService: is in the namespace "edge", and Argo looks it up in the Rollout's \(undefined\)/);
  });

  test('blue-green with its active Service in another chart of the app', async () => {
    const { chart, svc } = service();
    const front = new kplus.Service(new Chart(chart.node.root as Construct, 'Edge'), 'Front', { metadata: { name: 'front' }, ports: [{ port: 80 }] });
    const rollout = new BlueGreenRollout(chart, 'BG', { service: svc, activeService: front });
    expect(svc.workloadOwner).toBe(rollout);
    const docs: any[] = await expectConformant(chart);
    expect(docs.find(d => d.kind === 'Rollout').spec.strategy.blueGreen.activeService).toBe('front');
  });

  test('thresholds out of range', () => {
    expect(() => bound(Gate.errorRate({ maxRatio: 1.5 }))).toThrow(/Gate.errorRate.maxRatio: must be a ratio between 0 and 1 \(got 1.5\)/);
    expect(() => bound(Gate.latency({ threshold: Duration.seconds(0) }))).toThrow(/Gate.latency.threshold: must be a positive duration \(got "0 seconds"\)/);
    expect(() => bound(Gate.kvCacheUsage({ maxUsage: 2 }))).toThrow(/maxUsage: must be a ratio/);
    expect(() => bound(Gate.queueDepth({ maxWaiting: -1 }))).toThrow(/maxWaiting: must be >= 0/);
  });

  test('a gate on a series the runtime does not export', () => {
    const { chart, svc } = service({ runtime: ModelRuntime.tgi() });
    expect(() => new GateAnalysisTemplate(chart, 'T', { service: svc, gates: [Gate.timeToFirstToken({ threshold: Duration.seconds(1) })], name: 't' }))
      .toThrow(/\[test\/T\] Gate.timeToFirstToken: reads a time-to-first-token histogram, which this runtime does not export \(got "tgi runtime \(image ghcr.io\/huggingface\/text-generation-inference:3.3.4\)"\)/);
  });

  test('one rollout per service', () => {
    const { chart, svc } = canary();
    expect(() => new CanaryRollout(chart, 'Again', { service: svc, steps: [CanaryStep.weight(100)] })).toThrow(/workload: is already managed by/);
  });
});

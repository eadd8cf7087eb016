import { Chart, Duration, Testing } from 'cdk8s';
import { census, x } from './census';
import { Accelerator, CanaryRollout, CanaryStep, Gate, GpuModelService, HeaderMatch, ModelRuntime, PrometheusSettings, TrafficRouter, ValidationCheck, ValidationJob } from '../../src';
import { expectConformant } from '../conformance';
import { hfSource, service } from '../serving/helpers';

const P = 'test/Rollout';
const canary = (...steps: CanaryStep[]) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Rollout', { service: svc, steps: [...steps, CanaryStep.weight(100)] });
};

describe('canary steps and header matches', () => census([
  ['pause NaN', () => canary(CanaryStep.pause(Duration.seconds(NaN))), x(P, 'CanaryStep.pause.duration', 'NaN ms', 'Duration.seconds')],
  ['pause Infinity', () => canary(CanaryStep.pause(Duration.seconds(Infinity))), x(P, 'CanaryStep.pause.duration', 'Infinity ms', 'Duration.seconds')],
  ['pause a year', () => canary(CanaryStep.pause(Duration.days(365))), x(P, 'CanaryStep.pause.duration', '"365 days"', 'Duration.seconds')],
  ['canaryScale replicas -1', () => canary(CanaryStep.canaryScale({ replicas: -1 })), x(P, 'CanaryStep.canaryScale.replicas', '-1', 'replicas: 1')],
  ['canaryScale replicas 1.5', () => canary(CanaryStep.canaryScale({ replicas: 1.5 })), x(P, 'CanaryStep.canaryScale.replicas', '1.5', 'replicas: 1')],
  ['canaryScale replicas 1e12', () => canary(CanaryStep.canaryScale({ replicas: 1e12 })), x(P, 'CanaryStep.canaryScale.replicas', '1000000000000', 'replicas: 1')],
  ['canaryScale weight 150', () => canary(CanaryStep.canaryScale({ weight: 150 })), x(P, 'CanaryStep.canaryScale.weight', '150', 'weight: 25')],
  ['canaryScale weight NaN', () => canary(CanaryStep.canaryScale({ weight: NaN })), x(P, 'CanaryStep.canaryScale.weight', 'NaN', 'weight: 25')],
  ['canaryScale nothing', () => canary(CanaryStep.canaryScale({})), x(P, 'CanaryStep.canaryScale', '{}', 'replicas: 1')],
  ['canaryScale two', () => canary(CanaryStep.canaryScale({ replicas: 1, weight: 5 })), x(P, 'CanaryStep.canaryScale', '{"replicas":1,"weight":5}', 'replicas: 1')],
  ['headerRoute name uppercase', () => canary(CanaryStep.headerRoute({ name: 'Canary', match: [HeaderMatch.exact('x-canary', 'y')] })), x(P, 'CanaryStep.headerRoute.name', '"Canary"', 'canary-header')],
  ['headerRoute name empty', () => canary(CanaryStep.headerRoute({ name: '', match: [HeaderMatch.exact('x-canary', 'y')] })), x(P, 'CanaryStep.headerRoute.name', '""', 'canary-header')],
  ['removeHeaderRoute name invalid', () => canary(CanaryStep.removeHeaderRoute('a_b')), x(P, 'CanaryStep.removeHeaderRoute.name', '"a_b"', 'canary-header')],
  ['header name with space', () => canary(CanaryStep.headerRoute({ name: 'h', match: [HeaderMatch.exact('x canary', 'y')] })), x(P, 'HeaderMatch.exact.headerName', '"x canary"', 'x-canary')],
  ['header name with colon', () => canary(CanaryStep.headerRoute({ name: 'h', match: [HeaderMatch.prefix('x:y', 'y')] })), x(P, 'HeaderMatch.prefix.headerName', '"x:y"', 'x-canary')],
  ['header name empty', () => canary(CanaryStep.headerRoute({ name: 'h', match: [HeaderMatch.regex('', 'y')] })), x(P, 'HeaderMatch.regex.headerName', '""', 'x-canary')],
  ['header regex lookahead', () => canary(CanaryStep.headerRoute({ name: 'h', match: [HeaderMatch.regex('x-user', '^(?=admin).*')] })), x(P, 'HeaderMatch.regex.pattern', '"^(?=admin).*"', 'lookaround')],
  ['header regex lookbehind', () => canary(CanaryStep.headerRoute({ name: 'h', match: [HeaderMatch.regex('x-user', '(?<!a)b')] })), x(P, 'HeaderMatch.regex.pattern', '"(?<!a)b"', 'lookaround')],
  ['header regex backreference', () => canary(CanaryStep.headerRoute({ name: 'h', match: [HeaderMatch.regex('x-user', '(a)\\1')] })), x(P, 'HeaderMatch.regex.pattern', '"(a)\\\\1"', 'backreferences')],
  ['header regex possessive', () => canary(CanaryStep.headerRoute({ name: 'h', match: [HeaderMatch.regex('x-user', 'a++')] })), x(P, 'HeaderMatch.regex.pattern', '"a++"', 'possessive')],
  ['header regex unbalanced', () => canary(CanaryStep.headerRoute({ name: 'h', match: [HeaderMatch.regex('x-user', '(a')] })), x(P, 'HeaderMatch.regex.pattern', '"(a"', 'completions')],
  ['mirror name invalid', () => canary(CanaryStep.mirrorRoute({ name: 'Mirror', percentage: 10 })), x(P, 'CanaryStep.mirrorRoute.name', '"Mirror"', 'mirror')],
  ['mirror percentage 0', () => canary(CanaryStep.mirrorRoute({ name: 'm', percentage: 0 })), x(P, 'CanaryStep.mirrorRoute.percentage', '0', 'percentage: 10')],
  ['mirror percentage -5', () => canary(CanaryStep.mirrorRoute({ name: 'm', percentage: -5 })), x(P, 'CanaryStep.mirrorRoute.percentage', '-5', 'percentage: 10')],
  ['mirror percentage 101', () => canary(CanaryStep.mirrorRoute({ name: 'm', percentage: 101 })), x(P, 'CanaryStep.mirrorRoute.percentage', '101', 'percentage: 10')],
  ['mirror percentage NaN', () => canary(CanaryStep.mirrorRoute({ name: 'm', percentage: NaN })), x(P, 'CanaryStep.mirrorRoute.percentage', 'NaN', 'percentage: 10')],
  ['mirror pathPrefix relative', () => canary(CanaryStep.mirrorRoute({ name: 'm', percentage: 10, pathPrefix: 'v1' })), x(P, 'CanaryStep.mirrorRoute.pathPrefix', '"v1"', "'/v1/'")],
  ['removeMirrorRoute name invalid', () => canary(CanaryStep.removeMirrorRoute('')), x(P, 'CanaryStep.removeMirrorRoute.name', '""', 'mirror')],
]));

const routed = (trafficRouter: TrafficRouter) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Rollout', { service: svc, trafficRouter, steps: [CanaryStep.weight(100)] });
};

describe('traffic routers and Prometheus settings', () => census([
  ['istio host with scheme', () => routed(TrafficRouter.istio({ hosts: ['https://llm.example.com'] })), x(P, 'TrafficRouter.istio.hosts[0]', '"https://llm.example.com"', 'llm.example.com')],
  ['istio host with port', () => routed(TrafficRouter.istio({ hosts: ['llm:8000'] })), x(P, 'TrafficRouter.istio.hosts[0]', '"llm:8000"', 'llm.example.com')],
  ['istio host uppercase', () => routed(TrafficRouter.istio({ hosts: ['LLM'] })), x(P, 'TrafficRouter.istio.hosts[0]', '"LLM"', 'llm.example.com')],
  ['istio gateway with two slashes', () => routed(TrafficRouter.istio({ gateways: ['a/b/c'] })), x(P, 'TrafficRouter.istio.gateways[0]', '"a/b/c"', 'istio-ingress/public')],
  ['istio gateway empty', () => routed(TrafficRouter.istio({ gateways: [''] })), x(P, 'TrafficRouter.istio.gateways[0]', '""', 'istio-ingress/public')],
  ['gateway name empty', () => routed(TrafficRouter.gatewayApi({ gatewayName: '' })), x(P, 'TrafficRouter.gatewayApi.gatewayName', '""', 'public-gateway')],
  ['gateway name uppercase', () => routed(TrafficRouter.gatewayApi({ gatewayName: 'Public' })), x(P, 'TrafficRouter.gatewayApi.gatewayName', '"Public"', 'public-gateway')],
  ['gateway namespace invalid', () => routed(TrafficRouter.gatewayApi({ gatewayName: 'gw', gatewayNamespace: 'gateway.system' })),
    x(P, 'TrafficRouter.gatewayApi.gatewayNamespace', '"gateway.system"', 'gateway-system')],
  ['gateway hostname IP', () => routed(TrafficRouter.gatewayApi({ gatewayName: 'gw', hostnames: ['10.0.0.1'] })), x(P, 'TrafficRouter.gatewayApi.hostnames[0]', '"10.0.0.1"', 'llm.example.com')],
  ['gateway hostname with port', () => routed(TrafficRouter.gatewayApi({ gatewayName: 'gw', hostnames: ['llm.example.com:443'] })),
    x(P, 'TrafficRouter.gatewayApi.hostnames[0]', '"llm.example.com:443"', 'llm.example.com')],
  ['prometheus address without scheme', () => PrometheusSettings.configure(Testing.chart(), { address: 'prometheus:9090' }),
    x('test', 'PrometheusSettings.address', '"prometheus:9090"', 'prometheus-operated')],
  ['prometheus hash label with dash', () => PrometheusSettings.configure(Testing.chart(), { podTemplateHashLabel: 'pod-template-hash' }),
    x('test', 'PrometheusSettings.podTemplateHashLabel', '"pod-template-hash"', "'team'")],
  ['prometheus namespace label reserved', () => PrometheusSettings.configure(Testing.chart(), { namespaceLabel: '__namespace' }),
    x('test', 'PrometheusSettings.namespaceLabel', '"__namespace"', "'team'")],
]));

describe('duplicate objects anywhere in the app', () => {
  test('two services with one name in one chart are reported with both construct paths', () => {
    const { chart } = service({ name: 'llm' });
    new GpuModelService(chart, 'Again', { name: 'llm', model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM });
    expect(() => Testing.synth(chart)).toThrow(/\[test\] Deployment: is a duplicate object: test\/Svc\/.* and test\/Again\/.* both render apps\/v1 Deployment \/llm \(got "llm"\)\. Fix: give one of them another name/);
  });
});

describe('duplicate objects from library constructs', () => {
  test('two analysis steps with one name render one AnalysisTemplate name twice', () => {
    const { chart, svc } = service({ name: 'llm' });
    const gates = [Gate.errorRate({ maxRatio: 0.01 })];
    new CanaryRollout(chart, 'Rollout', {
      service: svc,
      steps: [CanaryStep.weight(20), CanaryStep.analysis({ gates, name: 'check' }), CanaryStep.weight(50), CanaryStep.analysis({ gates, name: 'check' }), CanaryStep.weight(100)],
    });
    expect(() => Testing.synth(chart)).toThrow(/AnalysisTemplate: is a duplicate object: test\/Rollout\/\S+ and test\/Rollout\/\S+ both render argoproj.io\/v1alpha1 AnalysisTemplate \S*\/llm-check/);
  });

  test('two ValidationJobs of one service render one ConfigMap and AnalysisTemplate name twice', () => {
    const { chart, svc } = service({ name: 'llm' });
    const props = { service: svc, image: `ghcr.io/acme/eval@sha256:${'a'.repeat(64)}`, dataset: { uri: 's3://evals/v1/' }, checks: [ValidationCheck.quality({ metric: 'f1', threshold: 0.8 })] };
    new ValidationJob(chart, 'Quality', props);
    new ValidationJob(chart, 'Again', props);
    expect(() => Testing.synth(chart)).toThrow(/ConfigMap: is a duplicate object: test\/Quality\/Config and test\/Again\/Config both render v1 ConfigMap \/llm-validation/);
    expect(() => Testing.synth(chart)).toThrow(/AnalysisTemplate: is a duplicate object: test\/Quality\/Resource and test\/Again\/Resource/);
  });

  test('objects in two charts of one app with one namespace and name', () => {
    const app = Testing.app();
    for (const id of ['a', 'b']) {
      const chart = new Chart(app, id, { namespace: 'ml' });
      new GpuModelService(chart, 'Svc', { name: 'llm', model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM });
    }
    expect(() => app.synth()).toThrow(/Service: is a duplicate object: a\/Svc\/\S+ and b\/Svc\/\S+ both render v1 Service ml\/llm/);
  });

  test('a duplicate added after a synth is found by the next synth', () => {
    const { chart } = service({ name: 'llm' });
    expect(() => Testing.synth(chart)).not.toThrow();
    new GpuModelService(chart, 'Later', { name: 'llm', model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM });
    expect(() => Testing.synth(chart)).toThrow(/Deployment: is a duplicate object: test\/Svc\/\S+ and test\/Later\/\S+/);
  });

  test('the same name in two namespaces is no duplicate', async () => {
    const app = Testing.app();
    for (const ns of ['ml-a', 'ml-b']) {
      const chart = new Chart(app, ns, { namespace: ns });
      new GpuModelService(chart, 'Svc', { name: 'llm', model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM });
    }
    await expectConformant(app);
  });
});

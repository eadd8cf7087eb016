import { App, Chart, Testing, YamlOutputType } from 'cdk8s';
import {
  Accelerator, BlueGreenRollout, CanaryRollout, CanaryStep, GpuModelService, GpuModelServiceProps, MeshMode, ModelDeliveryPipeline,
  ModelDeliveryPipelineProps, ModelRuntime, ModelSource, NetworkPeer, TrafficRouter, ValidationCheck, ValidationJob,
} from '../../src';
import { expectConformant } from '../conformance';
import { serverPods } from './flows';
import { admitted, Cluster, Pod, Source } from './netpol-evaluator';
import { bound } from '../inputs/bind';
import { hfSource } from '../serving/helpers';

const NS = 'llm';
const EVALUATOR = { image: 'ghcr.io/acme/eval@sha256:' + 'e'.repeat(64), dataset: { uri: 's3://eval/v1/' }, checks: [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 })] };

function chart(): Chart {
  return new Chart(Testing.app(), 'c', { namespace: NS });
}

function model(scope: Chart, props: Partial<GpuModelServiceProps> = {}): GpuModelService {
  return new GpuModelService(scope, 'Svc', { name: 'llama', model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM, ...props });
}

/** A canary behind `router`, validating one pod before traffic; only the known flows, no named clients. */
function canary(router: TrafficRouter, mesh?: MeshMode): any[] {
  const c = chart();
  const svc = model(c, { networkPolicy: { clients: [], mesh } });
  const job = new ValidationJob(c, 'Validation', { ...EVALUATOR, service: svc });
  new CanaryRollout(c, 'Rollout', { service: svc, trafficRouter: router, steps: [...CanaryStep.validateBeforeTraffic(job), CanaryStep.weight(50), CanaryStep.weight(100)] });
  return Testing.synth(c);
}

const pod = (namespace: string, labels: Record<string, string> = {}): Source => ({ pod: { namespace, labels } });
const INGRESS = pod('istio-system', { istio: 'ingressgateway', app: 'istio-ingressgateway' });
const EVALUATOR_POD = pod(NS, { 'app.kubernetes.io/name': 'llama-validation', 'app.kubernetes.io/instance': 'llama-validation', 'app.kubernetes.io/component': 'validation' });
const PROMETHEUS = pod('monitoring', { 'app.kubernetes.io/name': 'prometheus' });
const NEIGHBOUR = pod(NS, { app: 'batch-job' });
const UNRELATED = pod('unrelated', { istio: 'ingressgateway' });
const PROBE_V4: Source = { ip: '169.254.7.127' };
const PROBE_V6: Source = { ip: 'fd16:9254:7127:1337:ffff:ffff:ffff:ffff' };

function verdict(docs: any[], source: Source, port: number): boolean {
  const cluster: Cluster = { policies: docs.filter(d => d.kind === 'NetworkPolicy') };
  const targets: Pod[] = serverPods(docs);
  expect(targets).toHaveLength(1);
  return admitted(cluster, { source, target: targets[0], port });
}

describe.each([MeshMode.NONE, MeshMode.ISTIO_SIDECAR, MeshMode.ISTIO_AMBIENT])('Istio ingress gateway canary, mesh %s', mesh => {
  const docs = canary(TrafficRouter.istio({ gateways: ['istio-system/llm-gateway'], hosts: ['llm.example.com'] }), mesh);
  const ambient = mesh === MeshMode.ISTIO_AMBIENT;
  const sidecar = mesh === MeshMode.ISTIO_SIDECAR;
  const meshed = ambient || sidecar;

  test('conformant, and no rule has an empty from (which would admit everyone)', async () => {
    await expectConformant(docs, { sampleArgs: { 'namespace': NS, 'candidate-service': 'llama-canary', 'canary-hash': 'a', 'stable-hash': 'b' } });
    const rules = docs.find(d => d.kind === 'NetworkPolicy').spec.ingress;
    for (const r of rules) expect(r.from.length).toBeGreaterThan(0);
  });

  test.each([
    ['the ingress gateway to the inference port', INGRESS, 8000, true],
    ['the ingress gateway over HBONE', INGRESS, 15008, meshed],
    ['the ingress gateway to Envoy\'s metrics', INGRESS, 15090, false],
    ['the validation evaluator to the inference port', EVALUATOR_POD, 8000, true],
    ['the validation evaluator over HBONE', EVALUATOR_POD, 15008, meshed],
    ['Prometheus to the metrics port', PROMETHEUS, 8000, true],
    ['Prometheus to the merged metrics', PROMETHEUS, 15020, sidecar],
    ['Prometheus to Envoy', PROMETHEUS, 15090, sidecar],
    ['kubelet probes from the node', { node: true } as Source, 8000, true],
    ['kubelet probes SNATed by ambient (IPv4)', PROBE_V4, 8000, ambient],
    ['kubelet probes SNATed by ambient (IPv6)', PROBE_V6, 8000, ambient],
    ['the probe source to another port', PROBE_V4, 15090, false],
    ['a neighbour pod when no client is named', NEIGHBOUR, 8000, false],
    ['an unrelated namespace to the inference port', UNRELATED, 8000, false],
    ['an unrelated namespace over HBONE', UNRELATED, 15008, false],
    ['an unrelated namespace to the merged metrics', UNRELATED, 15020, false],
  ])('%s', (_name, source, port, expected) => {
    expect(verdict(docs, source, port)).toBe(expected);
  });
});

describe('Gateway API data plane', () => {
  test('by default the GEP-1762 gateway pods, in the service\'s namespace when gatewayNamespace is unset', () => {
    const docs = canary(TrafficRouter.gatewayApi({ gatewayName: 'edge' }));
    expect(verdict(docs, pod(NS, { 'gateway.networking.k8s.io/gateway-name': 'edge' }), 8000)).toBe(true);
    expect(verdict(docs, pod(NS, { 'gateway.networking.k8s.io/gateway-name': 'other' }), 8000)).toBe(false);
    expect(verdict(docs, pod('gateway', { 'gateway.networking.k8s.io/gateway-name': 'edge' }), 8000)).toBe(false);
  });

  test('a named data plane replaces the default: Envoy Gateway\'s proxies in its controller namespace, or a load balancer\'s range', () => {
    const envoy = canary(TrafficRouter.gatewayApi({
      gatewayName: 'edge',
      gatewayNamespace: 'gateway',
      dataPlane: NetworkPeer.pods({ namespace: 'envoy-gateway-system', labels: { 'gateway.envoyproxy.io/owning-gateway-name': 'edge' } }),
    }));
    expect(verdict(envoy, pod('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'edge' }), 8000)).toBe(true);
    expect(verdict(envoy, pod('gateway', { 'gateway.networking.k8s.io/gateway-name': 'edge' }), 8000)).toBe(false);
    const lb = canary(TrafficRouter.gatewayApi({ gatewayName: 'edge', dataPlane: NetworkPeer.ipBlock('35.191.0.0/16') }));
    expect(verdict(lb, { ip: '35.191.3.4' }, 8000)).toBe(true);
    expect(verdict(lb, { ip: '10.0.0.1' }, 8000)).toBe(false);
  });
});

test('Istio mesh-only routing adds no gateway: the clients\' own sidecars route', () => {
  const docs = canary(TrafficRouter.istio({ gateways: ['mesh'] }));
  expect(verdict(docs, INGRESS, 8000)).toBe(false);
  expect(verdict(docs, EVALUATOR_POD, 8000)).toBe(true);
});

test('blue-green: the evaluator of a pre-promotion validation reaches the preview pods, whatever the order of construction', () => {
  const c = chart();
  const svc = model(c, {
    model: ModelSource.s3({ uri: 's3://models/resnet/v1/', modelName: 'resnet', version: 'v1' }),
    runtime: ModelRuntime.triton(),
    accelerator: Accelerator.L4,
    networkPolicy: { clients: [] },
  });
  // The rollout references the job before the job's own flows exist: the policy is rendered when the tree is complete.
  const job = new ValidationJob(c, 'Validation', { ...EVALUATOR, service: svc });
  new BlueGreenRollout(c, 'Rollout', { service: svc, prePromotionAnalysis: { templates: [job] } });
  const docs = Testing.synth(c);
  expect(verdict(docs, EVALUATOR_POD, 8000)).toBe(true);
  expect(verdict(docs, EVALUATOR_POD, 8001)).toBe(false);
  expect(verdict(docs, PROMETHEUS, 8002)).toBe(true);
  expect(verdict(docs, PROMETHEUS, 8000)).toBe(false);
});

test('named clients: a namespace, pods of a namespace, labelled namespaces; everything else refused', () => {
  const c = chart();
  model(c, {
    networkPolicy: {
      clients: [
        NetworkPeer.namespace('apps'),
        NetworkPeer.pods({ namespace: 'web', labels: { role: 'frontend' } }),
        NetworkPeer.pods({ labels: { role: 'batch' } }),
        NetworkPeer.namespacesLabelled({ team: 'ml' }),
      ],
      metricsScrapers: [NetworkPeer.pods({ namespace: 'observability', labels: { 'app.kubernetes.io/name': 'prometheus' } })],
    },
  });
  const docs = Testing.synth(c);
  const cluster: Cluster = { policies: docs.filter(d => d.kind === 'NetworkPolicy'), namespaceLabels: { research: { team: 'ml' } } };
  const target = serverPods(docs)[0];
  const ok = (source: Source, port = 8000) => admitted(cluster, { source, target, port });
  expect(ok(pod('apps', { any: 'x' }))).toBe(true);
  expect(ok(pod('web', { role: 'frontend' }))).toBe(true);
  expect(ok(pod('web', { role: 'backend' }))).toBe(false);
  expect(ok(pod(NS, { role: 'batch' }))).toBe(true);
  expect(ok(pod(NS, { role: 'other' }))).toBe(false);
  expect(ok(pod('research'))).toBe(true);
  expect(ok(pod('observability', { 'app.kubernetes.io/name': 'prometheus' }))).toBe(true);
  expect(ok(PROMETHEUS)).toBe(false);
  expect(ok(pod('unrelated'))).toBe(false);
});

describe('bad input is refused at synth', () => {
  test.each([
    ['a namespace that is no DNS label', () => bound(NetworkPeer.namespace('Team_A')), /NetworkPeer.namespace: must be a namespace name/],
    ['a pod peer\'s namespace', () => bound(NetworkPeer.pods({ namespace: 'a.b' })), /NetworkPeer.pods.namespace: must be a namespace name/],
    ['an invalid label key', () => bound(NetworkPeer.pods({ labels: { 'bad key': 'x' } })), /NetworkPeer.pods.labels: is not a valid label/],
    ['an invalid label value', () => bound(NetworkPeer.pods({ labels: { app: 'has space' } })), /is not a valid label/],
    ['namespaces selected by no label (every namespace)', () => bound(NetworkPeer.namespacesLabelled({})), /NetworkPeer.namespacesLabelled: is empty, so it would select every namespace/],
    ['an address without a prefix length', () => bound(NetworkPeer.ipBlock('10.0.0.1')), /NetworkPeer.ipBlock: must be a CIDR block/],
    ['an IPv4 octet out of range', () => bound(NetworkPeer.ipBlock('300.0.0.0/8')), /must be a CIDR block/],
    ['a bad except', () => bound(NetworkPeer.ipBlock('10.0.0.0/8', ['10.1.0.0'])), /NetworkPeer.ipBlock.except: must be a CIDR block/],
    ['an Istio ingress gateway without a gateway', () => bound(TrafficRouter.istio({ ingressGateway: NetworkPeer.namespace('istio-ingress') })),
      /ingressGateway: is set, but the VirtualService binds to no gateway.*Fix: add the Gateway to gateways/],
    ['an Istio ingress gateway with the mesh only', () => bound(TrafficRouter.istio({ gateways: ['mesh'], ingressGateway: NetworkPeer.namespace('istio-ingress') })),
      /binds to no gateway/],
    ['no metrics scraper', () => model(chart(), { networkPolicy: { metricsScrapers: [] } }),
      /\[c\/Svc\] networkPolicy.metricsScrapers: is empty, so nothing could scrape the metrics.*Fix: name where Prometheus runs/],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });
});

describe('ModelDeliveryPipeline: staging admits production\'s PreSync hook, and only it', () => {
  const build = (overrides: Partial<ModelDeliveryPipelineProps> = {}) => {
    const app = new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
    const steps = [CanaryStep.weight(100)];
    const p = new ModelDeliveryPipeline(app, 'llama', {
      service: { name: 'llama', model: hfSource(), runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.11.0@sha256:' + 'b'.repeat(64) }), accelerator: Accelerator.H100_SXM },
      trafficRouter: TrafficRouter.istio(),
      validation: EVALUATOR,
      staging: { namespace: 'llm-staging', steps },
      production: { namespace: 'llm', steps },
      gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'out' },
      ...overrides,
    });
    const staging = Testing.synth(p.staging);
    const hook = Testing.synth(p.production).find(d => d.kind === 'Job');
    return { staging, hook };
  };
  const hookPod = (hook: any): Source => ({ pod: { namespace: hook.metadata.namespace, labels: hook.spec.template.metadata.labels } });

  test('same cluster: the hook\'s pods reach staging, no other pod of production\'s namespace does', () => {
    const { staging, hook } = build();
    expect(verdict(staging, hookPod(hook), 8000)).toBe(true);
    expect(verdict(staging, pod('llm', { 'app.kubernetes.io/name': 'llama' }), 8000)).toBe(false);
  });

  test('staging in another cluster: the hook validates in process, and staging admits nothing from production', () => {
    const base = { namespace: 'llm-staging', steps: [CanaryStep.weight(100)], destinationServer: 'https://staging.example.com' };
    const { staging, hook } = build({ staging: base });
    expect(hook.spec.template.spec.containers[0].env.some((e: any) => e.name === 'MLOPS_ENDPOINT')).toBe(false);
    expect(verdict(staging, hookPod(hook), 8000)).toBe(false);
    expect(JSON.stringify(staging.find(d => d.kind === 'NetworkPolicy').spec)).not.toContain('"llm"');
  });

  test('validation waived: no hook, nothing from production', () => {
    const { staging, hook } = build({ validation: undefined, validationWaiver: 'emergency rollback of a known-good version' });
    expect(hook).toBeUndefined();
    expect(JSON.stringify(staging.find(d => d.kind === 'NetworkPolicy').spec)).not.toContain('"llm"');
  });
});

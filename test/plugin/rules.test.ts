/**
 * Each rule of the validation plugin on hand-written objects (one bad input per row, and the fixed
 * object passing), and every example chart of the library passing all rules.
 */
import { App, Chart } from 'cdk8s';
import { ClassifierBlueGreenChart } from '../../examples/classifier-blue-green';
import { ClassifierChart } from '../../examples/classifier-l4-triton';
import { Llama70bAbChart } from '../../examples/llama-70b-ab';
import { Llama70bCanaryChart } from '../../examples/llama-70b-canary';
import { Llama70bShadowChart } from '../../examples/llama-70b-shadow';
import { Llama70bChart } from '../../examples/llama-70b-vllm';
import { MigEmbeddingsChart } from '../../examples/mig-embeddings';
import { MlopsValidation, MlopsViolation } from '../../src/plugin';
import { KubeObject } from '../../src/plugin/manifest';
import { findings, RuleOptions } from '../../src/plugin/rules';
import { expectConformant } from '../conformance';

const DIGEST = 'vllm/vllm-openai@sha256:' + 'a'.repeat(64);

/** A GPU Deployment that passes every rule; rows break one field each. */
function gpuDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'vllm', namespace: 'llm' },
    spec: {
      selector: { matchLabels: { app: 'vllm' } },
      template: {
        metadata: { labels: { app: 'vllm' } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          volumes: [{ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } }],
          containers: [{
            name: 'vllm',
            image: DIGEST,
            args: ['--tensor-parallel-size', '2'],
            ports: [{ name: 'http', containerPort: 8000 }],
            resources: { limits: { 'nvidia.com/gpu': 2 } },
            volumeMounts: [{ name: 'shm', mountPath: '/dev/shm' }],
            readinessProbe: { httpGet: { path: '/health', port: 8000 } },
            livenessProbe: { httpGet: { path: '/health', port: 8000 } },
            startupProbe: { httpGet: { path: '/health', port: 8000 }, periodSeconds: 10, failureThreshold: 60 },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          }],
        },
      },
    },
  };
}

const DEFAULTS: RuleOptions = { minStartupSeconds: 600, requireDigests: false, istioGatewayNamespace: 'istio-system', disabledRules: [] };

function check(objects: KubeObject[], options: Partial<RuleOptions> = {}) {
  return findings(objects.map(object => ({ object, manifestPath: 'app.k8s.yaml' })), { ...DEFAULTS, ...options })
    .map(f => ({ rule: f.rule, field: f.field }));
}

/** Applies `edit` to the pod spec of a fresh GPU Deployment. */
function editPod(edit: (pod: KubeObject, container: KubeObject) => void): KubeObject {
  const d = gpuDeployment();
  edit(d.spec.template.spec, d.spec.template.spec.containers[0]);
  return d;
}

const POD = 'spec.template.spec';
const C0 = `${POD}.containers[0]`;

test('the reference GPU Deployment passes every rule', () => {
  expect(check([gpuDeployment()])).toEqual([]);
});

test.each([
  ['no toleration', (p: KubeObject) => { delete p.tolerations; }, 'gpu-taint-toleration', `${POD}.tolerations`],
  ['toleration of another taint', (p: KubeObject) => { p.tolerations = [{ key: 'dedicated', operator: 'Exists' }]; }, 'gpu-taint-toleration', `${POD}.tolerations`],
  ['no product selection', (p: KubeObject) => { delete p.nodeSelector; }, 'gpu-product-selection', `${POD}.nodeSelector`],
  ['an affinity term without the product', (p: KubeObject) => {
    delete p.nodeSelector;
    p.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'nvidia.com/gpu.product', operator: 'In', values: ['x'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
  }, 'gpu-product-selection', `${POD}.nodeSelector`],
  ['TP 2 without /dev/shm', (_: KubeObject, c: KubeObject) => { delete c.volumeMounts; }, 'gpu-shared-memory', `${C0}.volumeMounts`],
  ['TP 2 with a disk-backed /dev/shm', (p: KubeObject) => { p.volumes = [{ name: 'shm', emptyDir: {} }]; }, 'gpu-shared-memory', `${C0}.volumeMounts`],
  ['no readiness probe', (_: KubeObject, c: KubeObject) => { delete c.readinessProbe; }, 'gpu-probes', `${C0}.readinessProbe`],
  ['a 5-minute startup budget', (_: KubeObject, c: KubeObject) => { c.startupProbe.failureThreshold = 30; }, 'gpu-startup-budget', `${C0}.startupProbe`],
  ['liveness without a startup probe', (_: KubeObject, c: KubeObject) => { delete c.startupProbe; }, 'gpu-startup-budget', `${C0}.livenessProbe`],
  ['an image without tag', (_: KubeObject, c: KubeObject) => { c.image = 'vllm/vllm-openai'; }, 'gpu-pinned-images', `${C0}.image`],
  ['an init container on latest', (p: KubeObject) => { p.initContainers = [{ name: 'dl', image: 'busybox:latest', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }]; }, 'gpu-pinned-images', `${POD}.initContainers[0].image`],
  ['allowPrivilegeEscalation unset', (_: KubeObject, c: KubeObject) => { delete c.securityContext.allowPrivilegeEscalation; }, 'pod-security-restricted', `${C0}.securityContext.allowPrivilegeEscalation`],
  ['runAsNonRoot unset', (p: KubeObject) => { delete p.securityContext.runAsNonRoot; }, 'pod-security-restricted', `${C0}.securityContext.runAsNonRoot`],
  ['UID 0', (p: KubeObject) => { p.securityContext.runAsUser = 0; }, 'pod-security-restricted', `${POD}.securityContext.runAsUser`],
  ['no seccomp profile', (p: KubeObject) => { delete p.securityContext.seccompProfile; }, 'pod-security-restricted', `${C0}.securityContext.seccompProfile`],
  ['Unconfined seccomp', (p: KubeObject) => { p.securityContext.seccompProfile.type = 'Unconfined'; }, 'pod-security-restricted', `${POD}.securityContext.seccompProfile.type`],
  ['capabilities not dropped', (_: KubeObject, c: KubeObject) => { delete c.securityContext.capabilities; }, 'pod-security-restricted', `${C0}.securityContext.capabilities.drop`],
  ['SYS_ADMIN added', (_: KubeObject, c: KubeObject) => { c.securityContext.capabilities.add = ['SYS_ADMIN']; }, 'pod-security-restricted', `${C0}.securityContext.capabilities.add`],
  ['privileged', (_: KubeObject, c: KubeObject) => { c.securityContext.privileged = true; }, 'pod-security-restricted', `${C0}.securityContext.privileged`],
  ['a hostPath volume', (p: KubeObject) => { p.volumes.push({ name: 'models', hostPath: { path: '/models' } }); }, 'pod-security-restricted', `${POD}.volumes[1].hostPath`],
  ['hostNetwork', (p: KubeObject) => { p.hostNetwork = true; }, 'pod-security-restricted', `${POD}.hostNetwork`],
  ['a hostPort', (_: KubeObject, c: KubeObject) => { c.ports[0].hostPort = 8000; }, 'pod-security-restricted', `${C0}.ports[0].hostPort`],
])('%s', (_name, edit, rule, field) => {
  expect(check([editPod(edit)])).toEqual([{ rule, field }]);
});

test('GPU rules ignore pods without GPUs; TP 1 needs no /dev/shm; digests can be required', () => {
  const cpu = editPod((p, c) => { delete c.resources; delete p.tolerations; delete p.nodeSelector; delete c.startupProbe; });
  expect(check([cpu])).toEqual([]);
  expect(check([editPod((_, c) => { c.args = []; c.resources.limits['nvidia.com/gpu'] = 1; delete c.volumeMounts; })])).toEqual([]);
  expect(check([editPod((_, c) => { c.image = 'vllm/vllm-openai:v0.9.2'; })])).toEqual([]);
  expect(check([editPod((_, c) => { c.image = 'vllm/vllm-openai:v0.9.2'; })], { requireDigests: true })).toEqual([{ rule: 'gpu-pinned-images', field: `${C0}.image` }]);
  expect(check([editPod((_, c) => { c.startupProbe.failureThreshold = 30; })], { minStartupSeconds: 300 })).toEqual([]);
  expect(check([editPod((_, c) => { delete c.readinessProbe; })], { disabledRules: ['gpu-probes'] })).toEqual([]);
});

test('a MIG slice and pods of every workload kind are checked', () => {
  const mig = editPod((_, c) => { c.resources.limits = { 'nvidia.com/mig-1g.10gb': 1 }; c.args = []; delete c.volumeMounts; });
  expect(check([mig])).toEqual([]);
  const template = gpuDeployment().spec.template;
  delete template.spec.tolerations;
  const kinds: Array<[string, KubeObject, string]> = [
    ['Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: template.spec }, 'spec.tolerations'],
    ['CronJob', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template } } } }, 'spec.jobTemplate.spec.template.spec.tolerations'],
    ['Rollout', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { template } }, 'spec.template.spec.tolerations'],
    ['LeaderWorkerSet', { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', metadata: { name: 'l' }, spec: { leaderWorkerTemplate: { workerTemplate: template } } }, 'spec.leaderWorkerTemplate.workerTemplate.spec.tolerations'],
  ];
  for (const [, object, field] of kinds) expect(check([object])).toEqual([{ rule: 'gpu-taint-toleration', field }]);
});

describe('analysis conditions', () => {
  const template = (metric: KubeObject): KubeObject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'gate' },
    spec: { metrics: [{ name: 'm', provider: { prometheus: { address: 'http://p:9090', query: 'q' } }, ...metric }] },
  });
  test.each([
    ['only failureCondition', { failureCondition: 'result[0] > 1' }],
    ['no condition', {}],
    ['len(result) == 0 || …', { successCondition: 'len(result) == 0 || result[0] < 1', failureCondition: 'result[0] >= 1' }],
    ['isNaN(…) or …', { successCondition: 'isNaN(result[0]) or result[0] < 1', failureCondition: 'result[0] >= 1' }],
  ])('%s passes without data', (_name, metric) => {
    expect(check([template(metric)])).toEqual([{ rule: 'analysis-passes-without-data', field: 'spec.metrics[0].successCondition' }]);
  });
  test.each([
    ['guarded conditions', { successCondition: 'len(result) > 0 && result[0] <= 1', failureCondition: 'len(result) > 0 && result[0] > 1' }],
    ['only successCondition (no data fails)', { successCondition: 'result[0] <= 1' }],
    ['the job provider', { provider: { job: { spec: {} } } }],
  ])('%s is accepted', (_name, metric) => {
    expect(check([template(metric)])).toEqual([]);
  });
});

describe('NetworkPolicies and a router data plane', () => {
  const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'vllm', namespace: 'llm' }, spec: { selector: { app: 'vllm' }, ports: [{ port: 80, targetPort: 'http' }] } };
  const vs: KubeObject = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'vllm', namespace: 'llm' },
    spec: { hosts: ['llm.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host: 'vllm', port: { number: 80 } } }] }] },
  };
  const route: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'vllm', namespace: 'llm' },
    spec: { parentRefs: [{ name: 'public', namespace: 'gateways' }], rules: [{ backendRefs: [{ name: 'vllm', port: 80 }] }] },
  };
  const policy = (ingress: KubeObject[]): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'vllm', namespace: 'llm' },
    spec: { podSelector: { matchLabels: { app: 'vllm' } }, policyTypes: ['Ingress'], ingress },
  });
  const fromNs = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });
  const port8000 = [{ port: 8000, protocol: 'TCP' }];
  const blocked = [{ rule: 'network-policy-blocks-router', field: 'spec.ingress' }];

  test.each([
    ['Istio gateway, same-namespace only', vs, [{ from: [{ podSelector: {} }], ports: port8000 }], blocked],
    ['Istio gateway admitted on the wrong port', vs, [{ from: [fromNs('istio-system')], ports: [{ port: 9000 }] }], blocked],
    ['Istio gateway admitted', vs, [{ from: [fromNs('istio-system')], ports: port8000 }], []],
    ['Istio gateway admitted by port name', vs, [{ from: [fromNs('istio-system')], ports: [{ port: 'http' }] }], []],
    ['every source admitted', vs, [{ ports: port8000 }], []],
    ['Gateway API gateway in another namespace blocked', route, [{ from: [fromNs('istio-system')] }], blocked],
    ['Gateway API gateway admitted', route, [{ from: [fromNs('gateways')] }], []],
    ['a deny-all policy', vs, [], blocked],
  ])('%s', (_name, router, ingress, expected) => {
    expect(check([gpuDeployment(), service, router, policy(ingress)])).toEqual(expected);
  });

  test('mesh-only VirtualServices and Egress-only policies are not router paths', () => {
    const mesh = { ...vs, spec: { ...vs.spec, gateways: undefined } };
    expect(check([gpuDeployment(), service, mesh, policy([])])).toEqual([]);
    const egress = policy([]);
    egress.spec.policyTypes = ['Egress'];
    expect(check([gpuDeployment(), service, vs, egress])).toEqual([]);
  });
});

test('validate() reports through the context and submits failure, or success without findings', async () => {
  const run = async (objects: KubeObject[], props = {}) => {
    const violations: MlopsViolation[] = [];
    const submitted: string[] = [];
    await new MlopsValidation(props).validate({
      manifests: ['a.yaml'],
      parseManifest: () => objects,
      report: { addViolation: v => violations.push(v), submit: status => submitted.push(status) },
    });
    return { violations, submitted };
  };
  const bad = await run([editPod(p => { delete p.tolerations; })]);
  expect(bad.submitted).toEqual(['failure']);
  expect(bad.violations).toEqual([{
    ruleName: 'gpu-taint-toleration',
    recommendation: 'Deployment vllm: GPU pod does not tolerate the nvidia.com/gpu:NoSchedule taint, so it stays Pending on tainted GPU nodes (GKE taints them)',
    fix: 'add a toleration { key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }',
    violatingResources: [{ resourceName: 'vllm', locations: [`${POD}.tolerations`], manifestPath: 'a.yaml' }],
  }]);
  expect(await run([gpuDeployment()])).toEqual({ violations: [], submitted: ['success'] });
  // Properties reach the rules.
  expect(await run([editPod(p => { delete p.tolerations; })], { disabledRules: ['gpu-taint-toleration'] })).toEqual({ violations: [], submitted: ['success'] });
});

test('an unknown rule name in disabledRules is refused', () => {
  expect(() => new MlopsValidation({ disabledRules: ['gpu-probe'] })).toThrow(/^\[MlopsValidation\] disabledRules: unknown rule \(got gpu-probe\)\. Fix: use rule names from gpu-taint-toleration/);
});

test('every example chart of the library passes every rule', async () => {
  // One app per example: several deploy llama-70b into namespace llm, which one app refuses as duplicate objects.
  const charts: Chart[] = [
    new Llama70bChart(new App(), 'vllm'), new Llama70bCanaryChart(new App(), 'canary'), new Llama70bShadowChart(new App(), 'shadow'),
    new Llama70bAbChart(new App(), 'ab'), new ClassifierChart(new App(), 'classifier'), new ClassifierBlueGreenChart(new App(), 'blue-green'),
    new MigEmbeddingsChart(new App(), 'mig'),
  ];
  // The A/B example routes through a Gateway in namespace `gateway`: its NetworkPolicy admits that gateway's pods.
  for (const chart of charts) {
    const objects = await expectConformant(chart);
    const found = check(objects as KubeObject[]);
    expect({ chart: chart.node.id, found }).toEqual({ chart: chart.node.id, found: [] });
  }
});

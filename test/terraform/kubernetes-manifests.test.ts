import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { ApiObject, App as Cdk8sApp, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { App, TerraformStack } from 'cdktf';
import { Llama70bTerraformStack } from '../../examples/llama-70b-terraform';
import { Accelerator, BlueGreenRollout, CanaryRollout, CanaryStep, Gate, GpuModelService, ModelRuntime, TrafficRouter } from '../../src';
import { ScaledObject } from '../../src/imports/scaledobject-keda.sh';
import { ServiceMonitor } from '../../src/imports/servicemonitor-monitoring.coreos.com';
import { restrictedContainer, restrictedPod } from '../../src/internal/security';
import { KubernetesManifests, KubernetesManifestsProps } from '../../src/terraform';
import { expectConformant } from '../conformance';
import { hfSource, service } from '../serving/helpers';

type TfJson = Record<string, any>;

/** Synthesizes a cdktf app the way `cdktf synth` does (in-process, no terraform binary) and reads the stack's file. */
function synthStack(build: (app: App) => TerraformStack): TfJson {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mlops-tf-'));
  try {
    const app = new App({ outdir });
    const stack = build(app);
    app.synth();
    return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack.node.id, 'cdk.tf.json'), 'utf8'));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A stack with a provider and one KubernetesManifests for the given props. */
function manifestsOf(props: KubernetesManifestsProps): TfJson {
  return synthStack(app => {
    const stack = new TerraformStack(app, 'test');
    new KubernetesProvider(stack, 'kubernetes', {});
    new KubernetesManifests(stack, 'Manifests', props);
    return stack;
  });
}

const resourcesOf = (tf: TfJson): Record<string, any> => tf.resource.kubernetes_manifest;

/** What Terraform reads from a JSON string (keys included): `$${` and `%%{` are the escapes for literal `${` and `%{`. */
function asTerraformReads(value: any): any {
  if (typeof value === 'string') return value.replace(/([$%])\1\{/g, '$1{');
  if (Array.isArray(value)) return value.map(asTerraformReads);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [asTerraformReads(k), asTerraformReads(v)]));
  return value;
}

/** The resource whose manifest is the object of that kind and name. */
function resourceFor(tf: TfJson, kind: string, name: string): [string, any] {
  const found = Object.entries(resourcesOf(tf)).filter(([, r]) => r.manifest.kind === kind && r.manifest.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}

/** Everything a resource waits for, directly or not. */
function applyAfter(tf: TfJson, id: string): Set<string> {
  const seen = new Set<string>();
  const visit = (from: string) => {
    for (const dep of resourcesOf(tf)[from].depends_on ?? []) {
      const target = dep.replace(/^kubernetes_manifest\./, '');
      if (!seen.has(target)) {
        seen.add(target);
        visit(target);
      }
    }
  };
  visit(id);
  return seen;
}

function expectAppliedBefore(tf: TfJson, first: [string, string], then: [string, string]): void {
  const [firstId] = resourceFor(tf, ...first);
  const [thenId] = resourceFor(tf, ...then);
  expect({ [thenId]: applyAfter(tf, thenId).has(firstId) }).toEqual({ [thenId]: true });
}

/** A 70B-style canary (Istio, analysis steps) whose Rollout KEDA scales, scraped by a ServiceMonitor. */
function autoscaledCanary(): Chart {
  const chart = new Chart(new Cdk8sApp(), 'autoscaled', { namespace: 'llm' });
  const svc = new GpuModelService(chart, 'Svc', {
    name: 'llm',
    model: hfSource(),
    runtime: ModelRuntime.vllm(),
    accelerator: Accelerator.H100_SXM,
    replicas: 2,
    tensorParallelSize: 8,
  });
  const rollout = new CanaryRollout(chart, 'Canary', {
    service: svc,
    trafficRouter: TrafficRouter.istio(),
    steps: [CanaryStep.weight(50), CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 })] }), CanaryStep.weight(100)],
  });
  new ScaledObject(chart, 'Scaler', {
    metadata: { name: 'llm' },
    spec: {
      scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: rollout.name },
      minReplicaCount: 2,
      maxReplicaCount: 4,
      triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus:9090', query: 'sum(vllm:num_requests_waiting)', threshold: '10' } }],
    },
  });
  new ServiceMonitor(chart, 'Monitor', {
    metadata: { name: 'llm' },
    spec: { selector: { matchLabels: svc.selectorLabels }, endpoints: [{ port: 'http' }] },
  });
  return chart;
}

describe('the 70B canary through Terraform (examples/llama-70b-terraform.ts)', () => {
  let example: Llama70bTerraformStack;
  let tf: TfJson;
  let docs: any[];
  beforeAll(async () => {
    tf = synthStack(app => (example = new Llama70bTerraformStack(app, 'llama-70b')));
    docs = await expectConformant(example.chart);
  });

  test('one kubernetes_manifest per synthesized document', () => {
    expect(docs.length).toBeGreaterThan(5);
    expect(Object.keys(resourcesOf(tf))).toHaveLength(docs.length);
    expect(example.manifests.resources).toHaveLength(docs.length);
  });

  test('every manifest is its document unchanged', () => {
    for (const doc of docs) {
      const [, resource] = resourceFor(tf, doc.kind, doc.metadata.name);
      expect(asTerraformReads(resource.manifest)).toEqual(doc);
    }
  });

  test('cdk.tf.json is plain Terraform JSON: known top-level blocks, kubernetes_manifest resources, literal depends_on addresses', () => {
    // "//" keys are comments in Terraform's JSON syntax.
    expect(Object.keys(tf).filter(k => k !== '//').sort()).toEqual(['provider', 'resource', 'terraform']);
    expect(Object.keys(tf.resource)).toEqual(['kubernetes_manifest']);
    expect(tf.terraform.required_providers.kubernetes).toEqual({ source: 'kubernetes', version: expect.stringMatching(/^2\.\d+\.\d+$/) });
    expect(tf.terraform.backend).toEqual({ local: { path: 'terraform.tfstate' } });
    const ids = Object.keys(resourcesOf(tf));
    for (const [id, resource] of Object.entries(resourcesOf(tf))) {
      expect(id).toMatch(/^[a-z_][a-z0-9_-]*$/);
      for (const dep of resource.depends_on ?? []) {
        expect(dep).toMatch(/^kubernetes_manifest\.[a-z_][a-z0-9_-]*$/);
        expect(ids).toContain(dep.replace('kubernetes_manifest.', ''));
      }
    }
    // Nothing is left for cdktf to resolve, and no string starts a Terraform interpolation.
    const text = JSON.stringify(tf);
    expect(text).not.toContain('TfToken');
    expect(text.replace(/\$\$\{/g, '')).not.toContain('${');
  });

  test('resource names come from group, kind, namespace and name', () => {
    const rollout = docs.find(d => d.kind === 'Rollout');
    expect(resourceFor(tf, 'Rollout', rollout.metadata.name)[0]).toBe(`argoproj_io_rollout_llm_${rollout.metadata.name}`);
    expect(resourceFor(tf, 'Service', rollout.spec.strategy.canary.canaryService)[0]).toBe(`service_llm_${rollout.spec.strategy.canary.canaryService}`);
    expect(resourceFor(tf, 'ServiceAccount', rollout.spec.template.spec.serviceAccountName)[0])
      .toBe(`serviceaccount_llm_${rollout.spec.template.spec.serviceAccountName}`);
  });

  test('the Rollout is applied after every AnalysisTemplate, Service and VirtualService it names, and after its ServiceAccount', () => {
    const rollout = docs.find(d => d.kind === 'Rollout');
    const canary = rollout.spec.strategy.canary;
    const templates = JSON.stringify(canary).match(/"templateName":"[^"]+"/g)!.map(m => m.split('"')[3]);
    expect(new Set(templates).size).toBe(docs.filter(d => d.kind === 'AnalysisTemplate').length);
    const then: [string, string] = ['Rollout', rollout.metadata.name];
    for (const t of templates) expectAppliedBefore(tf, ['AnalysisTemplate', t], then);
    expectAppliedBefore(tf, ['Service', canary.canaryService], then);
    expectAppliedBefore(tf, ['Service', canary.stableService], then);
    expectAppliedBefore(tf, ['VirtualService', canary.trafficRouting.istio.virtualService.name], then);
    expectAppliedBefore(tf, ['ServiceAccount', rollout.spec.template.spec.serviceAccountName], then);
    // Nothing the Rollout needs waits for the Rollout.
    const [rolloutId] = resourceFor(tf, ...then);
    for (const dep of applyAfter(tf, rolloutId)) expect(applyAfter(tf, dep).has(rolloutId)).toBe(false);
  });

  test('fields Argo Rollouts rewrites are computed, on top of the provider defaults; Terraform applies as cdk8s-mlops without forcing', () => {
    const canary = docs.find(d => d.kind === 'Rollout').spec.strategy.canary;
    const computed = (kind: string, name: string) => resourceFor(tf, kind, name)[1].computed_fields;
    expect(computed('Service', canary.canaryService)).toEqual(['metadata.annotations', 'metadata.labels', 'spec.selector']);
    expect(computed('Service', canary.stableService)).toEqual(['metadata.annotations', 'metadata.labels', 'spec.selector']);
    expect(computed('VirtualService', canary.trafficRouting.istio.virtualService.name)).toEqual(['metadata.annotations', 'metadata.labels', 'spec.http']);
    for (const resource of Object.values(resourcesOf(tf)) as any[]) {
      expect(resource.computed_fields.slice(0, 2)).toEqual(['metadata.annotations', 'metadata.labels']);
      expect(resource.field_manager).toEqual({ name: 'cdk8s-mlops', force_conflicts: false });
      // Only the shared model cache's fill Job is waited for: the Rollout's pods load what it wrote.
      if (resource.manifest.kind !== 'Job') expect(resource.wait).toBeUndefined();
    }
  });

  test('the shared model cache: the claim, then the fill Job, completed, before the Rollout', () => {
    const job = docs.find(d => d.kind === 'Job');
    const [jobId, jobResource] = resourceFor(tf, 'Job', job.metadata.name);
    expect(jobResource.wait).toEqual({ condition: [{ type: 'Complete', status: 'True' }] });
    // The wait lasts as long as the Job may run (its deadline), not the provider's default.
    expect(jobResource.timeouts).toEqual({ create: `${job.spec.activeDeadlineSeconds + 300}s`, update: `${job.spec.activeDeadlineSeconds + 300}s` });
    expectAppliedBefore(tf, ['PersistentVolumeClaim', 'llama-70b-model-cache'], ['Job', job.metadata.name]);
    expectAppliedBefore(tf, ['Job', job.metadata.name], ['Rollout', 'llama-70b']);
    expect(applyAfter(tf, resourceFor(tf, 'Rollout', 'llama-70b')[0]).has(jobId)).toBe(true);
  });
});

describe('KubernetesManifests', () => {
  test('a Rollout KEDA scales: spec.replicas is computed, the ScaledObject and ServiceMonitor come after the Rollout and its Service', async () => {
    const chart = autoscaledCanary();
    const docs = await expectConformant(chart);
    const tf = manifestsOf({ chart });
    expect(Object.keys(resourcesOf(tf))).toHaveLength(docs.length);
    expect(resourceFor(tf, 'Rollout', 'llm')[1].computed_fields).toEqual(['metadata.annotations', 'metadata.labels', 'spec.replicas']);
    expectAppliedBefore(tf, ['Rollout', 'llm'], ['ScaledObject', 'llm']);
    expectAppliedBefore(tf, ['Rollout', 'llm'], ['ServiceMonitor', 'llm']);
    expectAppliedBefore(tf, ['Service', 'llm'], ['ServiceMonitor', 'llm']);
    expect(resourceFor(tf, 'ScaledObject', 'llm')[1].depends_on).toContain(`kubernetes_manifest.${resourceFor(tf, 'Rollout', 'llm')[0]}`);
  });

  test('a Gateway API canary: the HTTPRoute before the Rollout, its rules computed (Argo sets the weights)', async () => {
    const { chart, svc } = service({ name: 'llm', replicas: 2, tensorParallelSize: 8 });
    new CanaryRollout(chart, 'Canary', {
      service: svc,
      trafficRouter: TrafficRouter.gatewayApi({ gatewayName: 'gw', gatewayNamespace: 'infra' }),
      steps: [CanaryStep.weight(50), CanaryStep.weight(100)],
    });
    const docs = await expectConformant(chart);
    const tf = manifestsOf({ chart });
    expect(Object.keys(resourcesOf(tf))).toHaveLength(docs.length);
    expectAppliedBefore(tf, ['HTTPRoute', 'llm'], ['Rollout', 'llm']);
    expect(resourceFor(tf, 'HTTPRoute', 'llm')[1].computed_fields).toEqual(['metadata.annotations', 'metadata.labels', 'spec.rules']);
  });

  test('a blue-green rollout: active and preview Services and both analyses before the Rollout, selectors computed', async () => {
    const { chart, svc } = service({ name: 'clf', replicas: 2 });
    const gates = [Gate.errorRate({ maxRatio: 0.01 })];
    new BlueGreenRollout(chart, 'BlueGreen', { service: svc, prePromotionAnalysis: { gates }, postPromotionAnalysis: { gates } });
    const docs = await expectConformant(chart);
    const tf = manifestsOf({ chart });
    const strategy = docs.find(d => d.kind === 'Rollout').spec.strategy.blueGreen;
    for (const name of [strategy.activeService, strategy.previewService]) {
      expectAppliedBefore(tf, ['Service', name], ['Rollout', 'clf']);
      expect(resourceFor(tf, 'Service', name)[1].computed_fields).toContain('spec.selector');
    }
    for (const analysis of [strategy.prePromotionAnalysis, strategy.postPromotionAnalysis]) {
      expectAppliedBefore(tf, ['AnalysisTemplate', analysis.templates[0].templateName], ['Rollout', 'clf']);
    }
  });

  test('kind order: a Namespace before what is in it, config before Services', async () => {
    const chart = new Chart(new Cdk8sApp(), 'order');
    // Declared in reverse, so the order cannot come from the declaration.
    new k8s.KubeService(chart, 'Svc', { metadata: { name: 'api', namespace: 'apps' }, spec: { ports: [{ port: 80 }] } });
    new k8s.KubeConfigMap(chart, 'Config', { metadata: { name: 'settings', namespace: 'apps' }, data: { a: 'b' } });
    new k8s.KubeNamespace(chart, 'Ns', { metadata: { name: 'apps' } });
    await expectConformant(chart);
    const tf = manifestsOf({ chart });
    expectAppliedBefore(tf, ['Namespace', 'apps'], ['ConfigMap', 'settings']);
    expectAppliedBefore(tf, ['ConfigMap', 'settings'], ['Service', 'api']);
    expect(resourceFor(tf, 'Namespace', 'apps')[1].depends_on).toBeUndefined();
  });

  test('resource names and depends_on do not depend on the order objects are declared in', async () => {
    const build = (reverse: boolean) => {
      const chart = new Chart(new Cdk8sApp(), 'stable', { namespace: 'apps' });
      const objects = [
        () => new k8s.KubeConfigMap(chart, 'A', { metadata: { name: 'a' }, data: { x: '1' } }),
        () => new k8s.KubeService(chart, 'B', { metadata: { name: 'b' }, spec: { ports: [{ port: 80 }] } }),
        () => new k8s.KubeServiceAccount(chart, 'C', { metadata: { name: 'c' } }),
      ];
      (reverse ? objects.reverse() : objects).forEach(make => make());
      return chart;
    };
    const [forward, backward] = [build(false), build(true)];
    await expectConformant(forward);
    const strip = (tf: TfJson) => Object.fromEntries(Object.entries(resourcesOf(tf)).map(([id, r]) => [id, { ...r, '//': undefined }]));
    const a = strip(manifestsOf({ chart: forward }));
    expect(Object.keys(a).sort()).toEqual(['configmap_apps_a', 'service_apps_b', 'serviceaccount_apps_c']);
    expect(strip(manifestsOf({ chart: backward }))).toEqual(a);
  });

  test('sync waves win over kinds and references, and a PreSync Job is waited for before everything else', async () => {
    const chart = new Chart(new Cdk8sApp(), 'waves', { namespace: 'apps' });
    const wave = (w: string) => ({ 'argocd.argoproj.io/sync-wave': w });
    new k8s.KubeService(chart, 'Early', { metadata: { name: 'early', annotations: wave('-1') }, spec: { ports: [{ port: 80 }] } });
    new k8s.KubeConfigMap(chart, 'Late', { metadata: { name: 'late', annotations: wave('2') }, data: { a: 'b' } });
    new k8s.KubeConfigMap(chart, 'Default', { metadata: { name: 'default' }, data: { a: 'b' } });
    const pod = { securityContext: restrictedPod(), containers: [{ name: 'c', image: 'busybox:1.36', command: ['true'], securityContext: restrictedContainer() }] };
    new k8s.KubeJob(chart, 'Check', {
      metadata: { name: 'check', annotations: { 'argocd.argoproj.io/hook': 'PreSync' } },
      spec: { backoffLimit: 0, activeDeadlineSeconds: 600, template: { spec: { ...pod, restartPolicy: 'Never' } } },
    });
    // A wave that puts the autoscaler before its target: the wave wins, the target's replicas stay computed.
    const labels = { app: 'web' };
    new k8s.KubeDeployment(chart, 'Web', {
      metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: pod } },
    });
    new ScaledObject(chart, 'WebScaler', {
      metadata: { name: 'web', annotations: wave('-1') },
      spec: { scaleTargetRef: { name: 'web' }, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '80' } }] },
    });
    await expectConformant(chart);
    const tf = manifestsOf({ chart });
    expectAppliedBefore(tf, ['Service', 'early'], ['ConfigMap', 'default']);
    expectAppliedBefore(tf, ['ConfigMap', 'default'], ['ConfigMap', 'late']);
    expectAppliedBefore(tf, ['Job', 'check'], ['Service', 'early']);
    expect(resourceFor(tf, 'Job', 'check')[1].wait).toEqual({ condition: [{ type: 'Complete', status: 'True' }] });
    expectAppliedBefore(tf, ['ScaledObject', 'web'], ['Deployment', 'web']);
    expect(resourceFor(tf, 'Deployment', 'web')[1].computed_fields).toContain('spec.replicas');
  });

  test('${ and %{ stay literal: doubled in cdk.tf.json, read back unchanged', async () => {
    const chart = new Chart(new Cdk8sApp(), 'escape', { namespace: 'apps' });
    const data = { 'run.sh': 'echo "${HOME}" $(pwd) $$ %{if} 100%', '${key}': '$${already}' };
    new k8s.KubeConfigMap(chart, 'Script', { metadata: { name: 'script' }, data });
    await expectConformant(chart);
    const [, resource] = resourceFor(manifestsOf({ chart }), 'ConfigMap', 'script');
    expect(resource.manifest.data).toEqual({ 'run.sh': 'echo "$${HOME}" $(pwd) $$ %%{if} 100%', '$${key}': '$$${already}' });
    expect(asTerraformReads(resource.manifest.data)).toEqual(data);
  });

  test('an app: every chart, ordered across charts', async () => {
    const app = new Cdk8sApp();
    const base = new Chart(app, 'base');
    new k8s.KubeNamespace(base, 'Ns', { metadata: { name: 'apps' } });
    const workloads = new Chart(app, 'workloads', { namespace: 'apps' });
    new k8s.KubeConfigMap(workloads, 'Config', { metadata: { name: 'settings' }, data: { a: 'b' } });
    const docs = await expectConformant(app);
    const tf = manifestsOf({ app });
    expect(Object.keys(resourcesOf(tf))).toHaveLength(docs.length);
    expectAppliedBefore(tf, ['Namespace', 'apps'], ['ConfigMap', 'settings']);
  });

  test('field manager and provider props', () => {
    const chart = new Chart(new Cdk8sApp(), 'fm', { namespace: 'apps' });
    new k8s.KubeConfigMap(chart, 'Config', { metadata: { name: 'settings' }, data: { a: 'b' } });
    const tf = synthStack(app => {
      const stack = new TerraformStack(app, 'fm');
      new KubernetesProvider(stack, 'kubernetes', {});
      const staging = new KubernetesProvider(stack, 'staging', { alias: 'staging', configContext: 'staging' });
      new KubernetesManifests(stack, 'Manifests', { chart, fieldManager: 'platform-team', forceConflicts: true, provider: staging });
      return stack;
    });
    const [, resource] = resourceFor(tf, 'ConfigMap', 'settings');
    expect(resource.field_manager).toEqual({ name: 'platform-team', force_conflicts: true });
    expect(resource.provider).toBe('kubernetes.staging');
  });

  describe('fails at synth time', () => {
    const stack = () => new TerraformStack(new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mlops-tf-')) }), 'bad');
    const configChart = () => {
      const chart = new Chart(new Cdk8sApp(), 'c', { namespace: 'apps' });
      new k8s.KubeConfigMap(chart, 'Config', { metadata: { name: 'settings' }, data: { a: 'b' } });
      return chart;
    };

    test('when the chart does not validate', () => {
      const chart = configChart();
      chart.node.addValidation({ validate: () => ['the model does not fit'] });
      expect(() => new KubernetesManifests(stack(), 'M', { chart })).toThrow(/the model does not fit/);
    });

    test('without exactly one of chart and app', () => {
      const chart = configChart();
      expect(() => new KubernetesManifests(stack(), 'M', {})).toThrow(/\[bad\/M\] chart\/app: exactly one of chart and app is needed/);
      expect(() => new KubernetesManifests(stack(), 'M', { chart, app: new Cdk8sApp() })).toThrow(/exactly one of chart and app/);
    });

    test('when two KubernetesManifests of one stack would write the same resource', () => {
      const s = stack();
      const chart = configChart();
      new KubernetesManifests(s, 'First', { chart });
      expect(() => new KubernetesManifests(s, 'Second', { chart })).toThrow(/already has this kubernetes_manifest \(from bad\/First\) \(got "configmap_apps_settings"\)/);
    });

    test('on Argo CD hooks Terraform cannot honour', () => {
      const chart = configChart();
      new k8s.KubeConfigMap(chart, 'Notify', { metadata: { name: 'notify', annotations: { 'argocd.argoproj.io/hook': 'SyncFail' } }, data: { a: 'b' } });
      expect(() => new KubernetesManifests(stack(), 'M', { chart })).toThrow(/ConfigMap\/notify argocd.argoproj.io\/hook.*SyncFail/);
    });

    test('on a sync wave that is not a whole number', () => {
      const chart = configChart();
      new k8s.KubeConfigMap(chart, 'Odd', { metadata: { name: 'odd', annotations: { 'argocd.argoproj.io/sync-wave': 'soon' } }, data: { a: 'b' } });
      expect(() => new KubernetesManifests(stack(), 'M', { chart })).toThrow(/sync-wave: a sync wave is a whole number \(got "soon"\)/);
    });

    test('on two objects with the same identity', () => {
      const chart = configChart();
      new ApiObject(chart, 'Twin', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
      expect(() => new KubernetesManifests(stack(), 'M', { chart })).toThrow(/two documents map to this Terraform resource name \(got "configmap_apps_settings"\)/);
    });
  });
});

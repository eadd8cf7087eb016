import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Duration, Testing, YamlOutputType } from 'cdk8s';
import * as YAML from 'yaml';
import {
  Accelerator, ArgoCdApplication, ArgoCdProject, CanaryStep, Gate, ModelDeliveryPipeline, ModelDeliveryPipelineProps, ModelRuntime, TrafficRouter,
  ValidationCheck,
} from '../../src';
import { checkConformance, expectConformant } from '../conformance';
import { hfSource } from '../serving/helpers';

const IMAGE = 'ghcr.io/acme/evaluator@sha256:' + 'a'.repeat(64);
const REVISION = '0123456789abcdef0123456789abcdef01234567';

function props(overrides: Partial<ModelDeliveryPipelineProps> = {}): ModelDeliveryPipelineProps {
  const steps = [CanaryStep.weight(25), CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 })] }), CanaryStep.weight(100)];
  return {
    service: {
      name: 'llm',
      model: hfSource(),
      // By digest: production refuses a tag-only image (test/serving/pods.test.ts).
      runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.11.0@sha256:' + 'b'.repeat(64) }),
      accelerator: Accelerator.H100_SXM,
      tensorParallelSize: 8,
      provenance: { trainingRunId: 'run-42', trainingDataHash: 'sha256:' + 'c'.repeat(64) },
    },
    trafficRouter: TrafficRouter.istio(),
    validation: {
      image: IMAGE,
      dataset: { uri: 's3://evals/chat/v3/' },
      checks: [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 }), ValidationCheck.latency({ p95: Duration.seconds(2), requestsPerSecond: 2 })],
    },
    staging: { namespace: 'llm-staging', replicas: 1, steps },
    production: { namespace: 'llm', replicas: 4, steps, gpuBudget: 56 },
    gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'clusters/prod/llm', targetRevision: 'main' },
    ...overrides,
  };
}

function pipeline(overrides: Partial<ModelDeliveryPipelineProps> = {}, outdir?: string) {
  const app = new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: outdir ?? '.tmp/pipeline' });
  app.node.setContext('cdk8s-mlops:gitRevision', REVISION);
  return { app, pipeline: new ModelDeliveryPipeline(app, 'llm', props(overrides)) };
}

/** The openAPIV3Schema of a pinned CRD. */
function crdSchema(file: string): any {
  return YAML.parse(fs.readFileSync(path.resolve(__dirname, '../../../shared/crds', file), 'utf8')).spec.versions[0].schema.openAPIV3Schema;
}

/** Paths of fields the schema does not define (CRD schemas rarely forbid unknown fields themselves). */
function unknownFields(value: any, schema: any, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownFields(v, schema?.items, `${at}[${i}]`));
  if (value === null || typeof value !== 'object' || !schema?.properties) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    if (at === '' && ['apiVersion', 'kind'].includes(k)) return [];
    if (at === '' && k === 'metadata') return [];
    return k in schema.properties ? unknownFields(v, schema.properties[k], `${at}.${k}`) : [`${at}.${k}`];
  });
}

const of = (docs: any[], kind: string) => docs.filter(d => d.kind === kind);
const wave = (d: any) => d.metadata.annotations?.['argocd.argoproj.io/sync-wave'];

describe('ModelDeliveryPipeline', () => {
  test('staging and production charts with the same GPU configuration and their Applications (snapshot)', async () => {
    const { app, pipeline: p } = pipeline();
    const docs = await expectConformant(app, { sampleArgs: { 'candidate-service': 'llm-canary', 'namespace': 'llm', 'canary-hash': 'abc', 'stable-hash': 'def' } });
    expect(app.charts.map(c => c.node.id).sort()).toEqual(['llm', 'llm-production', 'llm-staging']);
    const [staging, production] = [Testing.synth(p.staging), Testing.synth(p.production)];
    const [sr, pr] = [of(staging, 'Rollout')[0], of(production, 'Rollout')[0]];
    expect(sr.metadata.namespace).toBe('llm-staging');
    expect(pr.metadata.namespace).toBe('llm');
    expect([sr.spec.replicas, pr.spec.replicas]).toEqual([1, 4]);
    expect(sr.spec.template.spec.containers[0].resources).toEqual(pr.spec.template.spec.containers[0].resources);
    expect(sr.spec.template.spec.affinity.nodeAffinity).toEqual(pr.spec.template.spec.affinity.nodeAffinity);
    expect(docs).toMatchSnapshot();
  });

  test('each environment validates one canary pod before any traffic', () => {
    const { pipeline: p } = pipeline();
    for (const env of [p.staging, p.production]) {
      const steps = of(Testing.synth(env), 'Rollout')[0].spec.strategy.canary.steps;
      expect(steps.slice(0, 4)).toEqual([
        { setCanaryScale: { replicas: 1 } },
        { analysis: expect.objectContaining({ templates: [{ templateName: 'llm-validation' }] }) },
        { setCanaryScale: { matchTrafficWeight: true } },
        { setWeight: 25 },
      ]);
    }
  });

  test('production runs a PreSync validation against staging, which lets production\'s namespace in', () => {
    const { pipeline: p } = pipeline();
    const prod = Testing.synth(p.production);
    const hook = of(prod, 'Job')[0];
    expect(hook.metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
    const env = Object.fromEntries(hook.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.MLOPS_ENDPOINT).toBe('http://llm.llm-staging.svc:8000');
    const policy = of(Testing.synth(p.staging), 'NetworkPolicy')[0];
    expect(JSON.stringify(policy.spec.ingress)).toContain('"kubernetes.io/metadata.name":"llm"');
    expect(of(Testing.synth(p.staging), 'Job')).toHaveLength(0);
  });

  test('when staging is another cluster, the production hook validates in process on production GPUs', () => {
    const base = props();
    const { pipeline: p } = pipeline({ staging: { ...base.staging, destinationServer: 'https://staging.example.com' } });
    const hook = of(Testing.synth(p.production), 'Job')[0];
    expect(hook.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(8);
  });

  test('sync waves order config, validation hook, workload, monitoring', () => {
    const { pipeline: p } = pipeline();
    // Monitoring added after the pipeline is built still gets its wave.
    new ApiObject(p.production, 'Rules', { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'llm-extra' }, spec: {} });
    const docs = Testing.synth(p.production);
    const waves = Object.fromEntries(docs.map(d => [`${d.kind}/${d.metadata.name}`, [d.metadata.annotations?.['argocd.argoproj.io/hook'], wave(d)]]));
    expect(waves).toEqual({
      'ServiceAccount/llm': [undefined, '-10'],
      'Service/llm': [undefined, '-10'],
      'PodDisruptionBudget/llm': [undefined, '-10'],
      'NetworkPolicy/llm': [undefined, '-10'],
      'ServiceAccount/llm-validation': [undefined, '-10'],
      'ConfigMap/llm-validation': [undefined, '-10'],
      'AnalysisTemplate/llm-validation': [undefined, '-10'],
      'ServiceAccount/llm-presync-validation': ['PreSync', '-10'],
      'ConfigMap/llm-presync-validation': ['PreSync', '-10'],
      'Job/llm-presync-validation': ['PreSync', '-5'],
      'Service/llm-canary': [undefined, '-10'],
      'Service/llm-stable': [undefined, '-10'],
      'VirtualService/llm': [undefined, '-10'],
      'AnalysisTemplate/llm-analysis-2': [undefined, '-10'],
      'Rollout/llm': [undefined, '0'],
      'PodMonitor/llm': [undefined, '10'],
      'ServiceMonitor/llm-gpu': [undefined, '10'],
      'PrometheusRule/llm-extra': [undefined, '10'],
    });
  });

  test('Applications: one directory per environment, sync options and retry for a gated rollout', () => {
    const { pipeline: p } = pipeline();
    const [staging, production] = of(Testing.synth(p), 'Application');
    expect(staging.metadata).toMatchObject({ name: 'llm-staging', namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io'] });
    // Deleting (or renaming) production's Application leaves its workload running.
    expect(production.metadata.finalizers).toBeUndefined();
    expect([staging.spec.project, production.spec.project]).toEqual(['llm', 'llm']);
    expect(staging.spec.source).toEqual({ repoURL: 'https://github.com/acme/deploy.git', targetRevision: 'main', path: 'clusters/prod/llm/llm-staging' });
    expect(production.spec.source.path).toBe('clusters/prod/llm/llm-production');
    expect(staging.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'llm-staging' });
    expect(staging.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    // Promotion to production is a person's decision by default.
    expect(production.spec.syncPolicy.automated).toBeUndefined();
    expect(production.spec.syncPolicy.syncOptions).toEqual(['ServerSideApply=true', 'PruneLast=true', 'RespectIgnoreDifferences=true']);
    expect(production.spec.syncPolicy.retry).toEqual({ limit: 2, backoff: { duration: '1m', factor: 2, maxDuration: '10m' } });
    // Argo Rollouts owns the VirtualService weights during an update.
    expect(production.spec.ignoreDifferences).toEqual([{ group: 'networking.istio.io', kind: 'VirtualService', jqPathExpressions: ['.spec.http[].route[].weight'] }]);
  });

  test('an AppProject admits the repository, the two namespaces and the kinds the environments hold, and no cluster-scoped kind', async () => {
    const { app, pipeline: p } = pipeline();
    const docs = await expectConformant(app, { sampleArgs: { 'candidate-service': 'llm-canary', 'namespace': 'llm', 'canary-hash': 'abc', 'stable-hash': 'def' } });
    const [project] = of(docs, 'AppProject');
    expect(p.project!.name).toBe('llm');
    expect(project.metadata).toMatchObject({ name: 'llm', namespace: 'argocd', annotations: expect.objectContaining({ 'argocd.argoproj.io/sync-wave': '-1' }) });
    expect(project.spec.sourceRepos).toEqual(['https://github.com/acme/deploy.git']);
    expect(project.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'llm-staging' },
      { server: 'https://kubernetes.default.svc', namespace: 'llm' },
    ]);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    const kinds = (d: any) => `${d.apiVersion.includes('/') ? d.apiVersion.split('/')[0] : ''}/${d.kind}`;
    const emitted = [...new Set([...Testing.synth(p.staging), ...Testing.synth(p.production)].map(kinds))].sort();
    expect(project.spec.namespaceResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`).sort()).toEqual(emitted);
    expect(emitted).toEqual(expect.arrayContaining(['/ServiceAccount', 'batch/Job', 'argoproj.io/Rollout', 'argoproj.io/AnalysisTemplate', 'networking.istio.io/VirtualService']));
    expect(emitted.some(k => /Role|Namespace/.test(k))).toBe(false);
    // The harness checks AppProjects against the pinned CRD: a whitelist entry without its kind is refused.
    const broken = { ...project, spec: { ...project.spec, clusterResourceWhitelist: [{ group: '' }] } };
    expect(await checkConformance([broken])).toEqual([expect.objectContaining({ check: 'schema', object: 'AppProject/llm', field: 'spec.clusterResourceWhitelist[0].kind' })]);
    // Every field is one of the pinned AppProject CRD's.
    expect(unknownFields(project, crdSchema('argo-cd-v3.5.1-appproject.yaml'))).toEqual([]);
    expect(unknownFields(of(docs, 'Application')[0], crdSchema('argo-cd-v3.5.1-application.yaml'))).toEqual([]);
  });

  test('cascade delete and the project are choices', () => {
    const base = props();
    const { pipeline: p } = pipeline({
      staging: { ...base.staging, cascadeDelete: false },
      production: { ...base.production, cascadeDelete: true },
      gitOps: { ...base.gitOps, project: 'ml-platform' },
    });
    const docs = Testing.synth(p);
    expect(of(docs, 'AppProject')).toEqual([]);
    expect(p.project).toBeUndefined();
    const [staging, production] = of(docs, 'Application');
    expect([staging.metadata.finalizers, production.metadata.finalizers]).toEqual([undefined, ['resources-finalizer.argocd.argoproj.io']]);
    expect([staging.spec.project, production.spec.project]).toEqual(['ml-platform', 'ml-platform']);
  });

  test('cluster-scoped kinds only when asked for', () => {
    const clusterRole = (env: any) => new ApiObject(env, 'Reader', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'llm-reader' } });
    const refused = pipeline();
    clusterRole(refused.pipeline.production);
    expect(() => refused.app.synthYaml()).toThrow(/\[llm\/Project\] clusterResources: ClusterRole is cluster-scoped, which the project does not admit, so Argo CD would refuse the sync \(got \[\]\)\. Fix: remove the ClusterRole, or add \{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' \}/);
    const base = props();
    const asked = pipeline({ gitOps: { ...base.gitOps, clusterResources: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'llm-reader' }] } });
    clusterRole(asked.pipeline.production);
    const project = of(Testing.synth(asked.pipeline), 'AppProject')[0];
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'llm-reader' }]);
    expect(project.spec.namespaceResourceWhitelist).not.toContainEqual(expect.objectContaining({ kind: 'ClusterRole' }));
  });

  test('an autoscaled Rollout and managed routes are left to their controllers', () => {
    const base = props();
    const { pipeline: p } = pipeline({ production: { ...base.production, gpuBudget: undefined, steps: [CanaryStep.canaryScale({ replicas: 1 }), CanaryStep.mirrorRoute({ name: 'shadow', percentage: 10 }), CanaryStep.weight(100)] } });
    new ApiObject(p.production, 'Autoscaler', { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'llm' }, spec: {} });
    const production = of(Testing.synth(p), 'Application')[1];
    expect(production.spec.ignoreDifferences).toEqual([
      { group: 'networking.istio.io', kind: 'VirtualService', jsonPointers: ['/spec/http'] },
      { group: 'argoproj.io', kind: 'Rollout', name: 'llm', jsonPointers: ['/spec/replicas'] },
    ]);
  });

  test('synthesizes one directory per environment, where the Applications point', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
    const { app, pipeline: p } = pipeline({}, outdir);
    app.synth();
    expect(fs.readdirSync(outdir).sort()).toEqual(['llm', 'llm-production', 'llm-staging']);
    expect(fs.readdirSync(path.join(outdir, 'llm-production'))).toContain('Rollout.llm.k8s.yaml');
    for (const application of of(Testing.synth(p), 'Application')) {
      expect(fs.existsSync(path.join(outdir, path.basename(application.spec.source.path)))).toBe(true);
    }
  });

  test('every object carries the lineage: model, version, source, training run and data, git revision', () => {
    const { app } = pipeline();
    const docs = app.charts.flatMap(c => Testing.synth(c));
    expect(docs.length).toBeGreaterThan(25);
    for (const d of docs) {
      expect([d.kind, d.metadata.labels]).toEqual([d.kind, expect.objectContaining({
        'mlops.cdk8s.io/model-name': expect.stringMatching(/^meta-llama-Llama-3.1-8B-Instruct-[0-9a-f]{8}$/),
        'mlops.cdk8s.io/model-version': '1605565b47bb9346c5515c34102e054115b4f98b',
        'mlops.cdk8s.io/training-run-id': 'run-42',
        'mlops.cdk8s.io/git-revision': REVISION,
      })]);
      expect([d.kind, d.metadata.annotations]).toEqual([d.kind, expect.objectContaining({
        'mlops.cdk8s.io/model-uri': expect.stringContaining('huggingface.co/meta-llama/Llama-3.1-8B-Instruct'),
        'mlops.cdk8s.io/training-data-hash': 'sha256:' + 'c'.repeat(64),
        'mlops.cdk8s.io/git-revision': REVISION,
      })]);
    }
  });

  test('the git revision falls back to CDK8S_MLOPS_GIT_REVISION', () => {
    const before = process.env.CDK8S_MLOPS_GIT_REVISION;
    process.env.CDK8S_MLOPS_GIT_REVISION = 'feedface';
    try {
      const app = new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
      const p = new ModelDeliveryPipeline(app, 'llm', props());
      expect(of(Testing.synth(p.staging), 'Rollout')[0].metadata.labels['mlops.cdk8s.io/git-revision']).toBe('feedface');
    } finally {
      if (before === undefined) delete process.env.CDK8S_MLOPS_GIT_REVISION; else process.env.CDK8S_MLOPS_GIT_REVISION = before;
    }
  });
});

describe('bad input', () => {
  test('a production chart without a validation gate', () => {
    expect(() => pipeline({ validation: undefined })).toThrow(
      /\[llm-staging\] validation: staging has no validation gate \(got undefined\)\. Fix: pass validation .* or set validationWaiver/);
  });

  test('a waiver lets it through and lands in an annotation on every object and Application', () => {
    const { app, pipeline: p } = pipeline({ validation: undefined, validationWaiver: 'INC-4711: hotfix of a tokenizer bug, validated offline' });
    const docs = app.charts.flatMap(c => Testing.synth(c));
    for (const d of docs) expect(d.metadata.annotations['mlops.cdk8s.io/validation-waiver']).toBe('INC-4711: hotfix of a tokenizer bug, validated offline');
    expect(of(Testing.synth(p.production), 'Job')).toHaveLength(0);
    expect(p.production.validation).toBeUndefined();
  });

  test.each([
    ['no scheme', 'github.com/acme/deploy.git'],
    ['ftp', 'ftp://github.com/acme/deploy.git'],
    ['no path', 'https://github.com'],
    ['spaces', 'https://github.com/acme/my deploy.git'],
  ])('an invalid Argo CD repo URL: %s', (_name, repoUrl) => {
    expect(() => pipeline({ gitOps: { repoUrl, path: 'deploy' } })).toThrow(/\[llm\/Staging\] repoUrl: is not a Git URL Argo CD can clone .*Fix: use https:\/\/host\/org\/repo.git/);
  });

  test('accepted Git URL forms', () => {
    for (const repoUrl of ['git@github.com:acme/deploy.git', 'ssh://git@github.com/acme/deploy.git', 'https://gitlab.example.com/a/b']) {
      expect(() => pipeline({ gitOps: { repoUrl, path: 'deploy' } })).not.toThrow();
    }
  });

  test.each([['absolute', '/deploy'], ['parent', 'deploy/../../etc'], ['empty', '']])('an invalid Argo CD path: %s', (_name, p) => {
    expect(() => pipeline({ gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: p } })).toThrow(/\[llm\/Staging\] path: must be a directory relative to the repository root/);
  });

  test('an app that does not write one directory per chart', () => {
    const app = new App();
    new ModelDeliveryPipeline(app, 'llm', props());
    expect(() => app.synthYaml()).toThrow(/\[llm\] yamlOutputType: .*FOLDER_PER_CHART_FILE_PER_RESOURCE writes \(got FILE_PER_CHART\)/);
  });

  test('an Application name that is not a DNS label', () => {
    expect(() => new ArgoCdApplication(Testing.chart(), 'App', { name: 'LLM_prod', project: 'llm', repoUrl: 'https://github.com/a/b.git', path: 'x', destinationNamespace: 'llm' }))
      .toThrow(/name: must be a DNS label/);
  });

  test.each([
    ['staging and production share a namespace', { production: { namespace: 'llm-staging' } },
      /\[llm\] production\.namespace: is staging's namespace on the same cluster: two Applications would own the same objects.*\(got "llm-staging"\)\. Fix: give each environment its own namespace/],
    ['staging in kube-system', { staging: { namespace: 'kube-system' } }, /\[llm\] staging\.namespace: is a system namespace .*\(got "kube-system"\)\. Fix: deploy the model into its own namespace/],
    ['production in kube-public', { production: { namespace: 'kube-public' } }, /\[llm\] production\.namespace: is a system namespace.*\(got "kube-public"\)/],
    ['production in kube-node-lease', { production: { namespace: 'kube-node-lease' } }, /production\.namespace: is a system namespace.*\(got "kube-node-lease"\)/],
    ["production in Argo CD's namespace", { production: { namespace: 'argocd' } }, /production\.namespace: is a system namespace \(kube-system, kube-public, kube-node-lease, argocd\).*\(got "argocd"\)/],
    ["staging in Argo CD's own namespace elsewhere", { staging: { namespace: 'gitops' }, gitOps: { argoCdNamespace: 'gitops' } }, /staging\.namespace: is a system namespace \(kube-system, kube-public, kube-node-lease, gitops\).*\(got "gitops"\)/],
    ['a namespace glob', { production: { namespace: 'llm-*' } }, /production\.namespace: must be a namespace name \(a DNS label, no globs\) \(got "llm-\*"\)/],
    ["Argo CD's default project", { gitOps: { project: 'default' } }, /\[llm\/Staging\] project: must name an AppProject other than 'default'.*\(got "default"\)\. Fix: create an ArgoCdProject/],
  ])('%s', (_name, override: any, message) => {
    const base = props();
    const merged = {
      ...override,
      ...override.staging ? { staging: { ...base.staging, ...override.staging } } : {},
      ...override.production ? { production: { ...base.production, ...override.production } } : {},
      ...override.gitOps ? { gitOps: { ...base.gitOps, ...override.gitOps } } : {},
    };
    expect(() => pipeline(merged)).toThrow(message);
  });

  test('staging and production may share a namespace name on different clusters', () => {
    const base = props();
    expect(() => pipeline({ staging: { ...base.staging, namespace: 'llm', destinationServer: 'https://staging.example.com' } })).not.toThrow();
  });

  test.each([
    ['no project', undefined, /\[test\/App\] project: must name an AppProject other than 'default'/],
    ['the default project', 'default', /project: must name an AppProject other than 'default'.*\(got "default"\)/],
  ])('an Application with %s', (_name, project, message) => {
    expect(() => new ArgoCdApplication(Testing.chart(), 'App', { name: 'llm', project: project as any, repoUrl: 'https://github.com/a/b.git', path: 'x', destinationNamespace: 'llm' }))
      .toThrow(message);
  });

  test.each([
    ['no repository', { sourceRepos: [] }, /\[test\/P\] sourceRepos: is empty, so no Application of the project could sync/],
    ['no destination', { destinations: [] }, /destinations: is empty/],
    ['a system destination', { destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'kube-system' }] }, /destinations\[0\]\.namespace: is a system namespace/],
    ['the name default', { name: 'default' }, /name: must be a DNS label other than 'default'/],
  ])('an ArgoCdProject with %s', (_name, override, message) => {
    expect(() => new ArgoCdProject(Testing.chart(), 'P', {
      name: 'llm', sourceRepos: ['https://github.com/a/b.git'], destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'llm' }], ...override,
    })).toThrow(message);
  });
});

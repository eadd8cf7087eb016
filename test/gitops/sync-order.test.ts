import { App, Chart, Duration, Size, Testing, YamlOutputType } from 'cdk8s';
import { simulateFirstSync, SyncOptions } from './argo-sync';
import { llama70bPipeline } from '../../examples/llama-70b-pipeline';
import {
  Accelerator, CanaryRollout, CanaryStep, HookDeletePolicy, ModelCache, ModelDeliveryPipeline, ModelRuntime, ModelSource, TrafficRouter,
  ValidationCheck, ValidationHook, ValidationHookProps, ValidationJob, ValidationTarget,
} from '../../src';
import { service } from '../serving/helpers';

const IMAGE = 'ghcr.io/acme/evaluator@sha256:' + 'a'.repeat(64);
const CHECKS = [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 })];
const of = (docs: any[], kind: string) => docs.filter(d => d.kind === kind);

/** The first sync of each environment of a pipeline, with its Application and AppProject. */
function syncEnvironments(pipeline: ModelDeliveryPipeline, existing: (ns: string) => string[] = () => []) {
  const apps = Testing.synth(pipeline);
  const project = of(apps, 'AppProject')[0];
  return [pipeline.staging, pipeline.production].map(env => {
    const application = of(apps, 'Application').find(a => a.metadata.name === env.node.id);
    const options: SyncOptions = { application, project, existing: existing(application.spec.destination.namespace) };
    return { env, application, result: simulateFirstSync(Testing.synth(env), options) };
  });
}

function testPipeline(overrides: { createNamespace?: boolean; stagingServer?: string } = {}) {
  const app = new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/sync-order' });
  const steps = [CanaryStep.weight(50), CanaryStep.weight(100)];
  return new ModelDeliveryPipeline(app, 'llm', {
    service: {
      name: 'llm',
      model: ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-8B-Instruct', revision: '1605565b47bb9346c5515c34102e054115b4f98b', token: { secretName: 'hf-token', key: 'token' } }),
      runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.11.0@sha256:' + 'b'.repeat(64) }),
      accelerator: Accelerator.H100_SXM,
      // The model's own cloud identity: the evaluator must not get it.
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/llm-weights' },
    },
    trafficRouter: TrafficRouter.istio(),
    validation: { image: IMAGE, dataset: { uri: 's3://evals/chat/v3/' }, checks: CHECKS, secretEnv: { AWS_WEB_IDENTITY: { secretName: 'eval-creds', key: 'token' } } },
    staging: { namespace: 'llm-staging', steps, createNamespace: overrides.createNamespace, destinationServer: overrides.stagingServer },
    production: { namespace: 'llm', steps, createNamespace: overrides.createNamespace },
    gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'deploy/llm' },
  });
}

const userSecrets = (ns: string) => [`Secret/${ns}/hf-token`, `Secret/${ns}/eval-creds`];

describe('Argo CD first sync into a new namespace (independent model of phases and waves)', () => {
  test('the model catches a PreSync hook whose ServiceAccount is a Sync-phase object (the old ValidationHook)', () => {
    const hookJob = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'llm-presync-validation', namespace: 'llm', annotations: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '-5' } },
      spec: { template: { spec: { serviceAccountName: 'llm', containers: [{ name: 'evaluator' }], volumes: [{ name: 'c', configMap: { name: 'llm-presync-validation' } }] } } },
    };
    const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'llm-presync-validation', namespace: 'llm', annotations: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '-10' } } };
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'llm', namespace: 'llm', annotations: { 'argocd.argoproj.io/sync-wave': '-10' } } };
    const { order, problems } = simulateFirstSync([sa, hookJob, config]);
    expect(order).toEqual(['PreSync -10 ConfigMap/llm-presync-validation', 'PreSync -5 Job/llm-presync-validation', 'Sync -10 ServiceAccount/llm']);
    expect(problems).toEqual(['Job/llm-presync-validation (PreSync wave -5): ServiceAccount llm does not exist when its pod is created']);
  });

  test('every pod of the pipeline finds its ServiceAccount, ConfigMaps and Secrets, and the project admits every object', () => {
    for (const { env, result } of syncEnvironments(testPipeline(), userSecrets)) {
      expect([env.node.id, result.problems]).toEqual([env.node.id, []]);
    }
    const [, production] = syncEnvironments(testPipeline(), userSecrets);
    // The hook's ServiceAccount and ConfigMap are PreSync hooks before the Job; the model's ServiceAccount comes in Sync.
    expect(production.result.order.slice(0, 3)).toEqual([
      'PreSync -10 ServiceAccount/llm-presync-validation',
      'PreSync -10 ConfigMap/llm-presync-validation',
      'PreSync -5 Job/llm-presync-validation',
    ]);
    expect(production.result.order).toContain('Sync -10 ServiceAccount/llm-validation');
  });

  test('without the user\'s Secrets the model reports the pods that would hang', () => {
    const [staging] = syncEnvironments(testPipeline());
    expect(staging.result.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Rollout\/llm \(Sync wave 0\): Secret hf-token does not exist/),
      expect.stringMatching(/^AnalysisTemplate\/llm-validation \(Sync wave 0\): Secret eval-creds does not exist/),
    ]));
  });

  test('CreateNamespace=true: Argo CD creates the namespace before the PreSync hooks, and the project admits only that Namespace', () => {
    const pipeline = testPipeline({ createNamespace: true });
    for (const { env, application, result } of syncEnvironments(pipeline, userSecrets)) {
      expect(application.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
      expect([env.node.id, result.problems]).toEqual([env.node.id, []]);
    }
    const project = of(Testing.synth(pipeline), 'AppProject')[0];
    expect(project.spec.clusterResourceWhitelist).toEqual([
      { group: '', kind: 'Namespace', name: 'llm-staging' },
      { group: '', kind: 'Namespace', name: 'llm' },
    ]);
    // The default project of the pipeline (no CreateNamespace) would refuse it: the model checks the project.
    const strict = of(Testing.synth(testPipeline()), 'AppProject')[0];
    const [staging] = syncEnvironments(pipeline, userSecrets);
    expect(simulateFirstSync(Testing.synth(staging.env), { application: staging.application, project: strict, existing: userSecrets('llm-staging') }).problems)
      .toEqual(['Namespace/llm-staging: cluster-scoped /Namespace is not permitted in project llm']);
  });

  test('staging on another cluster with a shared model cache: no in-process PreSync hook (it would run before the fill)', () => {
    const app = new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/sync-order' });
    const pipeline = new ModelDeliveryPipeline(app, 'llm', {
      service: {
        name: 'llm',
        model: ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-8B-Instruct', revision: '1605565b47bb9346c5515c34102e054115b4f98b' }),
        runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.11.0@sha256:' + 'b'.repeat(64) }),
        accelerator: Accelerator.H100_SXM,
        footprint: { parametersBillions: 8 },
        modelCache: ModelCache.shared({ storageClassName: 'efs', size: Size.gibibytes(40) }),
      },
      trafficRouter: TrafficRouter.istio(),
      validation: { image: IMAGE, dataset: { uri: 's3://evals/chat/v3/' }, checks: CHECKS },
      staging: { namespace: 'llm-staging', steps: [CanaryStep.weight(100)], destinationServer: 'https://staging.example.com' },
      production: { namespace: 'llm', steps: [CanaryStep.weight(100)] },
      gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'deploy/llm' },
    });
    expect(pipeline.production.preSyncValidation).toBeUndefined();
    expect(pipeline.production.validation).toBeDefined();
    expect(pipeline.production.service.modelCacheClaimName).toBe('llm-model-cache');
    for (const { env, result } of syncEnvironments(pipeline)) expect([env.node.id, result.problems]).toEqual([env.node.id, []]);
  });

  test('staging on another cluster: the in-process hook finds its ServiceAccount and ConfigMap', () => {
    const pipeline = testPipeline({ stagingServer: 'https://staging.example.com' });
    for (const { env, result } of syncEnvironments(pipeline, userSecrets)) expect([env.node.id, result.problems]).toEqual([env.node.id, []]);
  });

  test('the pipeline example: its shared model cache is claimed and filled, in the MODEL_CACHE wave, before the Rollout', () => {
    const pipeline = llama70bPipeline(new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/sync-order' }));
    for (const { env, result } of syncEnvironments(pipeline, ns => [`Secret/${ns}/hf-token`])) {
      expect([env.node.id, result.problems]).toEqual([env.node.id, []]);
      const at = (entry: RegExp) => result.order.findIndex(o => entry.test(o));
      expect(at(/^Sync -7 PersistentVolumeClaim\/llama-70b-model-cache$/)).toBeGreaterThan(at(/^Sync -10 ServiceAccount\/llama-70b$/));
      expect(at(/^Sync -7 Job\/llama-70b-cache-/)).toBeGreaterThan(at(/^Sync -7 PersistentVolumeClaim\//));
      expect(at(/^Sync 0 Rollout\/llama-70b$/)).toBeGreaterThan(at(/^Sync -7 Job\//));
    }
  });

  test('the model catches a fill Job in the workload\'s wave: the pods would load an unfilled version', () => {
    const pipeline = llama70bPipeline(new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/sync-order' }));
    const [staging] = syncEnvironments(pipeline);
    const docs = Testing.synth(staging.env).map((d: any) => d.kind === 'Job' && !d.metadata.annotations['argocd.argoproj.io/hook']
      ? { ...d, metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, 'argocd.argoproj.io/sync-wave': '0' } } } : d);
    expect(simulateFirstSync(docs, { application: staging.application, existing: ['Secret/llm-staging/hf-token'] }).problems)
      .toEqual([expect.stringMatching(/^Rollout\/llama-70b \(Sync wave 0\): reads llama-70b-model-cache\/1605565b47bb9346c5515c34102e054115b4f98b-[0-9a-f]{8}, which no completed Job has written/)]);
  });
});

describe('the evaluator\'s ServiceAccount', () => {
  function hookChart(props: Partial<ValidationHookProps> = {}): { chart: Chart; docs: any[] } {
    const { chart, svc } = service({ name: 'llm', serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'llm@acme.iam.gserviceaccount.com' } });
    new ValidationHook(chart, 'Hook', { service: svc, image: IMAGE, dataset: { uri: 's3://evals/x/' }, checks: CHECKS, ...props });
    return { chart, docs: Testing.synth(chart) };
  }

  test.each<[string, Partial<ValidationHookProps>]>([
    ['in process', {}],
    ['against a URL', { target: ValidationTarget.url('http://llm.llm-staging.svc:8000') }],
    ['deleted when it succeeded', { deletePolicies: [HookDeletePolicy.HOOK_SUCCEEDED] }],
    ['named', { name: 'llm-gate', timeout: Duration.minutes(10) }],
  ])('ValidationHook %s: its own tokenless ServiceAccount is a PreSync hook before the Job', (_name, props) => {
    const { docs } = hookChart(props);
    const job = of(docs, 'Job')[0];
    const pod = job.spec.template.spec;
    const sa = of(docs, 'ServiceAccount').find(s => s.metadata.name === pod.serviceAccountName);
    expect(pod.serviceAccountName).toBe(job.metadata.name);
    expect(pod.serviceAccountName).not.toBe('llm');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(sa.automountServiceAccountToken).toBe(false);
    // The model's cloud identity stays on the model's ServiceAccount.
    expect(sa.metadata.annotations['iam.gke.io/gcp-service-account']).toBeUndefined();
    expect(sa.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/sync-wave': '-10',
      'argocd.argoproj.io/hook-delete-policy': job.metadata.annotations['argocd.argoproj.io/hook-delete-policy'],
    });
    expect(simulateFirstSync(docs).problems).toEqual([]);
  });

  test('a ServiceAccount the user names is used as is, and must exist before the PreSync phase', () => {
    const { docs } = hookChart({ serviceAccountName: 'dataset-reader' });
    expect(of(docs, 'Job')[0].spec.template.spec.serviceAccountName).toBe('dataset-reader');
    expect(of(docs, 'ServiceAccount').map(s => s.metadata.name)).toEqual(['llm']);
    expect(simulateFirstSync(docs).problems).toEqual([expect.stringMatching(/ServiceAccount dataset-reader does not exist/)]);
    expect(simulateFirstSync(docs, { existing: ['ServiceAccount/ml/dataset-reader'] }).problems).toEqual([]);
  });

  test('ValidationJob: its own ServiceAccount is a plain object the analysis Job uses during the rollout', () => {
    const { chart, svc } = service({ name: 'llm', serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/model' } });
    const validation = new ValidationJob(chart, 'Validation', { service: svc, image: IMAGE, dataset: { uri: 's3://evals/x/' }, checks: CHECKS });
    new CanaryRollout(chart, 'Canary', { service: svc, trafficRouter: TrafficRouter.istio(), steps: [...CanaryStep.validateBeforeTraffic(validation), CanaryStep.weight(100)] });
    const docs = Testing.synth(chart);
    const pod = of(docs, 'AnalysisTemplate')[0].spec.metrics[0].provider.job.spec.template.spec;
    expect(pod.serviceAccountName).toBe('llm-validation');
    expect(pod.automountServiceAccountToken).toBe(false);
    const sa = of(docs, 'ServiceAccount').find(s => s.metadata.name === 'llm-validation');
    expect(sa).toMatchObject({ automountServiceAccountToken: false });
    expect(sa.metadata.annotations['argocd.argoproj.io/hook']).toBeUndefined();
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toBeUndefined();
    expect(simulateFirstSync(docs).problems).toEqual([]);
  });

  test.each([
    ['ValidationHook', (svc: any, chart: Chart) => new ValidationHook(chart, 'V', { service: svc, image: IMAGE, dataset: { uri: 's3://x/' }, checks: CHECKS, serviceAccountName: 'llm' })],
    ['ValidationJob', (svc: any, chart: Chart) => new ValidationJob(chart, 'V', { service: svc, image: IMAGE, dataset: { uri: 's3://x/' }, checks: CHECKS, serviceAccountName: 'llm' })],
  ])('%s refuses the model\'s ServiceAccount', (_name, build) => {
    const { chart, svc } = service({ name: 'llm' });
    expect(() => build(svc, chart)).toThrow(/\[test\/V\] serviceAccountName: is the model server's ServiceAccount: its cloud identity \(IRSA, Workload Identity\) would become the evaluator's \(got "llm"\)\. Fix: leave it unset/);
  });
});

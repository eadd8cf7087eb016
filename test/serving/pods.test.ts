/**
 * What the kubelet, the scheduler, the eviction API and Argo CD do with the pods the library emits (issue 15,
 * points 8 and 9): the image each container runs and how it is pulled, the node disk a pod may fill before it is
 * evicted, whether a node drain can take the service to zero, and how the server waits for endpoints to drop it.
 */
import { App, Duration, Size, Testing, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { byKind, hfSource, podSpec, server, service } from './helpers';
import { ClassifierBlueGreenChart } from '../../examples/classifier-blue-green';
import { ClassifierChart } from '../../examples/classifier-l4-triton';
import { Llama70bAbChart } from '../../examples/llama-70b-ab';
import { Llama70bCanaryChart } from '../../examples/llama-70b-canary';
import { llama70bPipeline } from '../../examples/llama-70b-pipeline';
import { Llama70bShadowChart } from '../../examples/llama-70b-shadow';
import { Llama70bChart } from '../../examples/llama-70b-vllm';
import { MigEmbeddingsChart } from '../../examples/mig-embeddings';
import {
  Accelerator, CanaryStep, CudaVersion, DeliveryEnvironment, DeliveryEnvironmentProps, Gate, GpuModelServiceProps, ModelCache, ModelDeliveryPipeline,
  ModelDeliveryPipelineProps, ModelRuntime, ModelSource, Precision, PreStopHandler, TrafficRouter, ValidationCheck, ValidationHook, ValidationJob,
  ValidationJobProps, ValidationTarget,
} from '../../src';
import { expectConformant } from '../conformance';

const DIGEST = '@sha256:' + 'e'.repeat(64);
const VLLM_TAG = 'vllm/vllm-openai:v0.11.0';
const EVALUATOR = 'ghcr.io/acme/evaluator' + DIGEST;
const CHECKS = [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 })];
const GI = 2 ** 30;

// ---------------------------------------------------------------------------------------------
// Reading manifests the way the kubelet and the scheduler do

/** Every pod spec of a manifest: workloads, Jobs, and the Jobs of job-provider AnalysisTemplates. */
function podSpecsOf(doc: any): any[] {
  const specs = [doc.spec?.template?.spec];
  for (const m of doc.spec?.metrics ?? []) specs.push(m.provider?.job?.spec?.template?.spec);
  return specs.filter(Boolean);
}

const BYTES: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: GI, Ti: 2 ** 40 };
function bytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(String(q));
  if (!m) throw new Error(`unexpected quantity ${q}`);
  return Number(m[1]) * (m[2] ? BYTES[m[2]] : 1);
}

/**
 * A pod's ephemeral-storage request or limit as the scheduler and the kubelet's eviction manager compute it
 * (k8s.io/component-helpers resource.PodRequests/PodLimits): the larger of the app containers' sum and any one
 * init container. A container without the entry adds nothing; no container with it means no pod-level value.
 */
function podStorage(spec: any, kind: 'requests' | 'limits'): number | undefined {
  const of = (c: any) => bytes(c.resources?.[kind]?.['ephemeral-storage']);
  const all = [...spec.containers, ...spec.initContainers ?? []].map(of);
  if (all.every(v => v === undefined)) return undefined;
  const apps = spec.containers.map(of).reduce((a: number, v: number | undefined) => a + (v ?? 0), 0);
  return Math.max(apps, ...(spec.initContainers ?? []).map((c: any) => of(c) ?? 0));
}

/** The disk-backed emptyDirs (the kubelet counts them against the pod's ephemeral storage; `Memory` ones count as memory). */
const diskEmptyDirs = (spec: any) => (spec.volumes ?? []).filter((v: any) => v.emptyDir && v.emptyDir.medium !== 'Memory');

const EXAMPLES: Record<string, (app: App) => Construct> = {
  'llama-70b-vllm': a => new Llama70bChart(a, 'llama-70b'),
  'classifier-l4-triton': a => new ClassifierChart(a, 'classifier'),
  'mig-embeddings': a => new MigEmbeddingsChart(a, 'embeddings'),
  'llama-70b-canary': a => new Llama70bCanaryChart(a, 'llama-70b-canary'),
  'llama-70b-shadow': a => new Llama70bShadowChart(a, 'llama-70b-shadow'),
  'llama-70b-ab': a => new Llama70bAbChart(a, 'llama-70b-ab'),
  'classifier-blue-green': a => new ClassifierBlueGreenChart(a, 'classifier-blue-green'),
  'llama-70b-pipeline': a => llama70bPipeline(a),
};

function exampleDocs(build: (app: App) => Construct): any[] {
  const app = new App({ outdir: '.tmp/pods', yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
  build(app);
  return app.charts.flatMap(c => Testing.synth(c));
}

describe.each(Object.entries(EXAMPLES))('example %s: every container the library emits', (_name, build) => {
  const docs = exampleDocs(build);
  const specs = docs.flatMap(podSpecsOf);

  test('sets imagePullPolicy by how the image is pinned: IfNotPresent for a digest, Always for a tag', () => {
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      for (const c of [...spec.initContainers ?? [], ...spec.containers]) {
        expect({ image: c.image, imagePullPolicy: c.imagePullPolicy })
          .toEqual({ image: c.image, imagePullPolicy: /@sha256:[0-9a-f]{64}$/.test(c.image) ? 'IfNotPresent' : 'Always' });
      }
    }
  });

  test('requests the node disk its pod writes, and a limit no emptyDir filled to its sizeLimit can exceed', () => {
    for (const spec of specs) {
      for (const c of [...spec.initContainers ?? [], ...spec.containers]) {
        expect(bytes(c.resources?.requests?.['ephemeral-storage'])).toBeGreaterThan(0);
      }
      const limit = podStorage(spec, 'limits');
      const sized = diskEmptyDirs(spec).map((v: any) => bytes(v.emptyDir.sizeLimit));
      if (limit === undefined) {
        // Only a model cache of unknown size goes without a limit: one would evict the pod mid-download.
        expect(diskEmptyDirs(spec).find((v: any) => v.name === 'model')).toEqual({ name: 'model', emptyDir: {} });
        continue;
      }
      const full = sized.reduce((a: number, v: number | undefined) => a + (v ?? 0), 0);
      expect(limit).toBeGreaterThanOrEqual(full + GI);
      expect(podStorage(spec, 'requests')).toBe(limit);
    }
  });

  test('is told how to wait before SIGTERM with a handler that works on Kubernetes 1.28', () => {
    for (const spec of specs) {
      for (const c of spec.containers) {
        if (!c.lifecycle) continue;
        expect(Object.keys(c.lifecycle.preStop)).toEqual(['exec']);
        expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(c.lifecycle.preStop.exec.command[1]));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Point 8: images and disk

describe('imagePullPolicy', () => {
  test('server and model downloader: Always for a tag (a node may hold an older push), IfNotPresent for a digest', async () => {
    const tagged = await expectConformant(service().chart);
    expect(server(tagged)).toMatchObject({ image: 'vllm/vllm-openai:v0.11.0', imagePullPolicy: 'Always' });
    expect(podSpec(tagged).initContainers[0]).toMatchObject({ image: 'vllm/vllm-openai:v0.11.0', imagePullPolicy: 'Always' });
    const pinned = await expectConformant(service({ runtime: ModelRuntime.vllm({ image: VLLM_TAG + DIGEST }) }).chart);
    expect(server(pinned)).toMatchObject({ image: VLLM_TAG + DIGEST, imagePullPolicy: 'IfNotPresent' });
    expect(podSpec(pinned).initContainers[0].imagePullPolicy).toBe('IfNotPresent');
    const s3 = await expectConformant(service({
      runtime: ModelRuntime.vllm({ image: VLLM_TAG + DIGEST }),
      model: ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' }),
    }).chart);
    expect(podSpec(s3).initContainers[0]).toMatchObject({ image: 'amazon/aws-cli:2.27.50', imagePullPolicy: 'Always' });
  });

  test('evaluator, in a client pod and in process', async () => {
    const { chart, svc } = service({ name: 'llm' });
    new ValidationJob(chart, 'Tagged', { service: svc, image: 'ghcr.io/acme/evaluator:1.4.2', dataset: { uri: 's3://e/' }, checks: CHECKS, name: 'tagged' });
    new ValidationHook(chart, 'InProcess', { service: svc, image: EVALUATOR, dataset: { uri: 's3://e/' }, checks: CHECKS, target: ValidationTarget.inProcess() });
    const docs = await expectConformant(chart, { sampleArgs: { 'candidate-service': 'llm-canary', 'namespace': 'llm' } });
    const job = podSpecsOf(byKind(docs).AnalysisTemplate)[0];
    expect(job.containers[0]).toMatchObject({ image: 'ghcr.io/acme/evaluator:1.4.2', imagePullPolicy: 'Always' });
    const hook = podSpecsOf(byKind(docs).Job)[0];
    expect(hook.containers[0]).toMatchObject({ image: EVALUATOR, imagePullPolicy: 'IfNotPresent' });
    expect(hook.initContainers[0].imagePullPolicy).toBe('Always');
  });
});

describe('ephemeral storage', () => {
  test('the 70B example: the 158 GiB model cache plus 10 GiB of scratch is requested and limited, for the server and the download', async () => {
    const docs = await expectConformant(new Llama70bChart(new App(), 'llama-70b'));
    const spec = podSpec(docs);
    expect(diskEmptyDirs(spec).find((v: any) => v.name === 'model').emptyDir.sizeLimit).toBe('158Gi');
    const disk = { requests: { 'ephemeral-storage': '168Gi' }, limits: { 'ephemeral-storage': '168Gi' } };
    expect(server(docs).resources).toMatchObject(disk);
    expect(spec.initContainers[0].resources).toMatchObject(disk);
    // The scheduler reserves it once (the init container runs before the server, not beside it).
    expect(podStorage(spec, 'requests')).toBe(168 * GI);
  });

  test('a full cache plus scratch stays within the pod limit; without the limit the download was unaccounted', async () => {
    const spec = podSpec(await expectConformant(service({ footprint: { parametersBillions: 8, precision: Precision.BF16 } }).chart));
    const cache = bytes(diskEmptyDirs(spec).find((v: any) => v.name === 'model').emptyDir.sizeLimit)!;
    expect(cache).toBe(18 * GI);
    // The kubelet evicts when emptyDirs + logs + writable layers exceed the pod limit.
    expect(podStorage(spec, 'limits')).toBe(cache + 10 * GI);
  });

  test('a PVC cache or a PVC source is not node disk: scratch only, requested and limited', async () => {
    for (const overrides of [{ modelCache: ModelCache.persistentVolumeClaim('models') }, { model: ModelSource.persistentVolumeClaim({ claimName: 'm', modelName: 'x', version: '1' }) }]) {
      const spec = podSpec(await expectConformant(service(overrides as Partial<GpuModelServiceProps>).chart));
      expect(podStorage(spec, 'requests')).toBe(10 * GI);
      expect(podStorage(spec, 'limits')).toBe(10 * GI);
    }
  });

  test('a cache of unknown size: scratch requested, no limit that would evict the pod mid-download', async () => {
    const spec = podSpec(await expectConformant(service().chart));
    expect(diskEmptyDirs(spec).find((v: any) => v.name === 'model').emptyDir.sizeLimit).toBeUndefined();
    expect(spec.containers[0].resources.requests['ephemeral-storage']).toBe('10Gi');
    expect(spec.initContainers[0].resources.requests['ephemeral-storage']).toBe('10Gi');
    expect(podStorage(spec, 'limits')).toBeUndefined();
  });

  test('scratch is a prop; an explicit sizeLimit counts like a derived one', async () => {
    const svc = service({ ephemeralStorage: Size.gibibytes(30), modelCache: ModelCache.emptyDir({ sizeLimit: Size.gibibytes(100) }) });
    const spec = podSpec(await expectConformant(svc.chart));
    expect(podStorage(spec, 'limits')).toBe(130 * GI);
  });

  test('the evaluator: 10 GiB for its /tmp by default, a prop to change it; in process it takes the server\'s', async () => {
    const { chart, svc } = service({ name: 'llm', footprint: { parametersBillions: 8, precision: Precision.BF16 } });
    new ValidationJob(chart, 'Default', { service: svc, image: EVALUATOR, dataset: { uri: 's3://e/' }, checks: CHECKS, name: 'a' });
    new ValidationJob(chart, 'Big', { service: svc, image: EVALUATOR, dataset: { uri: 's3://e/' }, checks: CHECKS, name: 'b', ephemeralStorage: Size.gibibytes(50) });
    new ValidationHook(chart, 'InProcess', { service: svc, image: EVALUATOR, dataset: { uri: 's3://e/' }, checks: CHECKS, target: ValidationTarget.inProcess() });
    const docs = await expectConformant(chart, { sampleArgs: { 'candidate-service': 'llm-canary', 'namespace': 'llm' } });
    const [a, b] = docs.filter((d: any) => d.kind === 'AnalysisTemplate').map(d => podSpecsOf(d)[0]);
    expect(a.containers[0].resources.limits['ephemeral-storage']).toBe('10Gi');
    expect(b.containers[0].resources.requests['ephemeral-storage']).toBe('50Gi');
    expect(podStorage(podSpecsOf(byKind(docs).Job)[0], 'limits')).toBe(28 * GI);
  });
});

describe('production runs the exact images that were validated', () => {
  const steps = [CanaryStep.weight(50), CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 })] }), CanaryStep.weight(100)];
  const base = (overrides: Partial<GpuModelServiceProps> = {}): GpuModelServiceProps => ({
    name: 'llm', model: hfSource(), runtime: ModelRuntime.vllm({ image: VLLM_TAG + DIGEST }), accelerator: Accelerator.H100_SXM, ...overrides,
  });
  const pipelineProps = (overrides: Partial<ModelDeliveryPipelineProps> = {}): ModelDeliveryPipelineProps => ({
    service: base(),
    trafficRouter: TrafficRouter.istio(),
    validation: { image: EVALUATOR, dataset: { uri: 's3://evals/chat/v3/' }, checks: CHECKS },
    staging: { namespace: 'llm-staging', steps },
    production: { namespace: 'llm', replicas: 2, steps },
    gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'clusters/prod/llm' },
    ...overrides,
  });
  const pipeline = (overrides: Partial<ModelDeliveryPipelineProps> = {}) =>
    new ModelDeliveryPipeline(new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/pods' }), 'llm', pipelineProps(overrides));

  test('digests everywhere: accepted, no waiver annotation', async () => {
    const p = pipeline();
    const docs = await expectConformant(p.production, { sampleArgs: { 'candidate-service': 'llm-canary', 'namespace': 'llm' } });
    for (const d of docs as any[]) expect(d.metadata.annotations?.['mlops.cdk8s.io/image-digest-waiver']).toBeUndefined();
    expect(p.production.imageDigestWaiver).toBeUndefined();
  });

  test('a waiver accepts tags in production and is recorded on every object of it, and only of it', async () => {
    const waiver = 'INC-4712: registry mirror without digests until 2026-12-15';
    const p = pipeline({ service: base({ runtime: ModelRuntime.vllm() }), production: { namespace: 'llm', replicas: 2, steps, imageDigestWaiver: waiver } });
    const docs = await expectConformant(p.production, { sampleArgs: { 'candidate-service': 'llm-canary', 'namespace': 'llm' } });
    expect(docs.length).toBeGreaterThan(5);
    for (const d of docs as any[]) expect(d.metadata.annotations['mlops.cdk8s.io/image-digest-waiver']).toBe(waiver);
    for (const d of Testing.synth(p.staging)) expect(d.metadata.annotations?.['mlops.cdk8s.io/image-digest-waiver']).toBeUndefined();
    // The production Application says so too, where a person promoting it looks.
    const apps = Object.fromEntries(Testing.synth(p).map((d: any) => [d.metadata.name, d.metadata.annotations]));
    expect(apps['llm-production']['mlops.cdk8s.io/image-digest-waiver']).toBe(waiver);
    expect(apps['llm-staging']['mlops.cdk8s.io/image-digest-waiver']).toBeUndefined();
  });

  test('staging accepts tags; any environment can ask for digests, and production can be told not to', () => {
    const env = (id: string, props: Partial<DeliveryEnvironmentProps>) => new DeliveryEnvironment(new App(), id, {
      environment: 'staging',
      namespace: 'llm',
      service: base({ runtime: ModelRuntime.vllm() }),
      trafficRouter: TrafficRouter.istio(),
      steps,
      validation: { image: EVALUATOR, dataset: { uri: 's3://e/' }, checks: CHECKS },
      ...props,
    });
    expect(() => env('staging', {})).not.toThrow();
    expect(() => env('eu', { environment: 'production-eu', requireImageDigests: true })).toThrow(/\[eu\] service.runtime.image: is pinned by tag only/);
    expect(() => env('prod', { environment: 'production', requireImageDigests: false })).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// Point 9: drain and shutdown

/**
 * The eviction API against a PodDisruptionBudget with `maxUnavailable` (pkg/controller/disruption and
 * pkg/registry/core/pod/storage/eviction.go): desiredHealthy = expected pods - maxUnavailable, and an eviction
 * of a healthy pod is allowed while currentHealthy - desiredHealthy > 0. With `AlwaysAllow`, a pod that is
 * not Ready is evicted without consulting the budget.
 */
interface Drain { evicted: number; blocked: number; readyLeft: number }
function drainNode(pdb: any, expected: number, pods: Array<{ ready: boolean; onNode: boolean }>): Drain {
  let ready = pods.filter(p => p.ready).length;
  let evicted = 0;
  let blocked = 0;
  for (const pod of pods.filter(p => p.onNode)) {
    const desiredHealthy = Math.max(0, expected - pdb.maxUnavailable);
    const allowed = (!pod.ready && pdb.unhealthyPodEvictionPolicy === 'AlwaysAllow') || ready - desiredHealthy > 0;
    if (!allowed) {
      blocked++;
      continue;
    }
    evicted++;
    if (pod.ready) ready--;
  }
  return { evicted, blocked, readyLeft: ready };
}

describe('node drain', () => {
  const pdbOf = async (overrides: Partial<GpuModelServiceProps>) => byKind(await expectConformant(service(overrides).chart)).PodDisruptionBudget.spec;

  test('one replica: a drain of its node is refused instead of taking the service to zero', async () => {
    const pdb = await pdbOf({});
    expect(pdb).toMatchObject({ maxUnavailable: 0, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect(drainNode(pdb, 1, [{ ready: true, onNode: true }])).toEqual({ evicted: 0, blocked: 1, readyLeft: 1 });
  });

  test('one replica stuck loading (not Ready) does not hold the drain hostage', async () => {
    expect(drainNode(await pdbOf({}), 1, [{ ready: false, onNode: true }])).toEqual({ evicted: 1, blocked: 0, readyLeft: 0 });
  });

  test('allowDisruption: the only replica may go, by explicit choice', async () => {
    const pdb = await pdbOf({ drain: { allowDisruption: true } });
    expect(pdb.maxUnavailable).toBe(1);
    expect(drainNode(pdb, 1, [{ ready: true, onNode: true }])).toEqual({ evicted: 1, blocked: 0, readyLeft: 0 });
  });

  test.each([2, 4])('%i replicas: one at a time, never below replicas - 1, whatever allowDisruption says', async replicas => {
    for (const allowDisruption of [false, true]) {
      const pdb = await pdbOf({ replicas, drain: { allowDisruption } });
      expect(pdb.maxUnavailable).toBe(1);
      // Two replicas on the drained node (preferred anti-affinity can co-locate them): the second waits.
      const pods = Array.from({ length: replicas }, (_, i) => ({ ready: true, onNode: i < 2 }));
      expect(drainNode(pdb, replicas, pods)).toEqual({ evicted: 1, blocked: 1, readyLeft: replicas - 1 });
    }
  });
});

describe('preStop', () => {
  test.each([
    ['vLLM', ModelRuntime.vllm()],
    ['TGI', ModelRuntime.tgi()],
    ['Triton', ModelRuntime.triton()],
  ])('%s: its image has sleep, so an exec sleep that applies on every Kubernetes version', async (_name, runtime) => {
    const model = ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' });
    const docs = await expectConformant(service({ runtime, model }).chart);
    expect(server(docs).lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '15'] } } });
  });

  const custom = ModelRuntime.custom({ image: 'ghcr.io/acme/server' + DIGEST, port: 8080, livenessPath: '/healthz', cudaVersion: CudaVersion.CUDA_12_8 });
  const model = ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' });
  test('a custom runtime says how: exec sleep, or the native sleep action (1.30+)', async () => {
    const exec = await expectConformant(service({ runtime: custom, model, drain: { preStopHandler: PreStopHandler.execSleep() } }).chart);
    expect(server(exec).lifecycle.preStop).toEqual({ exec: { command: ['sleep', '15'] } });
    const drain = { preStopHandler: PreStopHandler.sleepAction(), preStopDelay: Duration.seconds(25) };
    const native = await expectConformant(service({ runtime: custom, model, drain }).chart);
    expect(server(native).lifecycle.preStop).toEqual({ sleep: { seconds: 25 } });
    // The grace period covers the wait and the shutdown: 25 s + 2 min.
    expect(podSpec(native).terminationGracePeriodSeconds).toBe(145);
  });

  test('no delay, no hook: nothing for a custom runtime to declare', async () => {
    const docs = await expectConformant(service({ runtime: custom, model, drain: { preStopDelay: Duration.seconds(0) } }).chart);
    expect(server(docs).lifecycle).toBeUndefined();
  });

  test.each([
    ['exec sleep', PreStopHandler.execSleep(), Duration.seconds(15), Duration.minutes(2)],
    ['sleep action', PreStopHandler.sleepAction(), Duration.seconds(40), Duration.seconds(1)],
  ])('terminationGracePeriodSeconds >= preStop + shutdown (%s)', async (_n, preStopHandler, preStopDelay, shutdownTimeout) => {
    const docs = await expectConformant(service({ runtime: custom, model, drain: { preStopHandler, preStopDelay, shutdownTimeout } }).chart);
    expect(podSpec(docs).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopDelay.toSeconds() + shutdownTimeout.toSeconds());
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input: the construct path, the prop, the value and the fix

function pipelineWith(serviceOverrides: Partial<GpuModelServiceProps>, validationImage = EVALUATOR): void {
  const steps = [CanaryStep.weight(100)];
  new ModelDeliveryPipeline(new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE }), 'llm', {
    service: { name: 'llm', model: hfSource(), runtime: ModelRuntime.vllm({ image: VLLM_TAG + DIGEST }), accelerator: Accelerator.H100_SXM, ...serviceOverrides },
    trafficRouter: TrafficRouter.istio(),
    validation: { image: validationImage, dataset: { uri: 's3://e/' }, checks: CHECKS },
    staging: { namespace: 'llm-staging', steps },
    production: { namespace: 'llm', steps, imageDigestWaiver: '   ' },
    gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'clusters/llm' },
  });
}

function validationJob(props: Partial<ValidationJobProps>): void {
  const { chart, svc } = service({ name: 'llm' });
  new ValidationJob(chart, 'Validation', { service: svc, image: EVALUATOR, dataset: { uri: 's3://e/' }, checks: CHECKS, ...props });
}

const custom = ModelRuntime.custom({ image: 'ghcr.io/acme/distroless-server' + DIGEST, port: 8080, livenessPath: '/healthz', cudaVersion: CudaVersion.CUDA_12_8 });
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.each([
  {
    name: 'production: a server image by tag',
    build: () => pipelineWith({ runtime: ModelRuntime.vllm() }),
    path: 'llm-production',
    prop: 'service.runtime.image',
    value: '"vllm/vllm-openai:v0.11.0"',
    fix: 'pin the digest (vllm/vllm-openai:v0.11.0@sha256:<digest>, e.g. from `crane digest`), or set imageDigestWaiver to the reason the tag is accepted',
  },
  {
    name: 'production: a Hugging Face downloader by tag',
    build: () => pipelineWith({
      model: ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-8B-Instruct', revision: 'a'.repeat(40), downloaderImage: 'ghcr.io/acme/hf-download:1.0' }),
    }),
    path: 'llm-production',
    prop: 'service.model.downloaderImage',
    value: '"ghcr.io/acme/hf-download:1.0"',
    fix: 'pin the digest (ghcr.io/acme/hf-download:1.0@sha256:<digest>',
  },
  {
    name: 'production: the default downloader of an S3 source by tag',
    build: () => pipelineWith({ model: ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' }) }),
    path: 'llm-production',
    prop: 'service.model.downloaderImage',
    value: '"amazon/aws-cli:2.27.50"',
    fix: 'pin the digest (amazon/aws-cli:2.27.50@sha256:<digest>',
  },
  {
    name: 'production: the evaluator by tag',
    build: () => pipelineWith({}, 'ghcr.io/acme/evaluator:1.4.2'),
    path: 'llm-production',
    prop: 'validation.image',
    value: '"ghcr.io/acme/evaluator:1.4.2"',
    fix: 'pin the digest (ghcr.io/acme/evaluator:1.4.2@sha256:<digest>',
  },
  {
    name: 'a custom runtime that does not say how to wait in preStop',
    build: () => service({ runtime: custom, model: ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' }) }),
    path: 'test/Svc',
    prop: 'drain.preStopHandler',
    value: 'undefined',
    fix: 'set drain.preStopHandler: PreStopHandler.execSleep() if the image has sleep, PreStopHandler.sleepAction() on Kubernetes 1.30+, or drain.preStopDelay: Duration.seconds(0)',
  },
  {
    name: 'no scratch disk for the server',
    build: () => service({ ephemeralStorage: Size.mebibytes(0) }),
    path: 'test/Svc',
    prop: 'ephemeralStorage',
    value: '0 KiB',
    fix: 'e.g. ephemeralStorage: Size.gibibytes(10)',
  },
  {
    name: 'no scratch disk for the evaluator',
    build: () => validationJob({ ephemeralStorage: Size.kibibytes(512) }),
    path: 'test/Validation',
    prop: 'ephemeralStorage',
    value: '512 KiB',
    fix: 'e.g. ephemeralStorage: Size.gibibytes(10)',
  },
])('bad input: $name', ({ build, path, prop, value, fix }) => {
  test('is refused with the construct path, the prop, the value and the fix', () => {
    expect(build).toThrow(new RegExp(`^\\[${escape(path)}\\] ${escape(prop)}: .* \\(got ${escape(value)}\\)\\. Fix: ${escape(fix)}`));
  });
});

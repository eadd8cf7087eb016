import { App, Duration, Testing, YamlOutputType } from 'cdk8s';
import {
  Accelerator, CanaryStep, DeliveryEnvironment, Gate, ModelDeliveryPipeline, ModelDeliveryPipelineProps, ModelRuntime, NotificationTrigger, Notify,
  Precision, StagedGroupUpdate, SyncWave, TrafficRouter, UpdateStage, ValidationCheck,
} from '../../src';
import { expectConformant } from '../conformance';
import { hfSource } from '../serving/helpers';

// A multi-node model (405B BF16 on 2 x 8 H100 per replica) through the pipeline: each environment updates its
// LeaderWorkerSet groups with a StagedGroupUpdate in the stage its own props give, so "canary -> full" is a commit of
// one environment's prop.
const IMAGE = 'ghcr.io/acme/evaluator@sha256:' + 'a'.repeat(64);
const GATES = [Gate.errorRate({ maxRatio: 0.01, stableTolerance: 1 }), Gate.latency({ threshold: Duration.seconds(8), stableTolerance: 0.2 })];
const STEPS = [CanaryStep.analysis({ gates: GATES })];
const RELEASE = 'mlops.cdk8s.io/release';

function props(overrides: Partial<ModelDeliveryPipelineProps> = {}): ModelDeliveryPipelineProps {
  return {
    service: {
      name: 'big',
      model: hfSource(),
      runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.11.0@sha256:' + 'b'.repeat(64) }),
      accelerator: Accelerator.H100_SXM,
      tensorParallelSize: 8,
      pipelineParallelSize: 2,
      footprint: { parametersBillions: 405, precision: Precision.BF16 },
    },
    trafficRouter: TrafficRouter.istio(),
    validation: { image: IMAGE, dataset: { uri: 's3://evals/chat/v3/' }, checks: [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 })] },
    staging: { namespace: 'llm-staging', replicas: 2, steps: STEPS },
    production: { namespace: 'llm', replicas: 3, steps: STEPS, stagedUpdateStage: UpdateStage.canary({ groups: 1 }), gpuBudget: 64 },
    gitOps: { repoUrl: 'https://github.com/acme/deploy.git', path: 'clusters/prod/big' },
    ...overrides,
  };
}

const newApp = () => new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/staged-pipeline' });
const of = (docs: any[], kind: string) => docs.filter(d => d.kind === kind);

describe('a multi-node model through the pipeline: the stage is each environment\'s prop', () => {
  test('staging full, production canary on one group: LWS partitions, the AnalysisRun only in production', async () => {
    const app = newApp();
    const p = new ModelDeliveryPipeline(app, 'big', props());
    await expectConformant(app, { sampleArgs: { 'candidate-service': 'big-canary', 'namespace': 'llm', 'canary-hash': 'abc' } });
    const [staging, production] = [Testing.synth(p.staging), Testing.synth(p.production)];
    for (const docs of [staging, production]) {
      expect(of(docs, 'Rollout')).toEqual([]);
      // A staged update renders its validation into its run: no template nobody references.
      expect(of(docs, 'AnalysisTemplate')).toEqual([]);
    }
    expect([p.staging.rollout, p.production.rollout]).toEqual([undefined, undefined]);
    expect([p.staging.update!.partition, p.production.update!.partition]).toEqual([0, 2]);
    expect(of(staging, 'LeaderWorkerSet')[0].spec.rolloutStrategy.rollingUpdateConfiguration.partition).toBe(0);
    expect(of(production, 'LeaderWorkerSet')[0].spec.rolloutStrategy.rollingUpdateConfiguration.partition).toBe(2);
    expect(of(staging, 'AnalysisRun')).toEqual([]);
    const [run] = of(production, 'AnalysisRun');
    expect(run.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    // The steps' gates and the pipeline's validation measure the canary group, against the other groups' releases.
    expect(run.spec.metrics.map((m: any) => m.name)).toEqual(['error-rate', 'error-rate-vs-stable', 'latency-p95', 'latency-p95-vs-stable', 'validation']);
    expect(run.spec.args).toEqual([
      { name: 'namespace', value: 'llm' },
      { name: 'canary-hash', value: of(production, 'LeaderWorkerSet')[0].spec.leaderWorkerTemplate.leaderTemplate.metadata.labels[RELEASE] },
      { name: 'candidate-service', value: 'big-canary' },
    ]);
    expect(run.spec.metrics[1].provider.prometheus.query).toContain('rollouts_pod_template_hash!~"{{args.canary-hash}}|",job="big"');
    // The GPU plan counts whole groups: 3 groups + 1 surge group, of 2 nodes x 8 GPUs.
    expect(p.production.update!.gpuPlan.peakGpus).toBe(64);
    // Production's PreSync hook validates staging's Service (its leaders), which admits the hook's pods.
    const hook = of(production, 'Job').find(j => j.metadata.annotations?.['argocd.argoproj.io/hook'] === 'PreSync');
    expect(hook.spec.template.spec.containers[0].env).toContainEqual({ name: 'MLOPS_ENDPOINT', value: 'http://big.llm-staging.svc:8000' });
    expect(of(staging, 'NetworkPolicy')[0].spec.ingress.flatMap((r: any) => r.from)).toContainEqual(p.production.preSyncValidation!.evaluatorPeer._render());
    // Sync waves: the groups in the workload wave, the canary Service and the evaluator's config before them.
    const wave = (kind: string, name: string) => production.find(d => d.kind === kind && d.metadata.name === name).metadata.annotations['argocd.argoproj.io/sync-wave'];
    expect([wave('Service', 'big-canary'), wave('ConfigMap', 'big-validation'), wave('LeaderWorkerSet', 'big')])
      .toEqual([SyncWave.CONFIG, SyncWave.CONFIG, SyncWave.WORKLOAD].map(String));
  });

  test('production commits "full": partition 0 and no AnalysisRun, nothing else changes', () => {
    const p = new ModelDeliveryPipeline(newApp(), 'big', props({ production: { ...props().production, stagedUpdateStage: UpdateStage.full() } }));
    const production = Testing.synth(p.production);
    expect(of(production, 'LeaderWorkerSet')[0].spec.rolloutStrategy.rollingUpdateConfiguration.partition).toBe(0);
    expect(of(production, 'AnalysisRun')).toEqual([]);
    expect(of(production, 'Service').map(s => s.metadata.name)).toEqual(['big']);
  });

  test('staging on another cluster: no in-process PreSync hook (a group cannot be loaded in one pod), the canary run validates', () => {
    const p = new ModelDeliveryPipeline(newApp(), 'big', props({ staging: { ...props().staging, destinationServer: 'https://staging.example.com' } }));
    expect(p.production.preSyncValidation).toBeUndefined();
    expect(of(Testing.synth(p.production), 'AnalysisRun')[0].spec.metrics.map((m: any) => m.name)).toContain('validation');
  });
});

describe('bad input', () => {
  const env = (o: object) => new DeliveryEnvironment(newApp(), 'env', {
    environment: 'staging', namespace: 'llm', service: props().service, trafficRouter: TrafficRouter.istio(), steps: STEPS, validationWaiver: 'test', ...o,
  });
  test.each<[string, () => unknown, RegExp]>([
    ['a stage on a single-node service', () => env({ service: { ...props().service, pipelineParallelSize: 1, footprint: undefined }, stagedUpdateStage: UpdateStage.full() }),
      /\[env\] stagedUpdateStage: stages the LeaderWorkerSet groups of a multi-node service, and this service runs on one node per replica \(got "full"\)\. Fix: drop stagedUpdateStage/],
    ['a traffic weight for a multi-node service', () => env({ steps: [CanaryStep.weight(25), ...STEPS] }),
      /\[env\] steps: moves traffic or runs templates, but a multi-node service is updated by LeaderWorkerSet groups, not traffic weights \(got "setWeight"\)\. Fix: give only CanaryStep\.analysis\(\{ gates \}\) steps/],
    ['a pause for a multi-node service', () => env({ steps: [CanaryStep.pause(Duration.minutes(5)), ...STEPS] }), /\[env\] steps: .*\(got "pause"\)/],
    ['Rollout notifications for a multi-node service', () => env({ notifications: [{ on: [NotificationTrigger.ROLLOUT_ABORTED], notify: [Notify.slack('#ml')] }] }),
      /\[env\] notifications: subscribes Argo Rollouts triggers, and a multi-node service's staged update has no Rollout .*Fix: subscribe the Argo CD Application/],
    ['no gate in the steps', () => env({ steps: [] }), /\[env\/Update\] gates: is empty/],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  test('a StagedGroupUpdate of its own beside the environment\'s: both refused, the environment owns the stage', () => {
    const e = env({ stagedUpdateStage: UpdateStage.canary({ groups: 1 }), replicas: 2 });
    new StagedGroupUpdate(e, 'Mine', { service: e.service, stage: UpdateStage.full(), gates: GATES });
    expect(() => Testing.synth(e)).toThrow(/workload: is updated by env\/Update and env\/Mine\. Fix: give each multi-node service one StagedGroupUpdate/);
  });
});

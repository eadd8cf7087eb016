import { Duration, Testing } from 'cdk8s';
import {
  BlueGreenRollout, CanaryRollout, CanaryStep, HookDeletePolicy, TrafficRouter, ValidationCheck, ValidationHook, ValidationJob, ValidationJobProps,
  ValidationTarget,
} from '../../src';
import { expectConformant } from '../conformance';
import { bound } from '../inputs/bind';
import { service } from '../serving/helpers';

const IMAGE = 'ghcr.io/acme/evaluator@sha256:' + 'a'.repeat(64);
const CHECKS = [
  ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8, baseline: 0.85, baselineTolerance: 0.02 }),
  ValidationCheck.latency({ p50: Duration.millis(800), p95: Duration.seconds(2), p99: Duration.seconds(4), requestsPerSecond: 5 }),
  ValidationCheck.schema({ outputSchema: { type: 'object', required: ['choices'] } }),
  ValidationCheck.slices({ metric: 'accuracy', sliceBy: 'language', maxGap: 0.05 }),
];

function job(props: Partial<ValidationJobProps> = {}, svcProps = {}) {
  const { chart, svc } = service({ name: 'llm', tensorParallelSize: 8, replicas: 2, ...svcProps });
  const validation = new ValidationJob(chart, 'Validation', { service: svc, image: IMAGE, dataset: { uri: 's3://evals/chat/v3/' }, checks: CHECKS, ...props });
  return { chart, svc, validation };
}

const of = (docs: any[], kind: string) => docs.filter(d => d.kind === kind);
const envOf = (container: any) => Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));

describe('ValidationJob', () => {
  test('renders an AnalysisTemplate with the job provider calling the rollout candidate (snapshot)', async () => {
    const { chart, svc, validation } = job();
    const docs = await expectConformant(chart, { sampleArgs: { 'candidate-service': 'llm-canary', 'namespace': 'llm' } });
    const [template] = of(docs, 'AnalysisTemplate');
    expect(template.metadata.name).toBe('llm-validation');
    expect(validation.templateName).toBe('llm-validation');
    expect(validation.requiredArgs).toEqual(['namespace', 'candidate-service']);
    expect(template.spec.args).toEqual([{ name: 'namespace' }, { name: 'candidate-service' }]);
    const [metric] = template.spec.metrics;
    // The job provider: Job exit 0 = success; no conditions, no retries of the verdict.
    expect(metric.failureLimit).toBe(0);
    expect(metric.successCondition).toBeUndefined();
    const jobSpec = metric.provider.job.spec;
    expect(jobSpec.backoffLimit).toBe(1);
    expect(jobSpec.activeDeadlineSeconds).toBe(1800);
    expect(jobSpec.podFailurePolicy.rules[0]).toEqual({ action: 'FailJob', onExitCodes: { containerName: 'evaluator', operator: 'In', values: [1] } });
    const pod = jobSpec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const [evaluator] = pod.containers;
    expect(evaluator.image).toBe(IMAGE);
    expect(envOf(evaluator)).toMatchObject({
      MLOPS_ENDPOINT: 'http://{{args.candidate-service}}.{{args.namespace}}.svc:8000',
      MLOPS_VALIDATION_CONFIG: '/etc/mlops-validation/validation.json',
      MLOPS_RESULT_FILE: '/dev/termination-log',
      MLOPS_MODEL_VERSION: svc.lineage.modelVersion,
    });
    expect(evaluator.resources.limits).toEqual({ 'cpu': '2', 'memory': '4Gi', 'ephemeral-storage': '10Gi' });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBeUndefined();
    // The evaluator pod must never be selected by the model's Service (or it would get inference traffic).
    const selector = of(docs, 'Service')[0].spec.selector;
    const podLabels = jobSpec.template.metadata.labels;
    expect(Object.entries(selector).every(([k, v]) => podLabels[k] === v)).toBe(false);
    expect(docs).toMatchSnapshot();
  });

  test('the ConfigMap carries the evaluator contract: model, dataset, checks with computed limits, schema files', async () => {
    const { chart } = job({ dataset: { uri: 's3://evals/chat/v3/', sha256: 'b'.repeat(64) } });
    const [config] = of(Testing.synth(chart), 'ConfigMap');
    const parsed = JSON.parse(config.data['validation.json']);
    expect(parsed.model).toEqual({
      name: 'meta-llama/Llama-3.1-8B-Instruct',
      version: '1605565b47bb9346c5515c34102e054115b4f98b',
      sourceUri: expect.stringContaining('huggingface.co'),
      servedModelName: 'llm',
    });
    expect(parsed.dataset).toEqual({ uri: 's3://evals/chat/v3/', sha256: 'b'.repeat(64) });
    expect(parsed.checks.map((c: any) => c.name)).toEqual(['quality-accuracy', 'latency', 'schema', 'slices-accuracy-language']);
    // max(threshold 0.8, baseline 0.85 - tolerance 0.02)
    expect(parsed.checks[0]).toMatchObject({ type: 'quality', minimum: 0.83, baseline: 0.85, baselineTolerance: 0.02 });
    expect(parsed.checks[1]).toMatchObject({
      percentilesSeconds: { p50: 0.8, p95: 2, p99: 4 }, load: { requestsPerSecond: 5, durationSeconds: 300, concurrency: 16 },
    });
    expect(parsed.checks[2]).toEqual({ name: 'schema', type: 'schema', outputSchema: 'output-schema.json' });
    expect(JSON.parse(config.data['output-schema.json'])).toEqual({ type: 'object', required: ['choices'] });
  });

  test('a canary step supplies the candidate Service; a blue-green pre-promotion analysis the preview Service', async () => {
    const { chart, svc, validation } = job();
    new CanaryRollout(chart, 'Canary', {
      service: svc,
      trafficRouter: TrafficRouter.istio(),
      steps: [
        CanaryStep.canaryScale({ replicas: 1 }), CanaryStep.analysis({ templates: [validation] }), CanaryStep.weight(50), CanaryStep.weight(100),
      ],
    });
    const docs = await expectConformant(chart, { sampleArgs: { 'candidate-service': 'llm-canary', 'namespace': 'llm' } });
    const steps = of(docs, 'Rollout')[0].spec.strategy.canary.steps;
    expect(steps[1].analysis).toEqual({
      templates: [{ templateName: 'llm-validation' }],
      args: [{ name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }, { name: 'candidate-service', value: 'llm-canary' }],
    });

    const bg = job();
    new BlueGreenRollout(bg.chart, 'BlueGreen', { service: bg.svc, prePromotionAnalysis: { templates: [bg.validation] } });
    const bgDocs = await expectConformant(bg.chart, { sampleArgs: { 'candidate-service': 'llm-preview', 'namespace': 'llm' } });
    const strategy = of(bgDocs, 'Rollout')[0].spec.strategy.blueGreen;
    expect(strategy.prePromotionAnalysis.args).toContainEqual({ name: 'candidate-service', value: 'llm-preview' });
  });

  test('in process, the evaluator loads the model on the service\'s GPU product', async () => {
    const { chart, svc } = job({ target: ValidationTarget.inProcess(), timeout: Duration.minutes(20) },
      { requireNodeSpread: true, zoneSpread: true });
    const docs = await expectConformant(chart);
    const jobSpec = of(docs, 'AnalysisTemplate')[0].spec.metrics[0].provider.job.spec;
    const pod = jobSpec.template.spec;
    const [evaluator] = pod.containers;
    expect(evaluator.resources.limits['nvidia.com/gpu']).toBe(8);
    expect(envOf(evaluator).MLOPS_MODEL_DIR).toBe(svc.modelPath);
    expect(envOf(evaluator).MLOPS_ENDPOINT).toBeUndefined();
    expect(evaluator.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/models', '/dev/shm', '/etc/mlops-validation']));
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['fetch-model-huggingface']);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toContainEqual({ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3'] });
    expect(pod.affinity.podAntiAffinity).toBeUndefined();
    expect(pod.topologySpreadConstraints).toBeUndefined();
    expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(pod.restartPolicy).toBe('Never');
    // The model load counts against the deadline too.
    expect(jobSpec.activeDeadlineSeconds).toBe(20 * 60 + svc.startupTimeout.toSeconds());
    expect(of(docs, 'AnalysisTemplate')[0].spec.args).toBeUndefined();
  });

  test('an in-process validation\'s GPUs count in the rollout\'s GPU plan and budget', () => {
    const steps = (v: ValidationJob) => [...CanaryStep.validateBeforeTraffic(v), CanaryStep.weight(50), CanaryStep.weight(100)];
    const a = job({ target: ValidationTarget.inProcess() });
    expect(a.validation.gpus).toBe(8);
    const rollout = new CanaryRollout(a.chart, 'Canary', {
      service: a.svc, trafficRouter: TrafficRouter.istio(), dynamicStableScale: true, steps: steps(a.validation),
    });
    // The validation step holds 1 canary + 2 stable replicas and the evaluator's 8 GPUs: 32; the 50% step only 3 replicas: 24.
    expect(rollout.gpuPlan).toMatchObject({ peakReplicas: 3, analysisGpus: 8, peakGpus: 32 });
    const b = job({ target: ValidationTarget.inProcess() });
    expect(() => new CanaryRollout(b.chart, 'Canary', {
      service: b.svc, trafficRouter: TrafficRouter.istio(), dynamicStableScale: true, gpuBudget: 24, steps: steps(b.validation),
    })).toThrow(/gpuBudget: the strategy can hold 32 GPUs at once, over the budget \(peak 32 GPUs \(3 replicas x 8 \+ 8 for in-process analysis\)/);
    const bg = job({ target: ValidationTarget.inProcess() });
    const blueGreen = new BlueGreenRollout(bg.chart, 'BlueGreen', { service: bg.svc, prePromotionAnalysis: { templates: [bg.validation] } });
    expect(blueGreen.gpuPlan.peakGpus).toBe(2 * 2 * 8 + 8);
    expect(job().validation.gpus).toBe(0);
  });

  test('a URL target needs no args', async () => {
    const { chart, validation } = job({ target: ValidationTarget.url('http://llm.staging.svc:8000/') });
    const docs = await expectConformant(chart);
    expect(validation.requiredArgs).toEqual([]);
    expect(envOf(of(docs, 'AnalysisTemplate')[0].spec.metrics[0].provider.job.spec.template.spec.containers[0]).MLOPS_ENDPOINT).toBe('http://llm.staging.svc:8000');
  });
});

describe('ValidationHook', () => {
  test('renders an Argo CD PreSync hook Job with its ConfigMap one wave earlier (snapshot)', async () => {
    const { chart, svc } = service({ name: 'llm' });
    const hook = new ValidationHook(chart, 'Hook', {
      service: svc,
      image: IMAGE,
      dataset: { uri: 's3://evals/chat/v3/' },
      checks: CHECKS,
      target: ValidationTarget.url('http://llm.staging.svc:8000'),
      deletePolicies: [HookDeletePolicy.BEFORE_HOOK_CREATION, HookDeletePolicy.HOOK_SUCCEEDED],
      backoffLimit: 2,
    });
    const docs = await expectConformant(chart);
    const [job_] = of(docs, 'Job');
    expect(job_.metadata.name).toBe(hook.jobName);
    expect(job_.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'argocd.argoproj.io/sync-wave': '-5',
    });
    expect(job_.spec.activeDeadlineSeconds).toBe(1800);
    expect(job_.spec.backoffLimit).toBe(2);
    // Argo CD deletes hooks by policy; a TTL would race it.
    expect(job_.spec.ttlSecondsAfterFinished).toBeUndefined();
    const config = of(docs, 'ConfigMap').find(c => c.metadata.name === hook.jobName);
    expect(config.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '-10' });
    expect(job_.spec.template.spec.volumes[0]).toEqual({ name: 'validation-config', configMap: { name: hook.jobName } });
    expect(docs.filter(d => d.metadata.name === hook.jobName)).toMatchSnapshot();
  });

  test('defaults to in-process validation and refuses a rollout candidate', () => {
    const { chart, svc } = service({ name: 'llm' });
    new ValidationHook(chart, 'Hook', { service: svc, image: IMAGE, dataset: { uri: 's3://evals/x/' }, checks: CHECKS });
    const [job_] = of(Testing.synth(chart), 'Job');
    expect(job_.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(() => new ValidationHook(chart, 'Hook2', {
      service: svc, image: IMAGE, dataset: { uri: 's3://evals/x/' }, checks: CHECKS, target: ValidationTarget.rolloutCandidate(),
    })).toThrow(/Hook2\] target: a PreSync hook runs before the new version is applied.*Fix: use ValidationTarget.inProcess\(\)/);
  });
});

describe('bad input', () => {
  test.each([
    ['threshold above 1', () => ValidationCheck.quality({ metric: 'accuracy', threshold: 82 }), /quality\(accuracy\)\.threshold: must be a ratio from 0 to 1 \(got 82\)\. Fix: express the metric as a fraction/],
    ['negative threshold', () => ValidationCheck.quality({ metric: 'f1', threshold: -0.1 }), /threshold: must be a ratio from 0 to 1 \(got -0.1\)/],
    ['baseline outside range', () => ValidationCheck.quality({ metric: 'f1', threshold: 0.5, baseline: 1.5 }), /baseline: must be a ratio from 0 to 1 \(got 1.5\)/],
    ['slice gap outside range', () => ValidationCheck.slices({ metric: 'f1', sliceBy: 'lang', maxGap: 2 }), /maxGap: must be a ratio from 0 to 1 \(got 2\)/],
    ['NaN threshold', () => ValidationCheck.quality({ metric: 'f1', threshold: NaN }), /threshold: must be a ratio from 0 to 1 \(got NaN\)/],
    ['tolerance without a baseline', () => ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8, baselineTolerance: 0.01 }),
      /baselineTolerance: is a tolerance below a production baseline, but no baseline is given \(got 0.01\)\. Fix: set baseline/],
    ['latency without a percentile', () => ValidationCheck.latency({ requestsPerSecond: 1 }), /latency: checks no percentile/],
    ['p99 below p95', () => ValidationCheck.latency({ p95: Duration.seconds(3), p99: Duration.seconds(1), requestsPerSecond: 1 }), /latency\.p99: is below p95/],
    ['no load', () => ValidationCheck.latency({ p95: Duration.seconds(3), requestsPerSecond: 0 }), /requestsPerSecond: must be a positive number \(got 0\)/],
    ['schema without schemas', () => ValidationCheck.schema({}), /schema: checks no schema/],
  ])('%s', (_name, build, message) => {
    // A factory's problem is reported by the construct that binds the value.
    expect(() => bound(build())).toThrow(message);
  });

  test('a job with no evaluator image', () => {
    expect(() => job({ image: '' })).toThrow(/\[test\/Validation\] image: is empty: the checks run in your evaluator image.*\(got ""\)\. Fix: set image/);
    expect(() => job({ image: undefined as any })).toThrow(/image: is empty/);
  });

  test('an evaluator image that is not pinned', () => {
    expect(() => job({ image: 'ghcr.io/acme/evaluator:latest' })).toThrow(/\[test\/Validation\] image: 'latest' moves/);
  });

  test('no checks, duplicate checks, a dataset without scheme', () => {
    expect(() => job({ checks: [] })).toThrow(/checks: is empty, so the validation would pass without checking anything/);
    expect(() => job({ checks: [CHECKS[0], CHECKS[0]] })).toThrow(/checks: has two checks with the same name \(got "quality-accuracy"\)/);
    expect(() => job({ dataset: { uri: 'evals/chat' } })).toThrow(/dataset\.uri: must be a URI with a scheme.*\(got "evals\/chat"\)/);
  });

  test('a URL target that is not a URL', () => {
    expect(() => bound(ValidationTarget.url('llm.staging:8000'))).toThrow(/ValidationTarget.url: must be an http\(s\) URL/);
  });
});

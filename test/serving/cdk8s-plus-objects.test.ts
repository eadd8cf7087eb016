import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { byKind, hfSource, podSpec, server, SHA } from './helpers';
import {
  Accelerator, AlertPreset, AlertReceiver, AlertRoute, AlertSeverity, GpuModelService, GpuModelServiceProps, ModelAlerts, ModelCache, ModelRuntime,
  ModelSource, ValidationCheck, ValidationHook, ValidationJob,
} from '../../src';
import { expectConformant } from '../conformance';

/** A chart in namespace `ml` with one service; `objects` makes the cdk8s-plus objects it refers to, in the same chart. */
function serviceWith(objects: (chart: Chart) => Partial<GpuModelServiceProps>, namespace: string | undefined = 'ml') {
  const chart = new Chart(Testing.app(), 'c', { namespace });
  const svc = new GpuModelService(chart, 'Svc', { model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM, ...objects(chart) });
  return { chart, svc };
}

const secret = (chart: Chart, name: string) => new kplus.Secret(chart, `Secret-${name}`, { metadata: { name }, stringData: { token: 'x' } });
const claim = (chart: Chart, name: string) => new kplus.PersistentVolumeClaim(chart, `Claim-${name}`, {
  metadata: { name }, storage: Size.gibibytes(200), accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_MANY],
});

describe('GpuModelService takes cdk8s-plus Secrets and claims where it takes their names', () => {
  test('secretEnv, the Hugging Face token and the model cache render the objects\' names, as the names would', async () => {
    const { chart } = serviceWith(c => ({
      model: ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA, token: { secret: kplus.Secret.fromSecretName(c, 'Hf', 'hf-token'), key: 'token' } }),
      secretEnv: { API_KEY: { secret: secret(c, 'api'), key: 'token' } },
      modelCache: ModelCache.fromPersistentVolumeClaim(claim(c, 'model-cache')),
    }));
    const docs = await expectConformant(chart);
    const spec = podSpec(docs);
    expect(server(docs).env).toContainEqual({ name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } });
    expect(spec.initContainers[0].env).toContainEqual({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } });
    expect(spec.volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'model-cache' } });
    // The referenced objects are in the output, in the pods' namespace.
    expect(docs.filter((d: any) => ['Secret', 'PersistentVolumeClaim'].includes(d.kind)).map((d: any) => [d.kind, d.metadata.name, d.metadata.namespace]))
      .toEqual([['Secret', 'api', 'ml'], ['PersistentVolumeClaim', 'model-cache', 'ml']]);

    const { chart: byName } = serviceWith(() => ({
      model: ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA, token: { secretName: 'hf-token', key: 'token' } }),
      secretEnv: { API_KEY: { secretName: 'api', key: 'token' } },
      modelCache: ModelCache.persistentVolumeClaim('model-cache'),
    }));
    expect(byKind(docs).Deployment).toEqual(byKind(Testing.synth(byName)).Deployment);
  });

  test.each([
    ['s3', (s: kplus.ISecret) => ModelSource.s3({ uri: 's3://models/llama/v3/', modelName: 'llama', version: 'v3', credentialsSecret: s })],
    ['gcs', (s: kplus.ISecret) => ModelSource.gcs({ uri: 'gs://models/llama/v3/', modelName: 'llama', version: 'v3', credentialsSecret: s })],
    ['mlflow', (s: kplus.ISecret) => ModelSource.mlflow({ trackingUri: 'https://mlflow.example.com', modelName: 'llama', version: '3', credentialsSecret: s })],
  ])('ModelSource.%s: credentialsSecret becomes the downloader\'s envFrom', async (_name, source) => {
    const { chart } = serviceWith(c => ({ model: source(secret(c, 'store-creds')) }));
    const docs = await expectConformant(chart);
    expect(podSpec(docs).initContainers[0].envFrom).toEqual([{ secretRef: { name: 'store-creds' } }]);
  });

  test('ModelSource.persistentVolumeClaim: the claim object is mounted read-only and recorded in the lineage', async () => {
    const { chart, svc } = serviceWith(c => ({ model: ModelSource.persistentVolumeClaim({ claim: claim(c, 'models'), path: 'llama/v3', modelName: 'llama', version: 'v3' }) }));
    const docs = await expectConformant(chart);
    expect(podSpec(docs).volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'models', readOnly: true } });
    expect(svc.lineage.sourceUri).toBe('pvc://models/llama/v3');
    expect(svc.modelPath).toBe(`${podSpec(docs).containers[0].volumeMounts.find((m: any) => m.name === 'model').mountPath}/llama/v3`);
  });

  test('objects without a namespace, and imported ones, are accepted in any namespace (they go where they are applied)', () => {
    const chart = new Chart(Testing.app(), 'c');
    const loose = secret(chart, 'loose');
    const ns = new Chart(chart.node.root as any, 'n', { namespace: 'ml' });
    const imported = kplus.Secret.fromSecretName(ns, 'Imported', 'elsewhere');
    const svc = new GpuModelService(ns, 'Svc', {
      model: hfSource(),
      runtime: ModelRuntime.vllm(),
      accelerator: Accelerator.H100_SXM,
      secretEnv: { A: { secret: loose, key: 'token' }, B: { secret: imported, key: 'token' } },
    });
    expect(server(Testing.synth(ns)).env).toEqual(expect.arrayContaining([
      { name: 'A', valueFrom: { secretKeyRef: { name: 'loose', key: 'token' } } },
      { name: 'B', valueFrom: { secretKeyRef: { name: 'elsewhere', key: 'token' } } },
    ]));
    expect(svc.namespace).toBeUndefined();
  });

  test('the service\'s own namespace decides, not its chart\'s', () => {
    // The chart is in `ml`; a Secret in `ml-prod` would be refused if the chart's namespace were compared.
    const { chart } = serviceWith(() => ({}));
    const other = new Chart(chart.node.root as any, 'p', { namespace: 'ml-prod' });
    expect(() => new GpuModelService(chart, 'Prod', {
      model: hfSource(),
      runtime: ModelRuntime.vllm(),
      accelerator: Accelerator.H100_SXM,
      name: 'prod',
      namespace: 'ml-prod',
      secretEnv: { A: { secret: secret(other, 'prod-token'), key: 'token' } },
    })).not.toThrow();
  });
});

describe('validations and alert receivers take cdk8s-plus objects', () => {
  test('ValidationJob: serviceAccount runs the evaluator under that ServiceAccount and creates none of its own', async () => {
    const { chart, svc } = serviceWith(() => ({}));
    const account = new kplus.ServiceAccount(chart, 'Evaluator', { metadata: { name: 'evaluator' }, automountToken: false });
    new ValidationJob(chart, 'V', {
      service: svc,
      image: 'ghcr.io/acme/eval:1.0',
      dataset: { uri: 's3://e/x/' },
      checks: [ValidationCheck.quality({ metric: 'a', threshold: 0.5 })],
      serviceAccount: account,
      secretEnv: { EVAL_TOKEN: { secret: secret(chart, 'eval'), key: 'token' } },
    });
    const docs = await expectConformant(chart);
    const pod = byKind(docs).AnalysisTemplate.spec.metrics[0].provider.job.spec.template.spec;
    expect(pod.serviceAccountName).toBe('evaluator');
    expect(pod.containers[0].env).toContainEqual({ name: 'EVAL_TOKEN', valueFrom: { secretKeyRef: { name: 'eval', key: 'token' } } });
    // The model server's own and the given one: no `<name>-validation` ServiceAccount.
    expect(docs.filter((d: any) => d.kind === 'ServiceAccount').map((d: any) => d.metadata.name).sort()).toEqual(['evaluator', svc.name].sort());
  });

  test('AlertReceiver: a Secret object renders as the receiver\'s SecretKeySelector', async () => {
    const { chart, svc } = serviceWith(() => ({}));
    const slack = secret(chart, 'alerting');
    new ModelAlerts(chart, 'Alerts', {
      service: svc,
      alerts: [AlertPreset.errorRate({ maxRatio: 0.02 })],
      routing: { routes: [AlertRoute.severity({ severity: AlertSeverity.CRITICAL, receiver: AlertReceiver.slack({ apiUrl: { secret: slack, key: 'token' } }) })] },
    });
    const docs = await expectConformant(chart);
    const amc = byKind(docs).AlertmanagerConfig;
    expect(amc.metadata.namespace).toBe('ml');
    expect(amc.spec.receivers).toEqual([{ name: 'slack', slackConfigs: [{ apiURL: { name: 'alerting', key: 'token' }, sendResolved: true }] }]);
  });

  describe('ValidationHook: its pod\'s objects of the same chart exist before the PreSync Job', () => {
    const hookWith = (account: (chart: Chart, other: Chart) => kplus.IServiceAccount) => {
      const { chart, svc } = serviceWith(() => ({}));
      const other = new Chart(chart.node.root as any, 'platform', { namespace: 'ml' });
      new ValidationHook(chart, 'Hook', {
        service: svc,
        image: 'ghcr.io/acme/eval:1.0',
        dataset: { uri: 's3://e/x/' },
        checks: [ValidationCheck.quality({ metric: 'a', threshold: 0.5 })],
        serviceAccount: account(chart, other),
      });
      return chart;
    };

    test('a plain ServiceAccount of the same chart is refused: on a first sync the PreSync Job\'s pod would find none', () => {
      const chart = hookWith(c => new kplus.ServiceAccount(c, 'Evaluator', { metadata: { name: 'evaluator' } }));
      expect(() => Testing.synth(chart)).toThrow(
        /\[c\/Hook\] serviceAccount: is a ServiceAccount of the same chart, applied by the same sync after the PreSync hook \(hook: none, wave 0\).*\(got "c\/Evaluator"\)\. Fix: annotate it 'argocd.argoproj.io\/hook': 'PreSync'/);
    });

    test('a PreSync ServiceAccount of the same chart in a wave after the hook\'s is refused too', () => {
      const chart = hookWith(c => new kplus.ServiceAccount(c, 'Evaluator', {
        metadata: { name: 'evaluator', annotations: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '-4' } },
      }));
      expect(() => Testing.synth(chart)).toThrow(/serviceAccount: .*\(hook: PreSync, wave -4\)/);
    });

    test('a PreSync ServiceAccount of the hook\'s wave (applied before its Job, by kind) or an earlier one, or one of another chart, is taken', async () => {
      const preSync = hookWith(c => new kplus.ServiceAccount(c, 'Evaluator', {
        metadata: { name: 'evaluator', annotations: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '-10' } },
      }));
      const job = byKind(await expectConformant(preSync)).Job;
      expect(job.spec.template.spec.serviceAccountName).toBe('evaluator');
      const sameWave = hookWith(c => new kplus.ServiceAccount(c, 'Evaluator', {
        metadata: { name: 'evaluator', annotations: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/sync-wave': '-5' } },
      }));
      expect(() => Testing.synth(sameWave)).not.toThrow();
      const elsewhere = hookWith((_c, platform) => new kplus.ServiceAccount(platform, 'Evaluator', { metadata: { name: 'evaluator' } }));
      expect(byKind(Testing.synth(elsewhere)).Job.spec.template.spec.serviceAccountName).toBe('evaluator');
    });
  });
});

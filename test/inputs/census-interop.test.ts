import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { census, x } from './census';
import type { GpuModelServiceProps, MlflowSourceOptions, PvcSourceOptions, S3SourceOptions, SecretKeyRef, ValidationJobProps } from '../../src';
import {
  Accelerator, AlertPreset, AlertReceiver, AlertRoute, AlertSeverity, GpuModelService, ModelAlerts, ModelCache, ModelRuntime, ModelSource,
  ValidationCheck, ValidationJob,
} from '../../src';
import { hfSource, SHA } from '../serving/helpers';

/**
 * Bad references to cdk8s-plus objects: both the name and the object, neither, an object of another kind, an object
 * with an invalid name, and an object in another namespace than the pods that use it. The service's chart is in
 * namespace `ml`; `other` makes the referenced object in namespace `other`.
 */
type Objects = { chart: Chart; other: Chart };

function objects(): Objects {
  const app = Testing.app();
  return { chart: new Chart(app, 'c', { namespace: 'ml' }), other: new Chart(app, 'o', { namespace: 'other' }) };
}

const secretIn = (scope: Chart, name = 'creds') => new kplus.Secret(scope, `Secret-${name}`, { metadata: { name } });
const claimIn = (scope: Chart) => new kplus.PersistentVolumeClaim(scope, 'Claim', { metadata: { name: 'models' } });

function svc(props: (o: Objects) => Partial<GpuModelServiceProps>): GpuModelService {
  const o = objects();
  return new GpuModelService(o.chart, 'Svc', { model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM, ...props(o) });
}
const secretEnv = (ref: (o: Objects) => SecretKeyRef) => svc(o => ({ secretEnv: { HF_TOKEN: ref(o) } }));
const s3 = (p: (o: Objects) => Partial<S3SourceOptions>) => svc(o => ({ model: ModelSource.s3({ uri: 's3://models/llama/v3/', modelName: 'llama', version: 'v3', ...p(o) }) }));
const mlflow = (p: (o: Objects) => Partial<MlflowSourceOptions>) => svc(o => ({ model: ModelSource.mlflow({ trackingUri: 'https://mlflow.example.com', modelName: 'fraud', version: '7', ...p(o) }) }));
const pvc = (p: (o: Objects) => Partial<PvcSourceOptions>) => svc(o => ({ model: ModelSource.persistentVolumeClaim({ modelName: 'llama', version: 'v3', ...p(o) }) }));
const hfToken = (ref: (o: Objects) => SecretKeyRef) => svc(o => ({ model: ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA, token: ref(o) }) }));
const cache = (claim: (o: Objects) => kplus.IPersistentVolumeClaim) => svc(o => ({ modelCache: ModelCache.fromPersistentVolumeClaim(claim(o)) }));

const S = 'c/Svc';

describe('cdk8s-plus objects given to a GpuModelService', () => census([
  ['secretEnv: name and object', () => secretEnv(o => ({ secretName: 'creds', secret: secretIn(o.chart), key: 'token' })),
    x(S, 'secretEnv.HF_TOKEN.secret', 'c/Secret-creds', 'either by name (secretEnv.HF_TOKEN.secretName) or as a cdk8s-plus object (secretEnv.HF_TOKEN.secret), not both')],
  ['secretEnv: neither', () => secretEnv(() => ({ key: 'token' })), x(S, 'secretEnv.HF_TOKEN.secretName', 'undefined', 'either by name')],
  ['secretEnv: another namespace', () => secretEnv(o => ({ secret: secretIn(o.other), key: 'token' })), x(S, 'secretEnv.HF_TOKEN.secret', '"other"', 'in namespace "ml"')],
  ['secretEnv: a ConfigMap', () => secretEnv(o => ({ secret: new kplus.ConfigMap(o.chart, 'Cm') as unknown as kplus.ISecret, key: 'token' })),
    x(S, 'secretEnv.HF_TOKEN.secret', '"ConfigMap"', 'kplus.Secret')],
  ['secretEnv: object with an invalid name', () => secretEnv(o => ({ secret: secretIn(o.chart, 'Bad_Name'), key: 'token' })),
    x(S, 'secretEnv.HF_TOKEN.secret.name', '"Bad_Name"', 'metadata.name')],
  ['secretEnv: object, bad key', () => secretEnv(o => ({ secret: secretIn(o.chart), key: 'a/b' })), x(S, 'secretEnv.HF_TOKEN.key', '"a/b"', "key: 'token'")],
  ['hf token: name and object', () => hfToken(o => ({ secretName: 'hf', secret: secretIn(o.chart), key: 'token' })),
    x(S, 'ModelSource.huggingFace.token.secret', 'c/Secret-creds', 'not both')],
  ['hf token: another namespace', () => hfToken(o => ({ secret: secretIn(o.other), key: 'token' })), x(S, 'ModelSource.huggingFace.token.secret', '"other"', 'in namespace "ml"')],
  ['s3 credentials: name and object', () => s3(o => ({ credentialsSecretName: 'creds', credentialsSecret: secretIn(o.chart) })),
    x(S, 'ModelSource.s3.credentialsSecret', 'c/Secret-creds', 'either by name (ModelSource.s3.credentialsSecretName)')],
  ['s3 credentials: another namespace', () => s3(o => ({ credentialsSecret: secretIn(o.other) })), x(S, 'ModelSource.s3.credentialsSecret', '"other"', 'in namespace "ml"')],
  ['s3 credentials: a claim', () => s3(o => ({ credentialsSecret: claimIn(o.chart) as unknown as kplus.ISecret })),
    x(S, 'ModelSource.s3.credentialsSecret', '"PersistentVolumeClaim"', 'kplus.Secret')],
  ['gcs credentials: another namespace', () => svc(o => ({ model: ModelSource.gcs({ uri: 'gs://models/llama/v3/', modelName: 'llama', version: 'v3', credentialsSecret: secretIn(o.other) }) })),
    x(S, 'ModelSource.gcs.credentialsSecret', '"other"', 'in namespace "ml"')],
  ['mlflow credentials: name and object', () => mlflow(o => ({ credentialsSecretName: 'creds', credentialsSecret: secretIn(o.chart) })),
    x(S, 'ModelSource.mlflow.credentialsSecret', 'c/Secret-creds', 'not both')],
  ['mlflow credentials: another namespace', () => mlflow(o => ({ credentialsSecret: secretIn(o.other) })), x(S, 'ModelSource.mlflow.credentialsSecret', '"other"', 'in namespace "ml"')],
  ['pvc source: name and object', () => pvc(o => ({ claimName: 'models', claim: claimIn(o.chart) })),
    x(S, 'ModelSource.persistentVolumeClaim.claim', 'c/Claim', 'either by name (ModelSource.persistentVolumeClaim.claimName)')],
  ['pvc source: neither', () => pvc(() => ({})), x(S, 'ModelSource.persistentVolumeClaim.claimName', 'undefined', 'as a cdk8s-plus object (ModelSource.persistentVolumeClaim.claim)')],
  ['pvc source: another namespace', () => pvc(o => ({ claim: claimIn(o.other) })), x(S, 'ModelSource.persistentVolumeClaim.claim', '"other"', 'in namespace "ml"')],
  ['pvc source: a Secret', () => pvc(o => ({ claim: secretIn(o.chart) as unknown as kplus.IPersistentVolumeClaim })),
    x(S, 'ModelSource.persistentVolumeClaim.claim', '"Secret"', 'kplus.PersistentVolumeClaim')],
  ['model cache: another namespace', () => cache(o => claimIn(o.other)), x(S, 'ModelCache.fromPersistentVolumeClaim.claim', '"other"', 'in namespace "ml"')],
  ['model cache: missing', () => cache(() => undefined as unknown as kplus.IPersistentVolumeClaim),
    x(S, 'ModelCache.fromPersistentVolumeClaim.claim', 'undefined', "ModelCache.persistentVolumeClaim('models')")],
  ['model cache: a Secret', () => cache(o => secretIn(o.chart) as unknown as kplus.IPersistentVolumeClaim),
    x(S, 'ModelCache.fromPersistentVolumeClaim.claim', '"Secret"', 'kplus.PersistentVolumeClaim')],
  ['service namespace wins over the chart\'s', () => svc(o => ({ namespace: 'ml-prod', secretEnv: { HF_TOKEN: { secret: secretIn(o.chart), key: 'token' } } })),
    x(S, 'secretEnv.HF_TOKEN.secret', '"ml"', 'in namespace "ml-prod"')],
]));

function validation(props: (o: Objects) => Partial<ValidationJobProps>): ValidationJob {
  const o = objects();
  const service = new GpuModelService(o.chart, 'Svc', { model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM });
  const checks = [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 })];
  return new ValidationJob(o.chart, 'Validation', { service, image: 'ghcr.io/acme/eval:1.0', dataset: { uri: 's3://evals/chat/v3/' }, checks, ...props(o) });
}
const sa = (scope: Chart) => new kplus.ServiceAccount(scope, 'Evaluator', { metadata: { name: 'evaluator' } });
const V = 'c/Validation';

describe('cdk8s-plus objects given to a ValidationJob', () => census([
  ['serviceAccount: name and object', () => validation(o => ({ serviceAccountName: 'evaluator', serviceAccount: sa(o.chart) })),
    x(V, 'serviceAccount', 'c/Evaluator', 'either by name (serviceAccountName) or as a cdk8s-plus object (serviceAccount), not both')],
  ['serviceAccount: another namespace', () => validation(o => ({ serviceAccount: sa(o.other) })), x(V, 'serviceAccount', '"other"', 'in namespace "ml"')],
  ['serviceAccount: a Secret', () => validation(o => ({ serviceAccount: secretIn(o.chart) as unknown as kplus.IServiceAccount })),
    x(V, 'serviceAccount', '"Secret"', 'kplus.ServiceAccount')],
  ['serviceAccount: the model server\'s', () => validation(o => ({ serviceAccount: kplus.ServiceAccount.fromServiceAccountName(o.chart, 'Model', 'llama-3-1-8b-instruct') })),
    x(V, 'serviceAccount', '"llama-3-1-8b-instruct"', 'leave it unset')],
  ['secretEnv: another namespace', () => validation(o => ({ secretEnv: { TOKEN: { secret: secretIn(o.other), key: 'token' } } })), x(V, 'secretEnv.TOKEN.secret', '"other"', 'in namespace "ml"')],
]));

function alertsTo(receiver: (o: Objects) => AlertReceiver): ModelAlerts {
  const o = objects();
  const service = new GpuModelService(o.chart, 'Svc', { model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM });
  const routing = { routes: [AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: receiver(o) })] };
  return new ModelAlerts(o.chart, 'Alerts', { service, alerts: [AlertPreset.errorRate({ maxRatio: 0.02 })], routing });
}

describe('cdk8s-plus Secrets given to alert receivers', () => census([
  ['slack: name and object', () => alertsTo(o => AlertReceiver.slack({ apiUrl: { secretName: 'alerting', secret: secretIn(o.chart), key: 'slack' } })),
    x('c/Alerts', 'AlertReceiver.slack.apiUrl.secret', 'c/Secret-creds', 'not both')],
  ['slack: another namespace', () => alertsTo(o => AlertReceiver.slack({ apiUrl: { secret: secretIn(o.other), key: 'slack' } })),
    x('c/Alerts/Routing', 'AlertReceiver.slack.apiUrl.secret', '"other"', 'in namespace "ml"')],
  ['pagerDuty: another namespace', () => alertsTo(o => AlertReceiver.pagerDuty({ routingKey: { secret: secretIn(o.other), key: 'pd' } })),
    x('c/Alerts/Routing', 'AlertReceiver.pagerDuty.routingKey.secret', '"other"', 'in namespace "ml"')],
  ['webhook: a ConfigMap', () => alertsTo(o => AlertReceiver.webhook({ url: { secret: new kplus.ConfigMap(o.chart, 'Cm') as unknown as kplus.ISecret, key: 'url' } })),
    x('c/Alerts', 'AlertReceiver.webhook.url.secret', '"ConfigMap"', 'kplus.Secret')],
]));

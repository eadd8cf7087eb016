/**
 * Props found by the sweep over every exported props interface (string, number, Duration, Size) that no other
 * census table named: one wrong value each.
 */
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { App as TfApp, TerraformStack } from 'cdktf';
import { alerts, gated, serviceProps } from './builders';
import { census, x } from './census';
import {
  AlertPreset, AlertReceiver, AlertRoute, AlertSeverity, ArgoCdApplication, CacheIntegrity, CanaryRollout, CanaryStep, DeliveryAuditTrail, Gate,
  GpuModelService, ModelAlerts, ModelCache, ModelRuntime, ModelSource, Precision, PredictionDistribution, ValidationCheck, ValidationJob,
} from '../../src';
import { KubernetesManifests } from '../../src/terraform';
import { service } from '../serving/helpers';

const A = 'test/Alerts';
const routedTo = (receiver: AlertReceiver) => {
  const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
  return new ModelAlerts(chart, 'Alerts', {
    service: svc,
    alerts: [AlertPreset.errorRate({ maxRatio: 0.02 })],
    routing: { routes: [AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver })] },
  });
};
const R = 'test/Rollout';
const rollout = (progressDeadline: Duration) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(100)], progressDeadline });
};
const EVALUATOR = `ghcr.io/acme/evaluator@sha256:${'a'.repeat(64)}`;
const V = 'test/Validation';
const validation = (o: object = {}, checks = [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 })]) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ValidationJob(chart, 'Validation', { service: svc, image: EVALUATOR, dataset: { uri: 's3://evals/chat/v3/' }, checks, ...o });
};
const S = 'test/Svc';
const svc = (o: object) => new GpuModelService(Testing.chart(), 'Svc', { ...serviceProps(), ...o });
const audit = (webhookName: string) => new DeliveryAuditTrail(new Chart(Testing.app(), 'c', { namespace: 'llm' }), 'Audit', { urlSecretKey: 'url', webhookName });
const q = (s: string) => JSON.stringify(s);
const application = () => new ArgoCdApplication(Testing.chart(), 'App', {
  name: 'llm-prod', repoUrl: 'https://github.com/acme/deploy.git', path: 'deploy/llm', destinationNamespace: 'llm', project: 'llm',
});
const manifests = (fieldManager: string) => {
  const stack = new TerraformStack(new TfApp(), 'test');
  new KubernetesProvider(stack, 'kubernetes', {});
  return new KubernetesManifests(stack, 'Manifests', { chart: service({ name: 'llm' }).chart, fieldManager });
};

describe('props found by the sweep', () => census([
  ['AlertReceiver.slack channel blank', () => routedTo(AlertReceiver.slack({ apiUrl: { secretName: 'alerting', key: 'slack' }, channel: ' ' })),
    x(A, 'AlertReceiver.slack.channel', '" "', "'#ml-alerts'")],
  ['AlertReceiver.slack channel with a space', () => routedTo(AlertReceiver.slack({ apiUrl: { secretName: 'alerting', key: 'slack' }, channel: '#ml alerts' })),
    x(A, 'AlertReceiver.slack.channel', q('#ml alerts'), "'#ml-alerts'")],
  ['AlertPreset for fractional', () => alerts(AlertPreset.errorRate({ maxRatio: 0.05, for: Duration.millis(1500) })), x(A, 'ModelHighErrorRate.for', '"1.5 seconds"', 'Duration.seconds(n)')],
  ['AlertPreset for NaN', () => alerts(AlertPreset.queueDepth({ maxWaiting: 10, for: Duration.seconds(NaN) })), x(A, 'ModelQueueBacklog.for', 'NaN ms', 'Duration.seconds(n)')],
  ['availabilitySlo pageFor fractional', () => alerts(AlertPreset.availabilitySlo({ objective: 0.999, pageFor: Duration.millis(2500) })), x(A, 'ModelAvailabilityBudgetBurnFast.for', '"2.5 seconds"', 'Duration.seconds(n)')],
  ['availabilitySlo ticketFor NaN', () => alerts(AlertPreset.availabilitySlo({ objective: 0.999, ticketFor: Duration.minutes(NaN) })), x(A, 'ModelAvailabilityBudgetBurnSlow.for', 'NaN ms', 'Duration.seconds(n)')],
  ['latencySlo alertNamePrefix lowercase with a space', () => alerts(AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(1), alertNamePrefix: 'llm latency' })),
    x(A, 'AlertPreset.alertName', q('llm latency'), "alertName: 'ModelHighLatencyP99Strict'")],
  ['dataDrift missingFor fractional', () => alerts(AlertPreset.dataDrift({ metric: 'model_drift_score', threshold: 0.3, missingFor: Duration.millis(100) })),
    x(A, 'ModelDataDriftMissing.for', '"100 ms"', 'Duration.seconds(n)')],
  ['predictionShift maxDistance 2', () => alerts(AlertPreset.predictionShift({ distribution: PredictionDistribution.histogram('model_score'), maxDistance: 2 })),
    x(A, 'AlertPreset.predictionShift.maxDistance', '2', 'maxDistance: 0.05')],
  ['progressDeadline fractional', () => rollout(Duration.millis(90_500)), x(R, 'progressDeadline', '"1 minute 30.5 seconds"', 'integer n >= 60')],
  ['progressDeadline below a minute', () => rollout(Duration.seconds(10)), x(R, 'progressDeadline', '"10 seconds"', 'integer n >= 60')],
  ['errorRate stableTolerance -1', () => gated(Gate.errorRate({ maxRatio: 0.01, stableTolerance: -1 })), x(R, 'Gate.errorRate.stableTolerance', '-1', 'twice the stable')],
  ['errorRate stableFloor 2', () => gated(Gate.errorRate({ maxRatio: 0.01, stableTolerance: 1, stableFloor: 2 })), x(R, 'Gate.errorRate.stableFloor', '2', 'stableFloor: 0.0005')],
  ['errorRate stableFloor without tolerance', () => gated(Gate.errorRate({ maxRatio: 0.01, stableFloor: 0.001 })), x(R, 'Gate.errorRate.stableFloor', '0.001', 'set stableTolerance')],
  ['latency stableTolerance NaN', () => gated(Gate.latency({ threshold: Duration.seconds(2), stableTolerance: NaN })), x(R, 'Gate.latency.stableTolerance', 'NaN', '10% slower')],
  ['DeliveryAuditTrail webhookName uppercase', () => audit('Audit Hook'), x('c/Audit', 'webhookName', q('Audit Hook'), "'mlops-audit'")],
  ['ValidationJob command empty', () => validation({ command: [] }), x(V, 'command', '[]', "command: ['python'")],
  ['ValidationJob command with an empty word', () => validation({ command: ['python', ''] }), x(V, 'command', '["python", ""]', "command: ['python'")],
  ['ValidationJob ephemeralStorage 0', () => validation({ ephemeralStorage: Size.gibibytes(0) }), x(V, 'ephemeralStorage', '0 KiB', 'Size.gibibytes(10)')],
  ['quality baselineTolerance -0.1', () => validation({}, [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8, baseline: 0.82, baselineTolerance: -0.1 })]),
    x(V, 'ValidationCheck.quality(accuracy).baselineTolerance', '-0.1', '0.82 for 82%')],
  ['latency p50 0', () => validation({}, [ValidationCheck.latency({ p50: Duration.seconds(0), requestsPerSecond: 2 })]), x(V, 'ValidationCheck.latency.p50', '"0 seconds"', 'Duration.seconds(1)')],
  ['vllm imageVersion not a release', () => svc({ runtime: ModelRuntime.vllm({ imageVersion: 'latest' }) }), x(S, 'ModelRuntime.vllm.imageVersion', q('latest'), "'0.11.0'")],
  ['probes timeout fractional', () => svc({ probes: { timeout: Duration.millis(2500) } }), x(S, 'probes.timeout', '"2.5 seconds"', 'integer n >= 1')],
  ['probes livenessPeriod 0', () => svc({ probes: { livenessPeriod: Duration.seconds(0) } }), x(S, 'probes.livenessPeriod', '"0 seconds"', 'integer n >= 1')],
  ['ephemeralStorage NaN', () => svc({ ephemeralStorage: Size.gibibytes(NaN) }), x(S, 'ephemeralStorage', 'NaN KiB', 'Size.gibibytes(10)')],
  ['shared cache sizePerVersion 0', () => svc({ modelCache: ModelCache.shared({ storageClassName: 'efs', size: Size.gibibytes(100), sizePerVersion: Size.gibibytes(0) }) }),
    x(S, 'modelCache.sizePerVersion', '0 KiB', 'Size.gibibytes(16)')],
  ['S3 pin versionId blank', () => svc({
    footprint: { parametersBillions: 8, precision: Precision.BF16 },
    replicas: 2,
    model: ModelSource.s3({ uri: 's3://models/llm/v3/', modelName: 'llm', version: 'v3' }),
    modelCache: ModelCache.shared({
      storageClassName: 'efs', size: Size.gibibytes(100), integrity: CacheIntegrity.s3Objects({ objects: [{ path: 'm.safetensors', size: Size.gibibytes(16), versionId: '' }] }),
    }),
  }), x(S, 'modelCache.integrity.objects[m.safetensors].versionId', '""', 'aws s3api head-object')],
  ['Application ignoreDifference JSON pointer without /', () => application().addIgnoreDifference({ group: 'apps', kind: 'Deployment', jsonPointers: ['spec/replicas'] }),
    x('test/App', 'ignoreDifference(Deployment).jsonPointers[0]', q('spec/replicas'), "'/spec/replicas'")],
  ['Application ignoreDifference jq path blank', () => application().addIgnoreDifference({ group: 'apps', kind: 'Deployment', jqPathExpressions: [' '] }),
    x('test/App', 'ignoreDifference(Deployment).jqPathExpressions[0]', '" "', '.spec.http[].route[].weight')],
  ['KubernetesManifests fieldManager empty', () => manifests(''), x('test/Manifests', 'fieldManager', '""', "fieldManager: 'terraform'")],
  ['KubernetesManifests fieldManager of 129 characters', () => manifests('f'.repeat(129)), x('test/Manifests', 'fieldManager', q('f'.repeat(129)), "fieldManager: 'terraform'")],
  ['provenance trainingDataHash with a space', () => svc({ provenance: { trainingDataHash: 'sha256 abc' } }), x(S, 'provenance.trainingDataHash', q('sha256 abc'), 'exact id')],
]));

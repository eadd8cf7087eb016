import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { bound } from './bind';
import { census, x } from './census';
import type { BlueGreenRolloutProps, CanaryRolloutProps, ModelAlertsProps, ModelAutoscalerProps, ModelDashboardProps, ValidationJobProps } from '../../src';
import {
  AlertPreset, BlueGreenRollout, CanaryRollout, CanaryStep, ModelAlerts, ModelAutoscaler, ModelDashboard, ScalingMetric, ValidationCheck,
  ValidationJob, ValidationTarget,
} from '../../src';
import { service } from '../serving/helpers';

const metrics = [ScalingMetric.queueDepth({ targetPerReplica: 5 })];
const scaler = (o: Partial<ModelAutoscalerProps>) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ModelAutoscaler(chart, 'Scaler', { service: svc, metrics, maxReplicas: 4, ...o });
};
const alerts = (o: Partial<ModelAlertsProps>) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.errorRate({ maxRatio: 0.05 })], ...o });
};
const dashboard = (o: Partial<ModelDashboardProps>) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ModelDashboard(chart, 'Dashboard', { service: svc, ...o });
};
const canary = (o: Partial<CanaryRolloutProps>) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(100)], ...o });
};
const blueGreen = (o: Partial<BlueGreenRolloutProps>) => {
  const { chart, svc } = service({ name: 'llm', replicas: 2 });
  return new BlueGreenRollout(chart, 'BlueGreen', { service: svc, ...o });
};
const S = 'test/Scaler';
const A = 'test/Alerts';
const D = 'test/Dashboard';
const R = 'test/Rollout';
const B = 'test/BlueGreen';
const V = 'test/Bind';

describe('autoscaler, alerts, dashboard and rollout props', () => census([
  ['autoscaler maxReplicas 0', () => scaler({ maxReplicas: 0 }), x(S, 'maxReplicas', '0', 'maxReplicas: 4')],
  ['autoscaler maxReplicas NaN', () => scaler({ maxReplicas: NaN }), x(S, 'maxReplicas', 'NaN', 'maxReplicas: 4')],
  ['autoscaler maxReplicas 1e12', () => scaler({ maxReplicas: 1e12 }), x(S, 'maxReplicas', '1000000000000', 'maxReplicas: 4')],
  ['autoscaler minReplicas 2.5', () => scaler({ minReplicas: 2.5 }), x(S, 'minReplicas', '2.5', 'scaleToZero: true')],
  ['autoscaler minReplicas above max', () => scaler({ minReplicas: 5 }), x(S, 'minReplicas', '5', 'raise maxReplicas')],
  ['autoscaler cooldown NaN', () => scaler({ cooldown: Duration.seconds(NaN) }), x(S, 'cooldown', 'NaN ms', 'Duration.seconds')],
  ['autoscaler cooldown a week', () => scaler({ cooldown: Duration.days(7) }), x(S, 'cooldown', '"7 days"', 'Duration.seconds')],
  ['autoscaler cooldown fractional', () => scaler({ cooldown: Duration.millis(1500) }), x(S, 'cooldown', '"1.5 seconds"', 'Duration.seconds(n)')],
  ['autoscaler pollingInterval 0', () => scaler({ pollingInterval: Duration.seconds(0) }), x(S, 'pollingInterval', '"0 seconds"', 'Duration.seconds(n)')],
  ['autoscaler pollingInterval a day', () => scaler({ pollingInterval: Duration.days(1) }), x(S, 'pollingInterval', '"1 day"', 'Duration.seconds')],
  ['autoscaler metrics empty', () => scaler({ metrics: [] }), x(S, 'metrics', '[]', 'ScalingMetric.queueDepth')],
  ['second autoscaler on one workload', () => {
    const { chart, svc } = service({ name: 'llm' });
    new ModelAutoscaler(chart, 'First', { service: svc, metrics, maxReplicas: 4 });
    return new ModelAutoscaler(chart, 'Scaler', { service: svc, metrics, maxReplicas: 4 });
  }, x(S, 'service', '"test/Svc"', 'one ModelAutoscaler')],
  ['alerts runbookBaseUrl relative', () => alerts({ runbookBaseUrl: 'runbooks/llm' }), x(A, 'runbookBaseUrl', '"runbooks/llm"', 'runbooks.example.com')],
  ['alerts runbookBaseUrl ftp', () => alerts({ runbookBaseUrl: 'ftp://runbooks' }), x(A, 'runbookBaseUrl', '"ftp://runbooks"', 'runbooks.example.com')],
  ['alerts alertLabels key with space', () => alerts({ alertLabels: { 'team name': 'ml' } }), x(A, 'alertLabels key', '"team name"', "'team'")],
  ['alerts alertLabels key with slash', () => alerts({ alertLabels: { 'example.com/owner': 'ml' } }), x(A, 'alertLabels key', '"example.com/owner"', "'team'")],
  ['alerts alertLabels key reserved', () => alerts({ alertLabels: { __name__: 'x' } }), x(A, 'alertLabels key', '"__name__"', "'team'")],
  ['alerts alertLabels severity', () => alerts({ alertLabels: { severity: 'page' } }), x(A, 'alertLabels', '"severity"', 'severity option')],
  ['alerts alertLabels service', () => alerts({ alertLabels: { service: 'x' } }), x(A, 'alertLabels', '"service"', 'another label name')],
  ['alerts ruleLabels key invalid', () => alerts({ ruleLabels: { '/role': 'alert-rules' } }), x(A, 'ruleLabels key', '"/role"', 'example.com/team')],
  ['alerts evaluationInterval fractional', () => alerts({ evaluationInterval: Duration.millis(100) }), x(A, 'evaluationInterval', '"100 ms"', 'Duration.seconds(n)')],
  ['dashboard title empty', () => dashboard({ title: '' }), x(D, 'title', '""', 'Llama')],
  ['dashboard namespace invalid', () => dashboard({ namespace: 'Monitoring' }), x(D, 'namespace', '"Monitoring"', "'monitoring'")],
  ['dashboard sidecarLabel invalid', () => dashboard({ sidecarLabel: 'grafana dashboard' }), x(D, 'sidecarLabel', '"grafana dashboard"', 'example.com/team')],
  ['dashboard sidecarLabelValue invalid', () => dashboard({ sidecarLabelValue: 'yes please' }), x(D, 'sidecarLabelValue', '"yes please"', 'gpu-a100')],
  ['dashboard folderAnnotation invalid', () => dashboard({ folder: 'ml', folderAnnotation: 'target dir' }), x(D, 'folderAnnotation', '"target dir"', 'example.com/team')],
  ['dashboard folder empty', () => dashboard({ folder: '' }), x(D, 'folder', '""', '/tmp/dashboards/ml')],
  ['dashboard latencyHistogram expression', () => dashboard({ latencyHistogram: 'rate(h[5m])' }), x(D, 'latencyHistogram', '"rate(h[5m])"', 'http_request_duration_seconds')],
  ['dashboard errorsMatcher injection', () => dashboard({ requestsMetric: 'http_requests_total', errorsMatcher: 'code="500"} or vector(1) or x{a="b"' }),
    x(D, 'errorsMatcher', '"code=\\"500\\"} or vector(1) or x{a=\\"b\\""', 'route=')],
  ['dashboard requestsMetric two names', () => dashboard({ requestsMetric: 'a b', errorsMatcher: 'code="500"' }), x(D, 'requestsMetric', '"a b"', 'http_requests_total')],
  ['canary maxSurge -1', () => canary({ maxSurge: -1 }), x(R, 'maxSurge', '-1', 'integer >= 0')],
  ['canary maxSurge 1e12', () => canary({ maxSurge: 1e12 }), x(R, 'maxSurge', '1000000000000', 'integer >= 0')],
  ['canary maxUnavailable 0.5', () => canary({ maxUnavailable: 0.5 }), x(R, 'maxUnavailable', '0.5', 'integer >= 0')],
  ['canary abortScaleDownDelay NaN', () => canary({ abortScaleDownDelay: Duration.seconds(NaN) }), x(R, 'abortScaleDownDelay', 'NaN ms', 'Duration.seconds')],
  ['canary abortScaleDownDelay a month', () => canary({ abortScaleDownDelay: Duration.days(30) }), x(R, 'abortScaleDownDelay', '"30 days"', 'Duration.seconds')],
  ['canary dynamicStableScale without router', () => canary({ dynamicStableScale: true }), x(R, 'dynamicStableScale', 'true', 'set trafficRouter')],
  ['canary weight 120', () => canary({ steps: [CanaryStep.weight(120)] }), x(R, 'steps[0].setWeight', '120', 'CanaryStep.weight(20)')],
  ['canary weight NaN', () => canary({ steps: [CanaryStep.weight(NaN), CanaryStep.weight(100)] }), x(R, 'steps[0].setWeight', 'NaN', 'CanaryStep.weight(20)')],
  ['service maxUnavailable ignored by the rollout', () => {
    const { chart, svc } = service({ name: 'llm', maxUnavailable: 1 });
    return new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(100)] });
  }, x(R, 'service', '"test/Svc"', 'on the CanaryRollout instead')],
  ['service maxSurge ignored by blue-green', () => {
    const { chart, svc } = service({ name: 'llm', maxSurge: 2 });
    return new BlueGreenRollout(chart, 'BlueGreen', { service: svc });
  }, x(B, 'service', '"test/Svc"', 'on the CanaryRollout instead')],
  ['blue-green previewReplicaCount 0', () => blueGreen({ previewReplicaCount: 0 }), x(B, 'previewReplicaCount', '0', 'previewReplicaCount: 1')],
  ['blue-green previewReplicaCount 1e12', () => blueGreen({ previewReplicaCount: 1e12 }), x(B, 'previewReplicaCount', '1000000000000', 'previewReplicaCount: 1')],
  ['blue-green activeService invalid', () => blueGreen({ activeService: new kplus.Service(Testing.chart(), 'Front', { metadata: { name: 'LLM_active' }, ports: [{ port: 80 }] }) }), x(B, 'activeService', '"LLM_active"', 'llama-70b')],
  ['blue-green autoPromotionDelay NaN', () => blueGreen({ autoPromotionDelay: Duration.seconds(NaN) }), x(B, 'autoPromotionDelay', 'NaN ms', 'Duration.seconds')],
  ['blue-green autoPromotionDelay ignored', () => blueGreen({ autoPromotionEnabled: false, autoPromotionDelay: Duration.minutes(5) }),
    x(B, 'autoPromotionDelay', '"5 minutes"', 'enable auto-promotion')],
  ['blue-green scaleDownDelay a week', () => blueGreen({ scaleDownDelay: Duration.days(7) }), x(B, 'scaleDownDelay', '"7 days"', 'Duration.seconds')],
]));

describe('validation checks', () => census([
  ['quality threshold 82', () => bound(ValidationCheck.quality({ metric: 'accuracy', threshold: 82 })), x(V, 'ValidationCheck.quality(accuracy).threshold', '82', '0.82 for 82%')],
  ['quality threshold NaN', () => bound(ValidationCheck.quality({ metric: 'accuracy', threshold: NaN })), x(V, 'ValidationCheck.quality(accuracy).threshold', 'NaN', '0.82 for 82%')],
  ['quality baseline -1', () => bound(ValidationCheck.quality({ metric: 'f1', threshold: 0.5, baseline: -1 })), x(V, 'ValidationCheck.quality(f1).baseline', '-1', '0.82 for 82%')],
  ['quality metric with space', () => bound(ValidationCheck.quality({ metric: 'f 1', threshold: 0.5 })), x(V, 'ValidationCheck.quality(f 1).metric', '"f 1"', "metric: 'accuracy'")],
  ['latency p95 0', () => bound(ValidationCheck.latency({ p95: Duration.seconds(0), requestsPerSecond: 1 })), x(V, 'ValidationCheck.latency.p95', '"0 seconds"', 'Duration.seconds')],
  ['latency p95 NaN', () => bound(ValidationCheck.latency({ p95: Duration.seconds(NaN), requestsPerSecond: 1 })), x(V, 'ValidationCheck.latency.p95', 'NaN ms', 'Duration.seconds')],
  ['latency p99 two days', () => bound(ValidationCheck.latency({ p99: Duration.days(2), requestsPerSecond: 1 })), x(V, 'ValidationCheck.latency.p99', '"2 days"', 'Duration.seconds')],
  ['latency duration 0', () => bound(ValidationCheck.latency({ p95: Duration.seconds(2), requestsPerSecond: 1, duration: Duration.seconds(0) })),
    x(V, 'ValidationCheck.latency.duration', '"0 seconds"', 'Duration.seconds')],
  ['latency requestsPerSecond NaN', () => bound(ValidationCheck.latency({ p95: Duration.seconds(2), requestsPerSecond: NaN })),
    x(V, 'ValidationCheck.latency.requestsPerSecond', 'NaN', 'requestsPerSecond: 5')],
  ['latency concurrency 0', () => bound(ValidationCheck.latency({ p95: Duration.seconds(2), requestsPerSecond: 1, concurrency: 0 })),
    x(V, 'ValidationCheck.latency.concurrency', '0', 'concurrency: 16')],
  ['slices maxGap 2', () => bound(ValidationCheck.slices({ metric: 'f1', sliceBy: 'lang', maxGap: 2 })), x(V, 'ValidationCheck.slices(f1).maxGap', '2', '0.82 for 82%')],
  ['slices sliceBy empty', () => bound(ValidationCheck.slices({ metric: 'f1', sliceBy: '', maxGap: 0.1 })), x(V, 'ValidationCheck.slices(f1).sliceBy', '""', "sliceBy: 'language'")],
  ['slices minimum 1.5', () => bound(ValidationCheck.slices({ metric: 'f1', sliceBy: 'lang', maxGap: 0.1, minimum: 1.5 })), x(V, 'ValidationCheck.slices(f1).minimum', '1.5', '0.82 for 82%')],
]));

const IMAGE = `ghcr.io/acme/llm-eval@sha256:${'a'.repeat(64)}`;
const validationJob = (o: Partial<ValidationJobProps>) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ValidationJob(chart, 'Validation', { service: svc, image: IMAGE, dataset: { uri: 's3://evals/chat/v3/' }, checks: [ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8 })], ...o });
};
const J = 'test/Validation';

describe('validation job props', () => census([
  ['image empty', () => validationJob({ image: '' }), x(J, 'image', '""', 'set image')],
  ['dataset uri without scheme', () => validationJob({ dataset: { uri: 'evals/chat' } }), x(J, 'dataset.uri', '"evals/chat"', 's3://eval-sets')],
  ['dataset sha256 short', () => validationJob({ dataset: { uri: 's3://e/', sha256: 'abc' } }), x(J, 'dataset.sha256', '"abc"', 'sha256')],
  ['checks empty', () => validationJob({ checks: [] }), x(J, 'checks', '[]', 'at least one')],
  ['env name invalid', () => validationJob({ env: { 'A B': '1' } }), x(J, 'env', '"A B"', 'HF_HUB_OFFLINE')],
  ['secretEnv secret invalid', () => validationJob({ secretEnv: { TOKEN: { secretName: 'A', key: 'k' } } }), x(J, 'secretEnv.TOKEN.secretName', '"A"', 'metadata.name')],
  ['cpu NaN', () => validationJob({ cpu: NaN }), x(J, 'cpu', 'NaN', 'e.g. 8')],
  ['cpu 1e12', () => validationJob({ cpu: 1e12 }), x(J, 'cpu', '1000000000000', 'cpu: 8')],
  ['memory 0', () => validationJob({ memory: Size.gibibytes(0) }), x(J, 'memory', '0 KiB', 'Size.gibibytes')],
  ['timeout a week', () => validationJob({ timeout: Duration.days(7) }), x(J, 'timeout', '"7 days"', 'Duration.seconds')],
  ['backoffLimit -1', () => validationJob({ backoffLimit: -1 }), x(J, 'backoffLimit', '-1', 'backoffLimit: 1')],
  ['backoffLimit 1e12', () => validationJob({ backoffLimit: 1e12 }), x(J, 'backoffLimit', '1000000000000', 'backoffLimit: 1')],
  ['name invalid', () => validationJob({ name: 'LLM validation' }), x(J, 'name', '"LLM validation"', 'llama-validation')],
  ['target URL without scheme', () => validationJob({ target: ValidationTarget.url('llm.staging:8000') }), x(J, 'ValidationTarget.url', '"llm.staging:8000"', 'llm-staging.svc')],
  ['target URL with space', () => validationJob({ target: ValidationTarget.url('http://llm staging') }), x(J, 'ValidationTarget.url', '"http://llm staging"', 'llm-staging.svc')],
  ['serviceAccountName invalid', () => validationJob({ serviceAccountName: 'Eval_SA' }), x(J, 'serviceAccountName', '"Eval_SA"', "'evaluator'")],
]));

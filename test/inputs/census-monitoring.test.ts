import { Duration } from 'cdk8s';
import { census, Case, x } from './census';
import type { DataDriftAlertOptions, PrometheusScalingOptions, QualityAlertOptions } from '../../src';
import { AlertPreset, ModelAlerts, ModelAutoscaler, Percentile, PredictionDistribution, ScalingMetric } from '../../src';
import { service } from '../serving/helpers';

const P = 'test/Alerts';
const A = 'test/Scaler';
const alerts = (...presets: AlertPreset[]) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ModelAlerts(chart, 'Alerts', { service: svc, alerts: presets });
};
const scaler = (...metrics: ScalingMetric[]) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ModelAutoscaler(chart, 'Scaler', { service: svc, metrics, maxReplicas: 4 });
};
const drift = (o: Partial<DataDriftAlertOptions>) => alerts(AlertPreset.dataDrift({ metric: 'model_drift_score', threshold: 0.3, ...o }));
const quality = (o: Partial<QualityAlertOptions>) => alerts(AlertPreset.qualityBelowBaseline({ metric: 'model_accuracy', baseline: 0.8, ...o }));
const prom = (o: Partial<PrometheusScalingOptions>) => scaler(ScalingMetric.prometheus({ name: 'gateway', query: 'sum(rate(gateway_requests_total[1m]))', threshold: 10, ...o }));
const RATIO = 'for 5%';

const ratioCases: Case[] = ([
  ['errorRate.maxRatio', (v: number) => AlertPreset.errorRate({ maxRatio: v })],
  ['kvCacheUsage.maxUsage', (v: number) => AlertPreset.kvCacheUsage({ maxUsage: v })],
  ['gpuUnderutilized.minUtilization', (v: number) => AlertPreset.gpuUnderutilized({ minUtilization: v })],
  ['gpuSaturated.maxUtilization', (v: number) => AlertPreset.gpuSaturated({ maxUtilization: v })],
  ['gpuMemoryNearFull.maxUsage', (v: number) => AlertPreset.gpuMemoryNearFull({ maxUsage: v })],
] as [string, (v: number) => AlertPreset][]).flatMap(([prop, make]) => [1.5, -0.1, NaN, Infinity, 20].map((v): Case =>
  [`${prop} ${v}`, () => alerts(make(v)), x(P, `AlertPreset.${prop}`, String(v), RATIO)]));

describe('alert presets', () => census([
  ...ratioCases,
  ['errorRate.maxRatio 1 can never fire', () => alerts(AlertPreset.errorRate({ maxRatio: 1 })), x(P, 'AlertPreset.errorRate.maxRatio', '1', RATIO)],
  ['kvCacheUsage.maxUsage 1 can never fire', () => alerts(AlertPreset.kvCacheUsage({ maxUsage: 1 })), x(P, 'AlertPreset.kvCacheUsage.maxUsage', '1', RATIO)],
  ['queueDepth.maxWaiting -1', () => alerts(AlertPreset.queueDepth({ maxWaiting: -1 })), x(P, 'AlertPreset.queueDepth.maxWaiting', '-1', 'maxWaiting: 10')],
  ['queueDepth.maxWaiting NaN', () => alerts(AlertPreset.queueDepth({ maxWaiting: NaN })), x(P, 'AlertPreset.queueDepth.maxWaiting', 'NaN', 'maxWaiting: 10')],
  ['latency.threshold 0', () => alerts(AlertPreset.latency({ threshold: Duration.seconds(0) })), x(P, 'AlertPreset.latency.threshold', '"0 seconds"', 'Duration.seconds')],
  ['latency.threshold NaN', () => alerts(AlertPreset.latency({ threshold: Duration.seconds(NaN) })), x(P, 'AlertPreset.latency.threshold', 'NaN ms', 'Duration.seconds')],
  ['latency.threshold Infinity', () => alerts(AlertPreset.latency({ threshold: Duration.seconds(Infinity) })), x(P, 'AlertPreset.latency.threshold', 'Infinity ms', 'Duration.seconds')],
  ['timeToFirstToken.threshold 0', () => alerts(AlertPreset.timeToFirstToken({ threshold: Duration.seconds(0) })), x(P, 'AlertPreset.timeToFirstToken.threshold', '"0 seconds"', 'Duration.seconds')],
  ['availabilitySlo.objective 1', () => alerts(AlertPreset.availabilitySlo({ objective: 1 })), x(P, 'AlertPreset.availabilitySlo.objective', '1', '')],
  ['availabilitySlo.objective 0', () => alerts(AlertPreset.availabilitySlo({ objective: 0 })), x(P, 'AlertPreset.availabilitySlo.objective', '0', '')],
  ['availabilitySlo.objective 99.9', () => alerts(AlertPreset.availabilitySlo({ objective: 99.9 })), x(P, 'AlertPreset.availabilitySlo.objective', '99.9', '')],
  ['availabilitySlo.objective NaN', () => alerts(AlertPreset.availabilitySlo({ objective: NaN })), x(P, 'AlertPreset.availabilitySlo.objective', 'NaN', '')],
  ['availabilitySlo.objective 0.9 cannot fire', () => alerts(AlertPreset.availabilitySlo({ objective: 0.9 })), x(P, 'AlertPreset.availabilitySlo.objective', '0.9', 'above 0.931')],
  ['latencySlo.objective 0.5', () => alerts(AlertPreset.latencySlo({ objective: 0.5, threshold: Duration.seconds(2) })), x(P, 'AlertPreset.latencySlo.objective', '0.5', 'above 0.931')],
  ['latencySlo.threshold 0', () => alerts(AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(0) })), x(P, 'AlertPreset.latencySlo.threshold', '"0 seconds"', 'Duration.seconds')],
  ['latencySlo threshold no vLLM bucket', () => alerts(AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(3) })),
    x(P, 'AlertPreset.latencySlo.threshold', '"3 seconds"', '2.5, 5, 10')],
  ['latencySlo threshold 100 ms', () => alerts(AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.millis(100) })),
    x(P, 'AlertPreset.latencySlo.threshold', '"100 ms"', '0.3, 0.5')],
  ['latencySlo histogram with _bucket', () => alerts(AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(1), histogram: 'h_bucket' })),
    x(P, 'AlertPreset.latencySlo.histogram', '"h_bucket"', "'h'")],
  ['latency percentile outside the enum', () => alerts(AlertPreset.latency({ threshold: Duration.seconds(1), percentile: 'p90' as Percentile })),
    x(P, 'AlertPreset.latency.percentile', '"p90"', 'p50, p95, p99')],
  ['errorRate errorsMatcher injection', () => alerts(AlertPreset.errorRate({ maxRatio: 0.1, requestsMetric: 'http_requests_total', errorsMatcher: 'code="500"} * 0 or vector(0' })),
    x(P, 'AlertPreset.errorRate.errorsMatcher', '"code=\\"500\\"} * 0 or vector(0"', 'route=')],
  ['availabilitySlo requestsMetric with matcher', () => alerts(AlertPreset.availabilitySlo({ objective: 0.999, requestsMetric: 'a{b="c"}', errorsMatcher: 'code="500"' })),
    x(P, 'AlertPreset.availabilitySlo.requestsMetric', '"a{b=\\"c\\"}"', 'http_requests_total')],
  ['alertName with space', () => alerts(AlertPreset.errorRate({ maxRatio: 0.1, alertName: 'High error' })), x(P, 'AlertPreset.alertName', '"High error"', 'ModelHighLatencyP99Strict')],
  ['alertName digit first', () => alerts(AlertPreset.errorRate({ maxRatio: 0.1, alertName: '1High' })), x(P, 'AlertPreset.alertName', '"1High"', 'ModelHighLatencyP99Strict')],
  ['runbookUrl relative', () => alerts(AlertPreset.errorRate({ maxRatio: 0.1, runbookUrl: 'wiki/llm' })), x(P, 'AlertPreset.runbookUrl', '"wiki/llm"', 'runbooks.example.com')],
  ['drift metric empty', () => drift({ metric: '' }), x(P, 'AlertPreset.dataDrift.metric', '""', 'model_drift_score')],
  ['drift metric with space', () => drift({ metric: 'drift score' }), x(P, 'AlertPreset.dataDrift.metric', '"drift score"', 'model_drift_score')],
  ['drift metric with selector', () => drift({ metric: 'drift{job="x"}' }), x(P, 'AlertPreset.dataDrift.metric', '"drift{job=\\"x\\"}"', 'model_drift_score')],
  ['drift metric expression', () => drift({ metric: 'drift or vector(0)' }), x(P, 'AlertPreset.dataDrift.metric', '"drift or vector(0)"', 'model_drift_score')],
  ['drift selector with braces', () => drift({ selector: '{job="x"}' }), x(P, 'AlertPreset.dataDrift.selector', '"{job=\\"x\\"}"', 'drift-exporter')],
  ['drift selector injection', () => drift({ selector: 'job="x"} * 0 or vector(0) + x{a="b"' }), x(P, 'AlertPreset.dataDrift.selector', '"job=\\"x\\"} * 0 or vector(0) + x{a=\\"b\\""', 'drift-exporter')],
  ['drift selector not a matcher', () => drift({ selector: 'job' }), x(P, 'AlertPreset.dataDrift.selector', '"job"', 'route=')],
  ['drift selector lookahead regex', () => drift({ selector: 'job=~"(?!x).*"' }), x(P, 'AlertPreset.dataDrift.selector (job=~"(?!x).*")', '"(?!x).*"', 'lookaround')],
  ['drift selector empty', () => drift({ selector: ' ' }), x(P, 'AlertPreset.dataDrift.selector', '" "', 'drift-exporter')],
  ['drift threshold NaN', () => drift({ threshold: NaN }), x(P, 'AlertPreset.dataDrift.threshold', 'NaN', 'threshold: 0.2')],
  ['drift threshold Infinity', () => drift({ threshold: Infinity }), x(P, 'AlertPreset.dataDrift.threshold', 'Infinity', 'threshold: 0.2')],
  ['quality metric empty', () => quality({ metric: '' }), x(P, 'AlertPreset.qualityBelowBaseline.metric', '""', 'model_drift_score')],
  ['quality baseline NaN', () => quality({ baseline: NaN }), x(P, 'AlertPreset.qualityBelowBaseline.baseline', 'NaN', 'baseline: 0.87')],
  ['quality tolerance -1', () => quality({ tolerance: -1 }), x(P, 'AlertPreset.qualityBelowBaseline.tolerance', '-1', 'tolerance: 0.02')],
  ['prediction class label le', () => alerts(AlertPreset.predictionShift({ distribution: PredictionDistribution.classes('predictions_total', 'le'), maxDistance: 0.2 })),
    x(P, 'PredictionDistribution.classes.classLabel', '"le"', '')],
]));

describe('scaling metrics', () => census([
  ['queueDepth target 0', () => scaler(ScalingMetric.queueDepth({ targetPerReplica: 0 })), x(A, 'ScalingMetric.queueDepth.targetPerReplica', '0', '')],
  ['queueDepth target NaN', () => scaler(ScalingMetric.queueDepth({ targetPerReplica: NaN })), x(A, 'ScalingMetric.queueDepth.targetPerReplica', 'NaN', '')],
  ['gpuUtilization target 80', () => scaler(ScalingMetric.gpuUtilization({ target: 80 })), x(A, 'ScalingMetric.gpuUtilization.target', '80', '')],
  ['gpuUtilization target 0', () => scaler(ScalingMetric.gpuUtilization({ target: 0 })), x(A, 'ScalingMetric.gpuUtilization.target', '0', '')],
  ['prometheus name uppercase', () => prom({ name: 'Gateway' }), x(A, 'ScalingMetric.prometheus.name', '"Gateway"', 'gateway-requests')],
  ['prometheus name empty', () => prom({ name: '' }), x(A, 'ScalingMetric.prometheus.name', '""', 'gateway-requests')],
  ['prometheus query empty', () => prom({ query: ' ' }), x(A, 'ScalingMetric.prometheus.query', '" "', 'PromQL expression')],
  ['prometheus query unparsable', () => prom({ query: 'sum(rate(x[1m])' }), x(A, 'ScalingMetric.prometheus.query', '"sum(rate(x[1m])"', 'promtool')],
  ['prometheus query undeclared arg', () => prom({ query: 'sum(rate(x{ns="{{args.namespace}}"}[1m]))' }), x(A, 'ScalingMetric.prometheus.query', '"{{args.namespace}}"', 'declare the argument')],
  ['prometheus threshold 0', () => prom({ threshold: 0 }), x(A, 'ScalingMetric.prometheus.threshold', '0', 'threshold: 10')],
  ['prometheus threshold NaN', () => prom({ threshold: NaN }), x(A, 'ScalingMetric.prometheus.threshold', 'NaN', 'threshold: 10')],
  ['prometheus activation -1', () => prom({ activationThreshold: -1 }), x(A, 'ScalingMetric.prometheus.activationThreshold', '-1', 'activationThreshold: 0')],
]));

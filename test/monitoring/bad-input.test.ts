import { Duration, Testing } from 'cdk8s';
import {
  AlertPreset, BlueGreenRollout, CanaryRollout, CanaryStep, Gate, ModelAlerts, ModelAutoscaler, ModelRuntime, PredictionDistribution, ScalingMetric,
} from '../../src';
import { bound } from '../inputs/bind';
import { service } from '../serving/helpers';

const gates = [Gate.errorRate({ maxRatio: 0.01 })];

function alerts(...presets: AlertPreset[]) {
  const { chart, svc } = service({ name: 'llm' });
  return { chart, alerts: new ModelAlerts(chart, 'Alerts', { service: svc, alerts: presets }) };
}

describe('alert presets refuse bad input', () => {
  test('ratios outside 0 to 1', () => {
    expect(() => bound(AlertPreset.errorRate({ maxRatio: 1.5 }))).toThrow(/AlertPreset.errorRate.maxRatio: must be a ratio between 0 and 1 \(got 1.5\)/);
    expect(() => bound(AlertPreset.kvCacheUsage({ maxUsage: -0.1 }))).toThrow(/AlertPreset.kvCacheUsage.maxUsage: must be a ratio between 0 and 1/);
    expect(() => bound(AlertPreset.gpuUnderutilized({ minUtilization: 20 }))).toThrow(/minUtilization: must be a ratio between 0 and 1 \(got 20\). Fix: e.g. minUtilization: 0.05 for 5%/);
    expect(() => bound(AlertPreset.gpuMemoryNearFull({ maxUsage: NaN }))).toThrow(/maxUsage: must be a ratio between 0 and 1/);
    expect(() => bound(AlertPreset.predictionShift({ distribution: PredictionDistribution.histogram('score'), maxDistance: 2 }))).toThrow(/maxDistance/);
    expect(() => bound(AlertPreset.availabilitySlo({ objective: 1 }))).toThrow(/objective: must be a ratio strictly between 0 and 1 \(got 1\)/);
    expect(() => bound(AlertPreset.latencySlo({ objective: 0.9, threshold: Duration.seconds(10) })))
      .toThrow(/objective: leaves an error budget of 10%, so the fast-burn alert would need 144% bad requests and could never fire/);
    expect(() => bound(AlertPreset.queueDepth({ maxWaiting: -1 }))).toThrow(/maxWaiting: must be >= 0/);
  });

  test('negative and zero durations', () => {
    // cdk8s itself refuses a negative Duration, before any construct sees it.
    expect(() => bound(AlertPreset.latency({ threshold: Duration.seconds(-1) }))).toThrow(/Duration amounts cannot be negative/);
    expect(() => bound(AlertPreset.latency({ threshold: Duration.seconds(0) }))).toThrow(/AlertPreset.latency.threshold: must be a positive duration/);
    expect(() => bound(AlertPreset.timeToFirstToken({ threshold: Duration.seconds(0) }))).toThrow(/AlertPreset.timeToFirstToken.threshold: must be a positive duration/);
    expect(() => alerts(AlertPreset.errorRate({ maxRatio: 0.01, window: Duration.seconds(0) })))
      .toThrow(/\[test\/Alerts\] ModelHighErrorRate.window: must be a whole number of seconds >= 1/);
  });

  test('`for` that is not a Prometheus duration names the construct and the alert', () => {
    expect(() => alerts(AlertPreset.errorRate({ maxRatio: 0.01, for: Duration.millis(1500) })))
      .toThrow(/\[test\/Alerts\] ModelHighErrorRate.for: must be a whole number of seconds >= 0 \(got "1.5 seconds"\). Fix: use Duration.seconds\(n\)/);
    expect(() => alerts(AlertPreset.gpuSaturated({ for: Duration.seconds(NaN) }))).toThrow(/ModelGpuSaturated.for: must be a whole number of seconds/);
    expect(() => alerts(AlertPreset.availabilitySlo({ objective: 0.999, pageFor: Duration.seconds(Infinity) }))).toThrow(/ModelAvailabilityBudgetBurnFast.for/);
    expect(() => alerts(AlertPreset.dataDrift({ metric: 'drift', threshold: 1, missingFor: Duration.millis(10) }))).toThrow(/ModelDataDriftMissing.for/);
  });

  test('a drift alert without a metric name', () => {
    expect(() => bound(AlertPreset.dataDrift({ metric: '', threshold: 0.3 })))
      .toThrow(/AlertPreset.dataDrift.metric: is missing: the alert needs the name of the metric your server or exporter publishes \(got ""\). Fix: e.g. metric: 'model_drift_score'/);
    expect(() => bound(AlertPreset.dataDrift({ metric: 'drift score', threshold: 0.3 }))).toThrow(/must be a Prometheus metric name/);
    expect(() => bound(AlertPreset.dataDrift({ metric: 'drift', threshold: 0.3, selector: '{job="x"}' }))).toThrow(/selector: must be label matchers without braces/);
    expect(() => bound(AlertPreset.qualityBelowBaseline({ metric: '', baseline: 0.8 }))).toThrow(/qualityBelowBaseline.metric: is missing/);
    expect(() => bound(PredictionDistribution.classes('predictions_total', 'le'))).toThrow(/classLabel: must be a Prometheus label name other than le/);
  });

  test('duplicate rule names', () => {
    expect(() => alerts(AlertPreset.latency({ threshold: Duration.seconds(8) }), AlertPreset.latency({ threshold: Duration.seconds(5) })))
      .toThrow(/\[test\/Alerts\] alerts: is a duplicate rule name: two presets render an alert of that name \(got "ModelHighLatencyP95"\). Fix: give one of them another alertName/);
    const { alerts: a } = alerts(AlertPreset.latency({ threshold: Duration.seconds(8) }));
    a.addAlert(AlertPreset.latency({ threshold: Duration.seconds(5), alertName: 'ModelHighLatencyP95Strict' }));
    expect(() => a.addAlert(AlertPreset.metricsMissing({ alertName: 'ModelHighLatencyP95Strict' }))).toThrow(/duplicate rule name/);
    // Two latency SLOs record the same rule names with different thresholds.
    expect(() => alerts(AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(10) }),
      AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(5), alertNamePrefix: 'ModelFastLatency' })))
      .toThrow(/alerts: two presets record the same rule name with different expressions \(got "model:request_slow_ratio:rate5m"\)/);
    expect(() => bound(AlertPreset.errorRate({ maxRatio: 0.1, alertName: 'High error rate' }))).toThrow(/alertName: must be letters, digits and underscores/);
  });

  test('runtime mismatches, an empty rule, runbook URLs', () => {
    const { chart, svc } = service({ runtime: ModelRuntime.tgi() });
    expect(() => new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.kvCacheUsage({ maxUsage: 0.9 })] }))
      .toThrow(/AlertPreset.kvCacheUsage: reads a KV-cache usage gauge, which this runtime does not export/);
    const empty = alerts();
    expect(() => Testing.synth(empty.chart)).toThrow(/alerts: none given, so the PrometheusRule would be empty/);
    expect(() => bound(AlertPreset.errorRate({ maxRatio: 0.1, runbookUrl: 'wiki/llm' }))).toThrow(/runbookUrl: must be an http\(s\) URL/);
    const other = service({ name: 'llm' });
    expect(() => new ModelAlerts(other.chart, 'Alerts', { service: other.svc, runbookBaseUrl: 'runbooks' })).toThrow(/runbookBaseUrl: must be an http\(s\) URL/);
  });
});

describe('the autoscaler refuses bad input', () => {
  const metrics = [ScalingMetric.queueDepth({ targetPerReplica: 5 })];

  test('KEDA minReplicas above maxReplicas', () => {
    const { chart, svc } = service();
    expect(() => new ModelAutoscaler(chart, 'Autoscaler', { service: svc, minReplicas: 4, maxReplicas: 2, metrics }))
      .toThrow(/\[test\/Autoscaler\] minReplicas: is above maxReplicas \(2\) \(got 4\). Fix: lower minReplicas to at most 2 or raise maxReplicas/);
  });

  test('zero replicas only through scaleToZero, and only with a signal from outside the pods', () => {
    const { chart, svc } = service();
    expect(() => new ModelAutoscaler(chart, 'A', { service: svc, minReplicas: 0, maxReplicas: 2, metrics })).toThrow(/minReplicas: must be a whole number >= 1 \(got 0\). Fix: to scale to zero/);
    expect(() => new ModelAutoscaler(chart, 'B', { service: svc, maxReplicas: 2, scaleToZero: true, metrics: [...metrics, ScalingMetric.gpuUtilization({ target: 0.7 })] }))
      .toThrow(/scaleToZero: every metric \(queue-depth, gpu-utilization\) is read from the model's own pods, which do not exist at zero replicas/);
    expect(() => new ModelAutoscaler(chart, 'C', { service: svc, maxReplicas: 2, metrics: [] })).toThrow(/metrics: is empty/);
    expect(() => new ModelAutoscaler(chart, 'D', { service: svc, maxReplicas: 2, metrics: [...metrics, ...metrics] })).toThrow(/metrics: has two metrics with the same name/);
    expect(() => bound(ScalingMetric.gpuUtilization({ target: 80 }))).toThrow(/target: must be a ratio above 0 and at most 1 \(got 80\)/);
    expect(() => bound(ScalingMetric.queueDepth({ targetPerReplica: 0 }))).toThrow(/targetPerReplica: must be > 0/);
    expect(() => bound(ScalingMetric.prometheus({ name: 'Gateway', query: 'x', threshold: 1 }))).toThrow(/name: must be a DNS label/);
  });

  test.each([
    ['a canary with an analysis step', (s: any, svc: any) => new CanaryRollout(s, 'Rollout', { service: svc, steps: [CanaryStep.weight(25), CanaryStep.analysis({ gates }), CanaryStep.weight(100)] })],
    ['a blue-green with a pre-promotion analysis', (s: any, svc: any) => new BlueGreenRollout(s, 'Rollout', { service: svc, prePromotionAnalysis: { gates } })],
  ])('scale to zero on a Rollout that waits on an analysis: %s', (_what, rollout) => {
    const { chart, svc } = service({ name: 'llm' });
    new ModelAutoscaler(chart, 'Autoscaler', {
      service: svc, maxReplicas: 2, scaleToZero: true, metrics: [ScalingMetric.prometheus({ name: 'gateway', query: 'sum(rate(gateway_requests_total[2m]))', threshold: 1 })],
    });
    rollout(chart, svc);
    expect(() => Testing.synth(chart)).toThrow(new RegExp('scaleToZero: the workload is the Rollout test/Rollout, whose updates wait on an analysis of the new version.*'
      + 'an update has no pods and no traffic to measure: the gates get no data and the update stalls Inconclusive.*Fix: keep minReplicas >= 1'));
  });
});

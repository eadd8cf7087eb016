import { Chart, Duration, Testing } from 'cdk8s';
import { census, x } from './census';
import type { GateOptions } from '../../src';
import { CanaryRollout, CanaryStep, Comparison, Gate } from '../../src';
import { service } from '../serving/helpers';

const P = 'test/Rollout';
// Options are checked when the gate renders into the step's AnalysisTemplate.
const T = 'test/Rollout/Analysis1';
const gated = (gate: Gate) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(20), CanaryStep.analysis({ gates: [gate] }), CanaryStep.weight(100)] });
};
const opts = (o: GateOptions) => gated(Gate.errorRate({ maxRatio: 0.01, ...o }));
const custom = (comparison: Comparison, query = 'avg(model_accuracy{namespace="{{args.namespace}}"})') =>
  gated(Gate.custom({ name: 'accuracy', query, comparison, threshold: 0.8 }));

describe('gate options and comparisons', () => census([
  ['errorRate maxRatio 1 never fails', () => gated(Gate.errorRate({ maxRatio: 1 })), x(P, 'Gate.errorRate.maxRatio', '1', 'maxRatio: 0.01')],
  ['custom comparison unknown', () => custom('equal' as Comparison), x(P, 'Gate.custom.comparison', '"equal"', 'Comparison.AT_MOST')],
  ['custom comparison upper case', () => custom('AT_MOST' as Comparison), x(P, 'Gate.custom.comparison', '"AT_MOST"', 'Comparison.AT_LEAST')],
  ['custom comparison undefined', () => custom(undefined as unknown as Comparison), x(P, 'Gate.custom.comparison', 'undefined', 'Comparison.AT_MOST')],
  ['failureLimit equal to count', () => opts({ count: 3, failureLimit: 3 }), x(T, 'error-rate.failureLimit', '3', 'at most 2')],
  ['failureLimit above count', () => opts({ count: 3, failureLimit: 7 }), x(T, 'error-rate.failureLimit', '7', 'at most 2')],
  ['failureLimit negative', () => opts({ failureLimit: -1 }), x(T, 'error-rate.failureLimit', '-1', 'integer >= 0')],
  ['failureLimit fractional', () => opts({ failureLimit: 0.5 }), x(T, 'error-rate.failureLimit', '0.5', 'integer >= 0')],
  ['inconclusiveLimit equal to count', () => opts({ count: 4, inconclusiveLimit: 4 }), x(T, 'error-rate.inconclusiveLimit', '4', 'at most 3')],
  ['inconclusiveLimit above count', () => opts({ count: 2, inconclusiveLimit: 5 }), x(T, 'error-rate.inconclusiveLimit', '5', 'at most 1')],
  ['inconclusiveLimit NaN', () => opts({ inconclusiveLimit: NaN }), x(T, 'error-rate.inconclusiveLimit', 'NaN', 'integer >= 0')],
  ['count 0', () => opts({ count: 0 }), x(T, 'error-rate.count', '0', 'integer >= 1')],
  ['count fractional', () => opts({ count: 2.5 }), x(T, 'error-rate.count', '2.5', 'integer >= 1')],
  ['count Infinity', () => opts({ count: Infinity }), x(T, 'error-rate.count', 'Infinity', 'integer >= 1')],
  ['consecutiveErrorLimit negative', () => opts({ consecutiveErrorLimit: -2 }), x(T, 'error-rate.consecutiveErrorLimit', '-2', 'integer >= 0')],
  ['interval zero', () => opts({ interval: Duration.seconds(0) }), x(T, 'error-rate.interval', '"0 seconds"', 'Duration.seconds(n)')],
  ['interval fractional', () => opts({ interval: Duration.millis(1500) }), x(T, 'error-rate.interval', '"1.5 seconds"', 'Duration.seconds(n)')],
  ['interval beyond int32', () => opts({ interval: Duration.days(30000) }), x(T, 'error-rate.interval', '"30000 days"', 'Duration.minutes(5)')],
  ['initialDelay NaN', () => opts({ initialDelay: Duration.seconds(NaN) }), x(T, 'error-rate.initialDelay', 'NaN ms', 'Duration.seconds(n)')],
  ['initialDelay fractional', () => opts({ initialDelay: Duration.millis(100) }), x(T, 'error-rate.initialDelay', '"100 ms"', 'Duration.seconds(n)')],
]));

// The window is checked against the chart's PrometheusSettings, which may be created after the rollout: a finding at synth.
test('window of one scrape', () => {
  const rollout = opts({ window: Duration.seconds(30) });
  expect(() => Testing.synth(Chart.of(rollout))).toThrow(/\[test\/Rollout\/Analysis1\] error-rate\.window: must span at least two scrape intervals.*\(got "30 seconds"\)\. Fix: .*Duration\.seconds\(120\)/);
});

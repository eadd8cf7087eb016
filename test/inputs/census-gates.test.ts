/**
 * Gates are being rewritten (src/gates/gate.ts): these cases cover the deferral mechanism and the user's PromQL
 * fragments; cases for the rewritten options (failureLimit, count, comparisons) are added with the rewrite.
 */
import { Duration } from 'cdk8s';
import { census, x } from './census';
import type { CustomGateOptions, ErrorRateGateOptions } from '../../src';
import { CanaryRollout, CanaryStep, Comparison, Gate, Percentile } from '../../src';
import { service } from '../serving/helpers';

const P = 'test/Rollout';
const gated = (...gates: Gate[]) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(20), CanaryStep.analysis({ gates }), CanaryStep.weight(100)] });
};
const background = (...gates: Gate[]) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(100)], backgroundAnalysis: gates });
};
const analysisArgs = (args: Record<string, string>) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 })], args }), CanaryStep.weight(100)] });
};
const errors = (o: Partial<ErrorRateGateOptions>) => gated(Gate.errorRate({ maxRatio: 0.01, requestsMetric: 'http_requests_total', errorsMatcher: 'code=~"5.."', ...o }));
const custom = (o: Partial<CustomGateOptions>) => gated(Gate.custom({ name: 'accuracy', query: 'avg(model_accuracy)', comparison: Comparison.AT_LEAST, threshold: 0.8, ...o }));

describe('gate factories and their PromQL fragments', () => census([
  ['errorRate maxRatio 1.5', () => gated(Gate.errorRate({ maxRatio: 1.5 })), x(P, 'Gate.errorRate.maxRatio', '1.5', 'maxRatio: 0.01')],
  ['errorRate maxRatio -1', () => gated(Gate.errorRate({ maxRatio: -1 })), x(P, 'Gate.errorRate.maxRatio', '-1', 'maxRatio: 0.01')],
  ['errorRate maxRatio NaN', () => gated(Gate.errorRate({ maxRatio: NaN })), x(P, 'Gate.errorRate.maxRatio', 'NaN', 'maxRatio: 0.01')],
  ['errorRate in background analysis', () => background(Gate.errorRate({ maxRatio: 2 })), x(P, 'Gate.errorRate.maxRatio', '2', 'maxRatio: 0.01')],
  ['errorsMatcher closes the selector', () => errors({ errorsMatcher: 'code=~"5.."} * 0 or vector(0) + x{a="b"' }),
    x(P, 'Gate.errorRate.errorsMatcher', '"code=~\\"5..\\"} * 0 or vector(0) + x{a=\\"b\\""', 'route=')],
  ['errorsMatcher with braces', () => errors({ errorsMatcher: '{code="500"}' }), x(P, 'Gate.errorRate.errorsMatcher', '"{code=\\"500\\"}"', 'route=')],
  ['errorsMatcher a bare word', () => errors({ errorsMatcher: 'errors' }), x(P, 'Gate.errorRate.errorsMatcher', '"errors"', 'route=')],
  ['errorsMatcher unquoted value', () => errors({ errorsMatcher: 'code=500' }), x(P, 'Gate.errorRate.errorsMatcher', '"code=500"', 'route=')],
  ['errorsMatcher lookahead regex', () => errors({ errorsMatcher: 'code=~"(?=5).."' }), x(P, 'Gate.errorRate.errorsMatcher (code=~"(?=5)..")', '"(?=5).."', 'lookaround')],
  ['errorsMatcher empty', () => errors({ errorsMatcher: '' }), x(P, 'Gate.errorRate.errorsMatcher', '""', 'route=')],
  ['requestsMetric with selector', () => errors({ requestsMetric: 'http_requests_total{job="x"}' }),
    x(P, 'Gate.errorRate.requestsMetric', '"http_requests_total{job=\\"x\\"}"', 'http_requests_total')],
  ['requestsMetric an expression', () => errors({ requestsMetric: 'vector(1)' }), x(P, 'Gate.errorRate.requestsMetric', '"vector(1)"', 'http_requests_total')],
  ['requestsMetric with space', () => errors({ requestsMetric: 'http requests' }), x(P, 'Gate.errorRate.requestsMetric', '"http requests"', 'http_requests_total')],
  ['latency threshold 0', () => gated(Gate.latency({ threshold: Duration.seconds(0) })), x(P, 'Gate.latency.threshold', '"0 seconds"', 'Duration.seconds(2)')],
  ['latency histogram _bucket', () => gated(Gate.latency({ threshold: Duration.seconds(2), histogram: 'http_request_duration_seconds_bucket' })),
    x(P, 'Gate.latency.histogram', '"http_request_duration_seconds_bucket"', "'http_request_duration_seconds'")],
  ['latency histogram with matcher', () => gated(Gate.latency({ threshold: Duration.seconds(2), histogram: 'h{le="+Inf"}' })),
    x(P, 'Gate.latency.histogram', '"h{le=\\"+Inf\\"}"', 'http_request_duration_seconds')],
  ['latency percentile outside the enum', () => gated(Gate.latency({ threshold: Duration.seconds(2), percentile: 'p90' as Percentile })),
    x(P, 'Gate.latency.percentile', '"p90"', 'p50, p95, p99')],
  ['ttft percentile outside the enum', () => gated(Gate.timeToFirstToken({ threshold: Duration.seconds(2), percentile: 'P95' as Percentile })),
    x(P, 'Gate.timeToFirstToken.percentile', '"P95"', 'p50, p95, p99')],
  ['kvCacheUsage maxUsage 2', () => gated(Gate.kvCacheUsage({ maxUsage: 2 })), x(P, 'Gate.kvCacheUsage.maxUsage', '2', 'maxUsage: 0.01')],
  ['queueDepth maxWaiting -1', () => gated(Gate.queueDepth({ maxWaiting: -1 })), x(P, 'Gate.queueDepth.maxWaiting', '-1', 'maxWaiting: 10')],
  ['custom name uppercase', () => custom({ name: 'Accuracy' }), x(P, 'Gate.custom.name', '"Accuracy"', "name: 'accuracy'")],
  ['custom query empty', () => custom({ query: ' ' }), x(P, 'Gate.custom.query', '" "', 'PromQL expression')],
  ['custom query unparsable', () => custom({ query: 'avg(model_accuracy' }), x(P, 'Gate.custom.query', '"avg(model_accuracy"', 'promtool')],
  ['custom query undeclared arg', () => custom({ query: 'avg(model_accuracy{model="{{args.model}}"})' }), x(P, 'Gate.custom.query', '"{{args.model}}"', 'declare the argument')],
  ['custom query other placeholder', () => custom({ query: 'avg(model_accuracy{ns="{{workflow.namespace}}"})' }),
    x(P, 'Gate.custom.query', '"avg(model_accuracy{ns=\\"{{workflow.namespace}}\\"})"', '{{args.NAME}}')],
  ['custom threshold NaN', () => custom({ threshold: NaN }), x(P, 'Gate.custom.threshold', 'NaN', 'threshold value')],
  ['analysis arg shadows namespace', () => analysisArgs({ namespace: 'other' }), x(P, 'CanaryStep.analysis.args', '"namespace"', 'reserved')],
  ['analysis arg shadows canary-hash', () => analysisArgs({ 'canary-hash': 'x' }), x(P, 'CanaryStep.analysis.args', '"canary-hash"', 'reserved')],
  ['analysis arg shadows candidate-service', () => analysisArgs({ 'candidate-service': 'x' }), x(P, 'CanaryStep.analysis.args', '"candidate-service"', 'reserved')],
  ['analysis arg name with space', () => analysisArgs({ 'model uri': 'x' }), x(P, 'CanaryStep.analysis.args', '"model uri"', 'model-uri')],
]));

/**
 * Label matchers that can never select a series: a gate or alert built on them measures nothing, so it can
 * never fail or fire. Contradictions inside one list, between inferenceMatcher and errorsMatcher (errors are
 * counted with both), inside the selectors of a custom query, and matchers on labels the library's own
 * selectors set (the namespace, the pod-template hash, the metric name).
 */
import { alerts, gated } from './builders';
import { census, Case, x } from './census';
import type { ErrorRateGateOptions } from '../../src';
import { AlertPreset, Comparison, Gate, ModelAutoscaler, ModelDashboard, ScalingMetric } from '../../src';
import { service } from '../serving/helpers';

const R = 'test/Rollout';
const A = 'test/Alerts';
const D = 'test/Dashboard';
const S = 'test/Scaler';
const dashboard = (o: Partial<ErrorRateGateOptions>) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ModelDashboard(chart, 'Dashboard', { service: svc, requestsMetric: 'http_requests_total', errorsMatcher: 'code=~"5.."', ...o });
};
const scaler = (query: string) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ModelAutoscaler(chart, 'Scaler', { service: svc, metrics: [ScalingMetric.prometheus({ name: 'gateway', query, threshold: 10 })], maxReplicas: 4 });
};
const q = (s: string) => JSON.stringify(s);
const NEVER_EQ = 'for either value write one matcher';
const NEVER = 'drop one of the two';

/** One matcher list that selects nothing, and the fix the message must give. */
const contradictions: [name: string, matchers: string, fix: string][] = [
  ['two values of one label', 'code="500", code="200"', `${NEVER_EQ}, code=~"500|200"`],
  ['= and != of one value', 'route="/v1/completions", route!="/v1/completions"', NEVER],
  ['a value its regex rejects', 'code=~"5..", code="200"', NEVER],
  ['a value its negative regex takes', 'code!~"5..", code="503"', NEVER],
  ['the label absent (=~"") and present', 'code=~"", code=~"5.."', NEVER],
  ['the label absent (="") and != ""', 'code="", code!=""', NEVER],
  ['the label absent (!~".*") and a value', 'code!~".*", code="500"', NEVER],
  ['the label absent (=~"^$") and a value', 'code=~"^$", code="500"', NEVER],
  ['=~ and !~ of one regex', 'code=~"5..", code!~"5.."', NEVER],
];

/** Matchers on labels the library's selectors set themselves. */
const pinned: [name: string, matchers: string, label: string][] = [
  ['the namespace', 'namespace="prod"', 'namespace'],
  ['the pod-template hash', 'rollouts_pod_template_hash="abc"', 'rollouts_pod_template_hash'],
  ['the metric name', '__name__="http_requests_total"', '__name__'],
];

const perProp: [where: string, path: string, build: (m: string) => unknown][] = [
  ['Gate.errorRate.errorsMatcher', R, m => gated(Gate.errorRate({ maxRatio: 0.01, requestsMetric: 'http_requests_total', errorsMatcher: m }))],
  ['Gate.errorRate.inferenceMatcher', R, m => gated(Gate.errorRate({ maxRatio: 0.01, requestsMetric: 'http_requests_total', errorsMatcher: 'code=~"5.."', inferenceMatcher: m }))],
  ['AlertPreset.errorRate.errorsMatcher', A, m => alerts(AlertPreset.errorRate({ maxRatio: 0.05, requestsMetric: 'http_requests_total', errorsMatcher: m }))],
  ['AlertPreset.availabilitySlo.inferenceMatcher', A,
    m => alerts(AlertPreset.availabilitySlo({ objective: 0.999, requestsMetric: 'http_requests_total', errorsMatcher: 'code=~"5.."', inferenceMatcher: m }))],
  ['errorsMatcher', D, m => dashboard({ errorsMatcher: m })],
  ['inferenceMatcher', D, m => dashboard({ inferenceMatcher: m })],
  ['AlertPreset.dataDrift.selector', A, m => alerts(AlertPreset.dataDrift({ metric: 'model_drift_score', threshold: 0.3, selector: m }))],
  ['AlertPreset.qualityBelowBaseline.selector', A, m => alerts(AlertPreset.qualityBelowBaseline({ metric: 'model_accuracy', baseline: 0.8, selector: m }))],
];

const REQUEST_PROPS = /Matcher$/;

describe('label matchers that select nothing', () => census([
  ...perProp.flatMap(([prop, path, build]) => contradictions.map(([name, m, fix]): Case => [`${prop}: ${name}`, () => build(m), x(path, prop, q(m), fix)])),
  ...perProp.flatMap(([prop, path, build]) => pinned
    .filter(([, , label]) => label === '__name__' || REQUEST_PROPS.test(prop))
    .map(([name, m, label]): Case => [`${prop}: a matcher on ${name}`, () => build(m), x(path, prop, q(m), `drop the ${label} matcher`)])),
  ['errorsMatcher against inferenceMatcher (gate)', () => gated(Gate.errorRate({ maxRatio: 0.01, requestsMetric: 'http_requests_total', inferenceMatcher: 'code="200"', errorsMatcher: 'code=~"5.."' })),
    x(R, 'Gate.errorRate.errorsMatcher', q('code=~"5.."'), NEVER)],
  ['errorsMatcher against inferenceMatcher (alert)', () => alerts(AlertPreset.errorRate({ maxRatio: 0.05, requestsMetric: 'http_requests_total', inferenceMatcher: 'handler="/predict"', errorsMatcher: 'handler="/health", code="500"' })),
    x(A, 'AlertPreset.errorRate.errorsMatcher', q('handler="/health", code="500"'), `${NEVER_EQ}, handler=~"/predict|/health"`)],
  ['errorsMatcher against inferenceMatcher (dashboard)', () => dashboard({ inferenceMatcher: 'code!~"5.."' }), x(D, 'errorsMatcher', q('code=~"5.."'), NEVER)],
  ['custom gate query: a selector of two values', () => gated(Gate.custom({ name: 'accuracy', query: 'avg(model_accuracy{split="eval", split="train"})', comparison: Comparison.AT_LEAST, threshold: 0.8 })),
    x(R, 'Gate.custom.query', q('avg(model_accuracy{split="eval", split="train"})'), `${NEVER_EQ}, split=~"eval|train"`)],
  ['custom gate query: the second selector', () => gated(Gate.custom({
    name: 'accuracy', query: 'avg(model_accuracy{namespace="{{args.namespace}}"}) / avg(baseline{model="a", model!="a"})', comparison: Comparison.AT_LEAST, threshold: 0.8,
  })), x(R, 'Gate.custom.query', q('avg(model_accuracy{namespace="{{args.namespace}}"}) / avg(baseline{model="a", model!="a"})'), NEVER)],
  ['scaling query: a regex rejecting the value', () => scaler('sum(rate(gateway_requests_total{route=~"/v1/.*", route="/health"}[1m]))'),
    x(S, 'ScalingMetric.prometheus.query', q('sum(rate(gateway_requests_total{route=~"/v1/.*", route="/health"}[1m]))'), NEVER)],
]));

/**
 * A refused factory value used directly, outside the construct that would bind it: its methods (public `bind`,
 * `volume`, and the internal renderers) throw the factory's finding, with the path of the construct they are
 * given, instead of a TypeError on the value's missing state.
 */
import { Duration, Size, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { census, x } from './census';
import {
  AlertPreset, AlertReceiver, AlertRoute, AlertSeverity, Gate, ModelCache, ModelRuntime, ModelSource, NetworkPeer, ScalingMetric, TrafficRouter,
  ValidationCheck,
} from '../../src';
import { service } from '../serving/helpers';

/** A construct of the user's own, and a model service, as a hand-written construct would pass them. */
const own = () => {
  const { chart, svc } = service({ name: 'llm' });
  return { scope: new Construct(chart, 'Mine'), svc };
};
const M = 'test/Mine';

describe('refused factory values used outside a construct', () => census([
  ['Gate.bind', () => { const { scope, svc } = own(); return Gate.errorRate({ maxRatio: 2 }).bind(scope, svc); }, x(M, 'Gate.errorRate.maxRatio', '2', 'maxRatio: 0.01')],
  ['AlertPreset.bind', () => { const { scope, svc } = own(); return AlertPreset.errorRate({ maxRatio: 1.5 }).bind(scope, svc); },
    x(M, 'AlertPreset.errorRate.maxRatio', '1.5', 'for 5%')],
  ['ScalingMetric.bind', () => { const { scope, svc } = own(); return ScalingMetric.queueDepth({ targetPerReplica: NaN }).bind(scope, svc); },
    x(M, 'ScalingMetric.queueDepth.targetPerReplica', 'NaN', '')],
  ['TrafficRouter._bind (internal renderer)', () => {
    const { scope, svc } = own();
    return TrafficRouter.istio({ hosts: ['LLM'] })._bind(scope, { service: svc } as any);
  }, x(M, 'TrafficRouter.istio.hosts[0]', '"LLM"', 'llm.example.com')],
  ['ValidationCheck.bind', () => ValidationCheck.quality({ metric: 'accuracy', threshold: 82 }).bind(), x('', 'ValidationCheck.quality(accuracy).threshold', '82', '0.82 for 82%')],
  ['ModelRuntime.bind', () => ModelRuntime.vllm({ maxModelLen: 0 }).bind({ modelPath: '/models/m', servedModelName: 'm', tensorParallelSize: 1, pipelineParallelSize: 1 }),
    x('', 'ModelRuntime.vllm.maxModelLen', '0', '')],
  ['ModelSource.bind', () => ModelSource.huggingFace({ repoId: '', revision: 'main' }).bind({ mountPath: '/models' }), x('', 'ModelSource.huggingFace.repoId', '""', '')],
  ['ModelCache.volume (emptyDir)', () => ModelCache.emptyDir({ sizeLimit: Size.kibibytes(1) }).volume(), x('', 'ModelCache.emptyDir.sizeLimit', '1 KiB', '')],
  ['ModelCache.volume (claim)', () => ModelCache.persistentVolumeClaim('Models_V1').volume(), x('', 'ModelCache.persistentVolumeClaim.claimName', '"Models_V1"', '')],
  ['AlertReceiver._render', () => AlertReceiver.webhook({ name: 'Bad Name', url: { secretName: 'a', key: 'u' } })._render(), x('', 'AlertReceiver.name', '"Bad Name"', "name: 'ml-oncall'")],
  ['AlertRoute._render', () => AlertRoute.alerts({ alertNames: [], receiver: AlertReceiver.webhook({ name: 'r', url: { secretName: 'a', key: 'u' } }) })._render([]),
    x('', 'AlertRoute.alerts.alertNames', '[]', '')],
  ['NetworkPeer._render', () => NetworkPeer.namespace('Gateway')._render(), x('', 'NetworkPeer.namespace', '"Gateway"', "'monitoring'")],
]));

test('a refused value prints which factory refused it, without throwing', () => {
  expect(String(NetworkPeer.namespace('Gateway'))).toBe('(refused: NetworkPeer.namespace)');
  expect(`${ModelCache.persistentVolumeClaim('')}`).toBe('(refused: ModelCache.persistentVolumeClaim.claimName)');
});

test('bound inside a construct, a refused value still names that construct', () => {
  const chart = Testing.chart();
  const route = AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: AlertReceiver.webhook({ name: 'x', url: { secretName: 'a', key: 'u' }, maxAlerts: 0 }) });
  expect(() => route._render([])).toThrow(/^AlertReceiver.webhook.maxAlerts: must be a whole number > 0 \(got 0\)/);
  expect(() => Gate.latency({ threshold: Duration.seconds(0) }).bind(new Construct(chart, 'G'), undefined as never)).toThrow(/^\[test\/G\] Gate.latency.threshold: /);
});

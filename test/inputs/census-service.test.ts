import { Duration, Size } from 'cdk8s';
import { census, x } from './census';
import { NetworkPeer, TaintEffect, Toleration } from '../../src';
import { expectConformant } from '../conformance';
import { service } from '../serving/helpers';

const P = 'test/Svc';
const svc = service;

describe('GpuModelService props', () => census([
  ['namespace with underscore', () => svc({ namespace: 'ML_Prod' }), x(P, 'namespace', '"ML_Prod"', "'ml-prod'")],
  ['namespace too long', () => svc({ namespace: 'a'.repeat(64) }), x(P, 'namespace', `"${'a'.repeat(64)}"`, "'ml-prod'")],
  ['namespace with dot', () => svc({ namespace: 'ml.prod' }), x(P, 'namespace', '"ml.prod"', "'ml-prod'")],
  ['namespace empty', () => svc({ namespace: '' }), x(P, 'namespace', '""', "'ml-prod'")],
  ['servedModelName with space', () => svc({ servedModelName: 'llama 3' }), x(P, 'servedModelName', '"llama 3"', 'llama-3.1-8b')],
  ['servedModelName empty', () => svc({ servedModelName: '' }), x(P, 'servedModelName', '""', 'llama-3.1-8b')],
  ['replicas 1e12', () => svc({ replicas: 1e12 }), x(P, 'replicas', '1000000000000', 'replicas: 2')],
  ['replicas 0', () => svc({ replicas: 0 }), x(P, 'replicas', '0', 'autoscaler')],
  ['replicas NaN', () => svc({ replicas: NaN }), x(P, 'replicas', 'NaN', 'autoscaler')],
  ['replicas 1.5', () => svc({ replicas: 1.5 }), x(P, 'replicas', '1.5', 'autoscaler')],
  ['gpuCount 1000', () => svc({ gpuCount: 1000 }), x(P, 'gpuCount', '1000', 'gpuCount: 2')],
  ['tensorParallelSize 128', () => svc({ tensorParallelSize: 128 }), x(P, 'tensorParallelSize', '128', 'tensorParallelSize: 2')],
  ['pipelineParallelSize 100', () => svc({ pipelineParallelSize: 100 }), x(P, 'pipelineParallelSize', '100', 'pipelineParallelSize: 2')],
  ['maxSurge -1', () => svc({ maxSurge: -1 }), x(P, 'maxSurge', '-1', 'maxSurge: 1')],
  ['maxSurge 1.5', () => svc({ maxSurge: 1.5 }), x(P, 'maxSurge', '1.5', 'maxSurge: 1')],
  ['maxUnavailable NaN', () => svc({ maxUnavailable: NaN }), x(P, 'maxUnavailable', 'NaN', 'maxUnavailable: 1')],
  ['maxUnavailable 1e12', () => svc({ maxUnavailable: 1e12 }), x(P, 'maxUnavailable', '1000000000000', 'maxUnavailable: 1')],
  ['cpu 0', () => svc({ cpu: 0 }), x(P, 'cpu', '0', 'cpu: 8')],
  ['cpu NaN', () => svc({ cpu: NaN }), x(P, 'cpu', 'NaN', 'e.g. 8')],
  ['cpu 1e12', () => svc({ cpu: 1e12 }), x(P, 'cpu', '1000000000000', 'cpu: 8')],
  ['cpu -1', () => svc({ cpu: -1 }), x(P, 'cpu', '-1', 'cpu: 8')],
  ['memory 0', () => svc({ memory: Size.gibibytes(0) }), x(P, 'memory', '0 KiB', 'Size.gibibytes')],
  ['memory NaN', () => svc({ memory: Size.gibibytes(NaN) }), x(P, 'memory', 'NaN KiB', 'Size.gibibytes')],
  ['memory 1 KiB', () => svc({ memory: Size.kibibytes(1) }), x(P, 'memory', '1 KiB', 'Size.gibibytes')],
  ['memory 1 PiB', () => svc({ memory: Size.pebibyte(1) }), x(P, 'memory', `${1024 ** 4} KiB`, 'Size.gibibytes')],
  ['shm 0', () => svc({ sharedMemorySize: Size.gibibytes(0) }), x(P, 'sharedMemorySize', '0 KiB', 'Size.gibibytes')],
  ['shm NaN', () => svc({ sharedMemorySize: Size.mebibytes(NaN) }), x(P, 'sharedMemorySize', 'NaN KiB', 'Size.gibibytes')],
  ['priorityClassName uppercase', () => svc({ priorityClassName: 'High' }), x(P, 'priorityClassName', '"High"', 'gpu-inference')],
  ['nodeSelector key with space', () => svc({ nodeSelector: { 'gpu type': 'a100' } }), x(P, 'nodeSelector key', '"gpu type"', 'example.com/team')],
  ['nodeSelector key bad prefix', () => svc({ nodeSelector: { 'Example.com/gpu': 'a100' } }), x(P, 'nodeSelector key', '"Example.com/gpu"', 'example.com/team')],
  ['nodeSelector value with space', () => svc({ nodeSelector: { gpu: 'a 100' } }), x(P, 'nodeSelector["gpu"]', '"a 100"', 'gpu-a100')],
  ['nodeSelector value too long', () => svc({ nodeSelector: { gpu: 'a'.repeat(64) } }), x(P, 'nodeSelector["gpu"]', `"${'a'.repeat(64)}"`, 'gpu-a100')],
  // Toleration factories: what the old k8s.Toleration[] prop checked, now refused where the value is made and
  // reported with the service's path.
  ['toleration effect lowercase (JavaScript)', () => svc({ tolerations: [Toleration.exists('k', { effect: 'noschedule' as TaintEffect })] }),
    x(P, 'Toleration.exists.effect', '"noschedule"', 'NoSchedule')],
  ['toleration key with space', () => svc({ tolerations: [Toleration.exists('a b')] }), x(P, 'Toleration.exists.key', '"a b"', 'example.com/team')],
  ['toleration value with space', () => svc({ tolerations: [Toleration.equal('k', 'a b')] }), x(P, 'Toleration.equal.value', '"a b"', 'gpu-a100')],
  ['toleration Equal with empty key', () => svc({ tolerations: [Toleration.equal('', 'v')] }), x(P, 'Toleration.equal.key', '""', 'example.com/team')],
  ['toleration evictAfter without NoExecute', () => svc({ tolerations: [Toleration.exists('k', { effect: TaintEffect.NO_SCHEDULE, evictAfter: Duration.seconds(30) })] }),
    x(P, 'Toleration.exists.evictAfter', '"30 seconds"', 'NO_EXECUTE')],
  ['toleration evictAfter beyond int32 seconds', () => svc({ tolerations: [Toleration.exists('k', { effect: TaintEffect.NO_EXECUTE, evictAfter: Duration.days(30000) })] }),
    x(P, 'Toleration.exists.evictAfter', '"30000 days"', 'Duration.seconds')],
  ['toleration evictAfter fractional', () => svc({ tolerations: [Toleration.all({ effect: TaintEffect.NO_EXECUTE, evictAfter: Duration.millis(1500) })] }),
    x(P, 'Toleration.all.evictAfter', '"1.5 seconds"', 'Duration.minutes(5)')],
  ['env name A=B', () => svc({ env: { 'A=B': '1' } }), x(P, 'env', '"A=B"', 'HF_HUB_OFFLINE')],
  ['env name with space', () => svc({ env: { 'MY VAR': '1' } }), x(P, 'env', '"MY VAR"', 'HF_HUB_OFFLINE')],
  ['secretEnv name invalid', () => svc({ secretEnv: { '1TOKEN': { secretName: 's', key: 'k' } } }), x(P, 'secretEnv', '"1TOKEN"', 'HF_HUB_OFFLINE')],
  ['secretEnv secret empty', () => svc({ secretEnv: { TOKEN: { secretName: '', key: 'k' } } }), x(P, 'secretEnv.TOKEN.secretName', '""', 'metadata.name')],
  ['secretEnv key invalid', () => svc({ secretEnv: { TOKEN: { secretName: 's', key: 'a b' } } }), x(P, 'secretEnv.TOKEN.key', '"a b"', "key: 'token'")],
  ['serviceAccount annotation key invalid', () => svc({ serviceAccountAnnotations: { 'eks amazonaws com/role-arn': 'x' } }),
    x(P, 'serviceAccountAnnotations key', '"eks amazonaws com/role-arn"', 'example.com/team')],
  ['networkPolicy client namespace invalid', () => svc({ networkPolicy: { clients: [NetworkPeer.namespace('Gateway')] } }), x(P, 'NetworkPeer.namespace', '"Gateway"', "'monitoring'")],
  ['networkPolicy metrics namespace invalid', () => svc({ networkPolicy: { metricsScrapers: [NetworkPeer.namespace('monitoring'), NetworkPeer.namespace('mon_2')] } }),
    x(P, 'NetworkPeer.namespace', '"mon_2"', "'monitoring'")],
  ['drain preStopDelay NaN', () => svc({ drain: { preStopDelay: Duration.seconds(NaN) } }), x(P, 'drain.preStopDelay', 'NaN ms', 'Duration.seconds')],
  ['drain shutdownTimeout a million years', () => svc({ drain: { shutdownTimeout: Duration.days(365e6) } }), x(P, 'drain.shutdownTimeout', '"365000000 days"', 'Duration.seconds')],
  ['drain preStopDelay an hour', () => svc({ drain: { preStopDelay: Duration.hours(1) } }), x(P, 'drain.preStopDelay', '"60 minutes"', 'Duration.seconds')],
  ['probes startupTimeout Infinity', () => svc({ probes: { startupTimeout: Duration.seconds(Infinity) } }), x(P, 'probes.startupTimeout', 'Infinity ms', 'Duration.seconds')],
  ['probes readinessPeriod a day', () => svc({ probes: { readinessPeriod: Duration.days(1) } }), x(P, 'probes.readinessPeriod', '"1 day"', 'Duration.seconds')],
  ['probes livenessFailureThreshold 0', () => svc({ probes: { livenessFailureThreshold: 0 } }), x(P, 'probes.livenessFailureThreshold', '0', 'livenessFailureThreshold: 4')],
  ['footprint parameters negative', () => svc({ footprint: { parametersBillions: -8 } }), x(P, 'footprint.parametersBillions', '-8', 'parametersBillions: 70.6')],
  ['footprint parameters NaN', () => svc({ footprint: { parametersBillions: NaN } }), x(P, 'footprint.parametersBillions', 'NaN', 'parametersBillions: 70.6')],
  ['footprint parameters 0', () => svc({ footprint: { parametersBillions: 0 } }), x(P, 'footprint.parametersBillions', '0', 'parametersBillions: 70.6')],
  ['footprint kvCacheBudget 0', () => svc({ footprint: { parametersBillions: 8, kvCacheBudget: Size.gibibytes(0) } }), x(P, 'footprint.kvCacheBudget', '0 KiB', 'Size.gibibytes')],
  ['provenance gitRevision empty', () => svc({ provenance: { gitRevision: '' } }), x(P, 'provenance.gitRevision', '""', 'exact id')],
  ['provenance trainingRunId with space', () => svc({ provenance: { trainingRunId: 'run 7' } }), x(P, 'provenance.trainingRunId', '"run 7"', 'exact id')],
]));

describe('accepted boundary values synthesize conformant manifests', () => {
  test('every limit at its edge', async () => {
    const { chart } = svc({
      namespace: 'a'.repeat(63),
      replicas: 2,
      cpu: 0.5,
      memory: Size.mebibytes(64),
      sharedMemorySize: Size.mebibytes(64),
      nodeSelector: { 'example.com/gpu-class': 'a'.repeat(63) },
      tolerations: [Toleration.exists('example.com/dedicated', { effect: TaintEffect.NO_EXECUTE, evictAfter: Duration.seconds(0) }), Toleration.equal('pool', 'a'.repeat(63)), Toleration.all({ effect: TaintEffect.PREFER_NO_SCHEDULE })],
      env: { 'my.var-1': 'x' },
      networkPolicy: { clients: [NetworkPeer.namespace('ml-gateway')] },
      drain: { preStopDelay: Duration.minutes(10), shutdownTimeout: Duration.hours(2) },
      footprint: { parametersBillions: 8 },
    });
    const docs = await expectConformant(chart);
    const deployment = docs.find((d: any) => d.kind === 'Deployment') as any;
    expect(deployment.metadata.namespace).toBe('a'.repeat(63));
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(7200);
    expect(deployment.spec.template.spec.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'example.com/dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 },
      { key: 'pool', operator: 'Equal', value: 'a'.repeat(63) },
      { operator: 'Exists', effect: 'PreferNoSchedule' },
    ]);
  });
});

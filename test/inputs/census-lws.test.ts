import { census, x } from './census';
import { Gate, GpuModelServiceProps, Interconnect, ModelRuntime, MultiNodeOptions, Precision, RdmaOptions, StagedGroupUpdate, UpdateStage } from '../../src';
import { service } from '../serving/helpers';

const S = 'test/Svc';
const U = 'test/U';
/** 405B BF16 on 2 x 8 H100, two replicas. */
const big = (o: Partial<GpuModelServiceProps> = {}) => service({
  name: 'big',
  runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.11.0' }),
  tensorParallelSize: 8,
  pipelineParallelSize: 2,
  replicas: 2,
  footprint: { parametersBillions: 405, precision: Precision.BF16 },
  ...o,
});
const multi = (multiNode: MultiNodeOptions) => big({ multiNode });
const GATES = [Gate.errorRate({ maxRatio: 0.01 })];
const staged = (stage: UpdateStage, o: { gates?: Gate[]; gpuBudget?: number; service?: Partial<GpuModelServiceProps> } = {}) => {
  const { chart, svc } = big(o.service);
  return new StagedGroupUpdate(chart, 'U', { service: svc, stage, gates: o.gates ?? GATES, gpuBudget: o.gpuBudget });
};
const canary = (groups = 1) => UpdateStage.canary({ groups, stableRelease: '0123456789' });

describe('LeaderWorkerSet multi-node props', () => census([
  ['RDMA not acknowledged', () => multi({ interconnect: Interconnect.rdma({ acknowledgeIpcLock: false }) }), x(S, 'Interconnect.rdma.acknowledgeIpcLock', 'false', 'acknowledgeIpcLock: true')],
  ['RDMA acknowledgement left out', () => multi({ interconnect: Interconnect.rdma({} as RdmaOptions) }), x(S, 'Interconnect.rdma.acknowledgeIpcLock', 'undefined', 'acknowledgeIpcLock: true')],
  ['RDMA resource without domain', () => multi({ interconnect: Interconnect.rdma({ acknowledgeIpcLock: true, resourceName: 'ib' }) }), x(S, 'Interconnect.rdma.resourceName', '"ib"', "'rdma/ib'")],
  ['RDMA resource empty', () => multi({ interconnect: Interconnect.rdma({ acknowledgeIpcLock: true, resourceName: '' }) }), x(S, 'Interconnect.rdma.resourceName', '""', "'rdma/ib'")],
  ['RDMA resource two slashes', () => multi({ interconnect: Interconnect.rdma({ acknowledgeIpcLock: true, resourceName: 'rdma/ib/a' }) }), x(S, 'Interconnect.rdma.resourceName', '"rdma/ib/a"', "'rdma/ib'")],
  ['RDMA resource uppercase domain', () => multi({ interconnect: Interconnect.rdma({ acknowledgeIpcLock: true, resourceName: 'RDMA/ib' }) }), x(S, 'Interconnect.rdma.resourceName', '"RDMA/ib"', "'rdma/ib'")],
  ['nodesPerReplica 1', () => big({ pipelineParallelSize: 1, multiNode: { nodesPerReplica: 1 } }), x(S, 'multiNode.nodesPerReplica', '1', 'nodesPerReplica: 2 or more')],
  ['nodesPerReplica fractional', () => multi({ nodesPerReplica: 2.5 }), x(S, 'multiNode.nodesPerReplica', '2.5', 'nodesPerReplica: 2 or more')],
  ['nodesPerReplica above the maximum', () => big({ pipelineParallelSize: 5, multiNode: { nodesPerReplica: 5 } }), x(S, 'multiNode.nodesPerReplica', '5', 'maxNodesPerReplica to 5')],
  ['maxNodesPerReplica 1', () => multi({ maxNodesPerReplica: 1 }), x(S, 'multiNode.maxNodesPerReplica', '1', 'maxNodesPerReplica: 4')],
  ['maxNodesPerReplica NaN', () => multi({ maxNodesPerReplica: NaN }), x(S, 'multiNode.maxNodesPerReplica', 'NaN', 'maxNodesPerReplica: 4')],
  ['groupTopologyKey with a space', () => multi({ groupTopologyKey: 'topology zone' }), x(S, 'multiNode.groupTopologyKey', '"topology zone"', "'example.com/team'")],
  ['groupTopologyKey empty', () => multi({ groupTopologyKey: '' }), x(S, 'multiNode.groupTopologyKey', '""', "'example.com/team'")],
  ['groupTopologyKey two slashes', () => multi({ groupTopologyKey: 'a/b/c' }), x(S, 'multiNode.groupTopologyKey', '"a/b/c"', "'example.com/team'")],
  ['exclusiveTopologyKey with a space', () => multi({ exclusiveTopologyKey: 'nvidia.com/gpu clique' }), x(S, 'multiNode.exclusiveTopologyKey', '"nvidia.com/gpu clique"', "'example.com/team'")],
  ['exclusiveTopologyKey empty prefix', () => multi({ exclusiveTopologyKey: '/clique' }), x(S, 'multiNode.exclusiveTopologyKey', '"/clique"', "'example.com/team'")],
  ['TP below the GPUs of a node', () => big({ tensorParallelSize: 4, pipelineParallelSize: 4 }), x(S, 'tensorParallelSize', '4', 'tensorParallelSize: 8')],
  ['PP not the node count', () => multi({ nodesPerReplica: 3 }), x(S, 'pipelineParallelSize', '2', 'pipelineParallelSize: 3')],
  ['TGI across nodes', () => big({ runtime: ModelRuntime.tgi(), pipelineParallelSize: 1, multiNode: { nodesPerReplica: 2 } }), x(S, 'runtime', '"tgi"', 'ModelRuntime.vllm()')],
  ['surge above the replicas', () => big({ maxSurge: 3 }), x(S, 'maxSurge', '3', '')],
]));

describe('StagedGroupUpdate props and UpdateStage', () => census([
  ['stableRelease not a release', () => staged(UpdateStage.canary({ groups: 1, stableRelease: 'v1' })), x(U, 'UpdateStage.canary.stableRelease', '"v1"', 'mlops.cdk8s.io/release')],
  ['stableRelease empty', () => staged(UpdateStage.canary({ groups: 1, stableRelease: '' })), x(U, 'UpdateStage.canary.stableRelease', '""', 'mlops.cdk8s.io/release')],
  ['stableRelease uppercase', () => staged(UpdateStage.canary({ groups: 1, stableRelease: 'ABCDEF0123' })), x(U, 'UpdateStage.canary.stableRelease', '"ABCDEF0123"', 'mlops.cdk8s.io/release')],
  ['stableRelease 11 characters', () => staged(UpdateStage.canary({ groups: 1, stableRelease: '0123456789a' })), x(U, 'UpdateStage.canary.stableRelease', '"0123456789a"', 'mlops.cdk8s.io/release')],
  ['canary of every group', () => staged(canary(2)), x(U, 'stage.groups', '2', 'groups: 1')],
  ['canary of no group', () => staged(canary(0)), x(U, 'stage.groups', '0', 'groups: 1')],
  ['canary groups fractional', () => staged(canary(0.5)), x(U, 'stage.groups', '0.5', 'groups: 1')],
  ['canary groups negative', () => staged(canary(-1)), x(U, 'stage.groups', '-1', 'groups: 1')],
  ['canary on one replica', () => staged(canary(1), { service: { replicas: 1 } }), x(U, 'stage.groups', '1', 'run 2 or more replicas')],
  ['no gates', () => staged(canary(), { gates: [] }), x(U, 'gates', '[]', 'at least one Gate')],
  ['gpuBudget 0', () => staged(canary(), { gpuBudget: 0 }), x(U, 'gpuBudget', '0', 'gpuBudget: 48')],
  ['gpuBudget fractional', () => staged(canary(), { gpuBudget: 47.5 }), x(U, 'gpuBudget', '47.5', 'gpuBudget: 48')],
  ['gpuBudget NaN', () => staged(canary(), { gpuBudget: NaN }), x(U, 'gpuBudget', 'NaN', 'gpuBudget: 48')],
  ['gpuBudget below one surge group', () => staged(canary(), { gpuBudget: 40 }), x(U, 'gpuBudget', '40', 'raise gpuBudget to 48')],
  ['without the scrape', () => staged(canary(), { service: { scrape: false } }), x(U, 'service.scrape', 'false', 'drop scrape: false')],
  ['gate problem through the update', () => staged(canary(), { gates: [Gate.errorRate({ maxRatio: 2 })] }), x(U, 'Gate.errorRate.maxRatio', '2', 'maxRatio: 0.01')],
]));

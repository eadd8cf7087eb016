import { createHash } from 'node:crypto';
import { ApiObject, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';
import type { ModelRuntime } from './model-runtime';
import type { IModelService, WorkloadReference } from './model-service';
import type { MultiNodeLaunch } from './runtimes/base';
import { Accelerator } from '../gpu/accelerator';
import { LeaderWorkerSet } from '../imports/leaderworkerset-leaderworkerset.x-k8s.io';
import { check, deferFactoryChecks, propError } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { labelKey } from '../internal/validate';

/** Labels the LWS controller puts on every pod of a group. */
export const LwsLabels = {
  NAME: 'leaderworkerset.sigs.k8s.io/name',
  WORKER_INDEX: 'leaderworkerset.sigs.k8s.io/worker-index',
  GROUP_KEY: 'leaderworkerset.sigs.k8s.io/group-key',
} as const;

/** The pod label carrying the hash of the rendered pod template: the release the gates tell canary from stable by. */
export const RELEASE_LABEL = `${DOMAIN}/release`;
/** The pod annotation naming the one Pod Security exception a pod takes (RDMA's `IPC_LOCK`). */
export const POD_SECURITY_EXCEPTION = `${DOMAIN}/pod-security-exception`;
/** The LWS annotation placing each group in its own topology domain, one group per domain. */
const EXCLUSIVE_TOPOLOGY = 'leaderworkerset.sigs.k8s.io/exclusive-topology';
const DEFAULT_MAX_NODES = 4;

/** Options of an RDMA interconnect. */
export interface RdmaOptions {
  /**
   * The RDMA device plugin's extended resource each pod requests one of.
   * @default 'rdma/ib'
   * @see https://github.com/Mellanox/k8s-rdma-shared-dev-plugin
   */
  readonly resourceName?: string;
  /**
   * Acknowledge that RDMA needs the `IPC_LOCK` capability (to pin memory for the NIC), which Pod Security
   * "restricted" and "baseline" forbid: the namespace must admit it (`pod-security.kubernetes.io/enforce: privileged`
   * or an exemption). Every other restricted setting stays. Must be `true`.
   * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
   */
  readonly acknowledgeIpcLock: boolean;
}

/**
 * How the nodes of one multi-node replica exchange activations (pipeline stages) and NCCL traffic.
 */
export class Interconnect {
  /** TCP over the pod network: works on every cluster; NCCL's InfiniBand transport is switched off. */
  public static podNetwork(): Interconnect {
    return new Interconnect(undefined);
  }

  /**
   * InfiniBand or RoCE through an RDMA device plugin. Breaks Pod Security "restricted" with `IPC_LOCK`, so it
   * must be acknowledged.
   */
  public static rdma(options: RdmaOptions): Interconnect {
    if (options.acknowledgeIpcLock !== true) {
      throw propError(undefined, 'Interconnect.rdma.acknowledgeIpcLock', options.acknowledgeIpcLock,
        'RDMA needs the IPC_LOCK capability, which Pod Security "restricted" and "baseline" forbid',
        'set acknowledgeIpcLock: true and let the namespace admit IPC_LOCK, or use Interconnect.podNetwork()');
    }
    const resourceName = options.resourceName ?? 'rdma/ib';
    check(/^[a-z0-9.-]+\/[A-Za-z0-9._-]+$/.test(resourceName), undefined, 'Interconnect.rdma.resourceName', resourceName,
      'must be an extended resource name (domain/name)', 'e.g. \'rdma/ib\' or \'rdma/rdma_shared_device_a\'');
    return new Interconnect(resourceName);
  }

  private constructor(private readonly rdmaResource: string | undefined) {}

  /** @internal */
  public _apply(spec: k8s.PodSpec): k8s.PodSpec {
    const nccl = this.rdmaResource ? {} : { NCCL_IB_DISABLE: '1' };
    return {
      ...spec,
      containers: spec.containers.map(c => ({
        ...c,
        env: [...Object.entries(nccl).map(([name, value]) => ({ name, value })), ...c.env ?? []],
        resources: this.rdmaResource ? withResource(c.resources ?? {}, this.rdmaResource) : c.resources,
        securityContext: this.rdmaResource
          ? { ...c.securityContext, capabilities: { ...c.securityContext?.capabilities, add: ['IPC_LOCK'] } }
          : c.securityContext,
      })),
    };
  }

  /** @internal */
  public get _podSecurityException(): string | undefined {
    return this.rdmaResource ? 'IPC_LOCK' : undefined;
  }

  public toString(): string {
    return this.rdmaResource ? `RDMA (${this.rdmaResource})` : 'pod network';
  }
}

deferFactoryChecks(Interconnect);

/**
 * A replica spread over several nodes: one LeaderWorkerSet group per replica.
 */
export interface MultiNodeOptions {
  /**
   * Nodes per replica (the LWS group size). Each node runs one pod taking all of its GPUs: the
   * tensor-parallel size must equal the node's GPU count and the pipeline-parallel size the number of nodes.
   * @default - tensorParallelSize x pipelineParallelSize / GPUs per node, when that exceeds one node
   * @see https://docs.vllm.ai/en/latest/serving/parallelism_scaling.html
   */
  readonly nodesPerReplica?: number;
  /**
   * The most nodes one replica may take: a guard against a footprint or parallelism typo holding a rack.
   * @default 4
   * @see https://github.com/kubernetes-sigs/lws
   */
  readonly maxNodesPerReplica?: number;
  /**
   * How the nodes of a group talk to each other.
   * @default Interconnect.podNetwork()
   * @see https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html
   */
  readonly interconnect?: Interconnect;
  /**
   * The node label whose value all pods of one group must share (the leader and its workers are scheduled into
   * one such domain through pod affinity on the group's `leaderworkerset.sigs.k8s.io/group-key`).
   * @default 'topology.kubernetes.io/zone'
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#matchlabelkeys-and-mismatchlabelkeys
   */
  readonly groupTopologyKey?: string;
  /**
   * A node label (a node pool, an NVLink domain such as `nvidia.com/gpu.clique`) giving each group a domain of its
   * own, one group per domain: LWS's exclusive placement.
   * @default - none: groups only share nothing by node
   * @see https://github.com/kubernetes-sigs/lws/blob/main/docs/examples/sample/README.md#exclusive-placement
   */
  readonly exclusiveTopologyKey?: string;
}

/** The shape of one multi-node replica, decided once from the props. */
export interface MultiNodePlan {
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly interconnect: Interconnect;
  readonly groupTopologyKey: string;
  readonly exclusiveTopologyKey?: string;
}

/** Whether the replica spans nodes: it needs more GPUs than a node has, or the user asked for it with `multiNode`. */
export function isMultiNode(options: MultiNodeOptions | undefined, gpus: number, accelerator: Accelerator): boolean {
  return gpus > accelerator.maxGpusPerNode || options !== undefined;
}

/** Checks the parallelism of a multi-node replica against its nodes, and the runtime's ability to span them. */
export function planMultiNode(scope: IConstruct, options: MultiNodeOptions, tp: number, pp: number, accelerator: Accelerator,
  runtime: ModelRuntime, onMig: boolean): MultiNodePlan {
  const perNode = accelerator.maxGpusPerNode;
  check(!onMig, scope, 'migProfile', 'set', 'a MIG instance is a slice of one GPU and cannot be part of a multi-node replica',
    'drop migProfile, or drop multiNode and use a single-node model');
  check(runtime._singleNodeReason === undefined, scope, 'runtime', runtime.kind,
    `cannot span nodes: only vLLM (Ray, started by the LWS leader) and SGLang (--nnodes, --node-rank) run one model across a LeaderWorkerSet group, and ${runtime._singleNodeReason}`,
    'use ModelRuntime.vllm() or ModelRuntime.sglang(), or a model that fits one node');
  check(tp === perNode, scope, 'tensorParallelSize', tp,
    `must equal the GPUs of one node (${perNode} on ${accelerator.name}) in a multi-node replica: each pod takes its whole node, tensor parallel inside it over NVLink`,
    `set tensorParallelSize: ${perNode} and split across nodes with pipelineParallelSize`);
  const nodes = options.nodesPerReplica ?? Math.ceil((tp * pp) / perNode);
  check(Number.isInteger(nodes) && nodes >= 2, scope, 'multiNode.nodesPerReplica', nodes, 'must be a whole number >= 2',
    'set nodesPerReplica: 2 or more, or drop multiNode for a single-node replica');
  check(pp === nodes, scope, 'pipelineParallelSize', pp, `must equal the nodes per replica (${nodes}): one pipeline stage per node`,
    `set pipelineParallelSize: ${nodes}`);
  const max = options.maxNodesPerReplica ?? DEFAULT_MAX_NODES;
  check(Number.isInteger(max) && max >= 2, scope, 'multiNode.maxNodesPerReplica', max, 'must be a whole number >= 2', 'e.g. maxNodesPerReplica: 4');
  check(nodes <= max, scope, 'multiNode.nodesPerReplica', nodes, `a replica would take ${nodes} nodes, more than maxNodesPerReplica ${max}`,
    `raise multiNode.maxNodesPerReplica to ${nodes} if that many nodes per replica is intended, or use a larger GPU or a smaller precision`);
  const groupTopologyKey = labelKey(scope, 'multiNode.groupTopologyKey', options.groupTopologyKey ?? 'topology.kubernetes.io/zone', 'node label key');
  if (options.exclusiveTopologyKey !== undefined) labelKey(scope, 'multiNode.exclusiveTopologyKey', options.exclusiveTopologyKey, 'node label key');
  return {
    nodes,
    gpusPerNode: perNode,
    interconnect: options.interconnect ?? Interconnect.podNetwork(),
    groupTopologyKey,
    exclusiveTopologyKey: options.exclusiveTopologyKey,
  };
}

/**
 * The pod template both roles derive from: the service's template with the interconnect, the group's placement and
 * the release label (a hash of everything else, so it changes exactly when the pods would).
 */
export function multiNodePodTemplate(template: k8s.PodTemplateSpec, plan: MultiNodePlan, selector: { [key: string]: string }): k8s.PodTemplateSpec {
  const spec = plan.interconnect._apply(template.spec!);
  // The first pod of a group (the leader) matches its own term, which the scheduler accepts; the workers follow it.
  const sameDomain: k8s.PodAffinityTerm = {
    labelSelector: { matchLabels: selector },
    matchLabelKeys: [LwsLabels.GROUP_KEY],
    topologyKey: plan.groupTopologyKey,
  };
  const exception = plan.interconnect._podSecurityException;
  const withoutRelease: k8s.PodTemplateSpec = {
    metadata: {
      ...template.metadata,
      annotations: { ...template.metadata?.annotations, ...exception ? { [POD_SECURITY_EXCEPTION]: exception } : {} },
    },
    spec: { ...spec, affinity: { ...spec.affinity, podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [sameDomain] } } },
  };
  const release = createHash('sha256').update(JSON.stringify(withoutRelease)).digest('hex').slice(0, 10);
  return { ...withoutRelease, metadata: { ...withoutRelease.metadata, labels: { ...withoutRelease.metadata?.labels, [RELEASE_LABEL]: release } } };
}

/** The release (pod template hash) of a multi-node template, when it has one. */
export function releaseOf(template: k8s.PodTemplateSpec): string | undefined {
  return template.metadata?.labels?.[RELEASE_LABEL];
}

/**
 * A staged update of a multi-node service's groups: the service's LeaderWorkerSet takes its partition from it.
 */
export interface IGroupUpdate extends IConstruct {
  /** The service whose groups it updates. */
  readonly service: IModelService;
  /** Groups with an index below this keep the old pod template. */
  readonly partition: number;
}

/** Everything a LeaderWorkerSet is rendered from besides the service. */
export interface LeaderWorkerSetInput {
  readonly plan: MultiNodePlan;
  /** The leader's and workers' entrypoints, from the runtime. */
  readonly launch: MultiNodeLaunch;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

/**
 * Renders the service's LeaderWorkerSet: one group per replica, the leader running the server (probes, ports and
 * metrics) and the workers joining it, each as the runtime starts them. Both templates derive from the service's
 * pod template.
 */
export function renderLeaderWorkerSet(service: IModelService & Construct, input: LeaderWorkerSetInput): WorkloadReference {
  const { plan, launch } = input;
  const base = service.podTemplate;
  const [server, ...sidecars] = base.spec!.containers;
  const leader: k8s.Container = { ...server, ...launch.leader };
  // Workers serve nothing of their own: no ports (nothing to scrape or route to) and no HTTP probes.
  const worker: k8s.Container = {
    ...server,
    ...launch.worker,
    ports: undefined,
    startupProbe: undefined,
    readinessProbe: undefined,
    livenessProbe: undefined,
  };
  const template = (c: k8s.Container): k8s.PodTemplateSpec => ({ ...base, spec: { ...base.spec!, containers: [c, ...sidecars] } });
  const owner = () => groupUpdateOf(service);
  check(input.maxSurge <= service.replicas, service, 'maxSurge', input.maxSurge, `is more groups than the ${service.replicas} replicas an update replaces`,
    `set maxSurge to at most ${service.replicas}`);
  const lws = new ApiObject(service, 'LeaderWorkerSet', {
    ...LeaderWorkerSet.GVK,
    metadata: service.metadata(service.name, plan.exclusiveTopologyKey ? { [EXCLUSIVE_TOPOLOGY]: plan.exclusiveTopologyKey } : undefined),
    spec: {
      replicas: service.replicas,
      // The leader's server only becomes ready once every worker has joined (Ray, torch.distributed): with LeaderReady the workers
      // would wait for a readiness that waits for them.
      startupPolicy: 'LeaderCreated',
      leaderWorkerTemplate: {
        size: plan.nodes,
        // A lost worker breaks the group's collective and the pipeline: the whole group restarts together.
        restartPolicy: 'RecreateGroupOnPodRestart',
        leaderTemplate: k8s.toJson_PodTemplateSpec(template(leader)),
        workerTemplate: k8s.toJson_PodTemplateSpec(template(worker)),
      },
      rolloutStrategy: {
        type: 'RollingUpdate',
        rollingUpdateConfiguration: {
          partition: Lazy.any({ produce: () => owner()?.partition ?? 0 }),
          maxSurge: input.maxSurge,
          maxUnavailable: input.maxUnavailable,
        },
      },
    },
  });
  service.node.addValidation({
    validate: () => {
      const updates = updatesOf(service);
      return updates.length <= 1 ? [] : [`[${service.node.path}] workload: is updated by ${updates.map(u => u.node.path).join(' and ')}. Fix: give each multi-node service one StagedGroupUpdate.`];
    },
  });
  return { apiVersion: LeaderWorkerSet.GVK.apiVersion, kind: LeaderWorkerSet.GVK.kind, name: lws.name };
}

/** The staged update of a multi-node service's groups, if any (a search of the chart: multi-node services are few). */
export function groupUpdateOf(service: IModelService): IGroupUpdate | undefined {
  return updatesOf(service)[0];
}

function updatesOf(service: IModelService): IGroupUpdate[] {
  return Chart.of(service).node.findAll().filter((c): c is IGroupUpdate & IConstruct => 'partition' in c && (c as any).service === service);
}

function withResource(resources: k8s.ResourceRequirements, name: string): k8s.ResourceRequirements {
  const one = k8s.Quantity.fromNumber(1);
  return { ...resources, requests: { ...resources.requests, [name]: one }, limits: { ...resources.limits, [name]: one } };
}

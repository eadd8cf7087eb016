import { Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';
import { secretEnv, plainEnv } from './env';
import { ModelLineage, Provenance } from './lineage';
import { lineageAnnotations, standardLabels } from './lineage-labels';
import { ModelCache } from './model-cache';
import { FILL_JOB_ANNOTATION } from './model-cache-fill';
import { ModelRuntime, RuntimeConfig, RuntimeKind } from './model-runtime';
import { ModelScrape, ModelScrapeOptions } from './model-scrape';
import { ModelSource } from './model-source';
import { groupUpdateOf, isMultiNode, LwsLabels, MultiNodeOptions, MultiNodePlan, multiNodePodTemplate, planMultiNode, renderLeaderWorkerSet } from './multi-node';
import { NetworkPolicyOptions, renderNetworkPolicy } from './network-policy';
import { PreStopHandler } from './pre-stop-handler';
import { withProvenance } from './provenance';
import { SecretKeyRef } from './secret-ref';
import { checkServiceProps } from './service-inputs';
import { Accelerator } from '../gpu/accelerator';
import { driverSelectorTerms } from '../gpu/cuda-compatibility';
import { MigProfile } from '../gpu/mig-profile';
import { gib, ModelFootprint, requiredBytes, weightBytes } from '../gpu/model-footprint';
import { wholeSeconds } from '../internal/duration';
import { bindInputs, check, propError } from '../internal/errors';
import { LabelKeys, selectorLabels } from '../internal/labels';
import { dnsLabel, isDnsLabel } from '../internal/names';
import { quantityBytes, scratchMebibytes, sizeQuantity } from '../internal/quantity';
import { checkImagePinned, pullPolicy, restrictedContainer, restrictedPod } from '../internal/security';
import { MetricCatalog } from '../metrics/runtime-metrics';

/** Longest service name: leaves room for `-canary`, `-preview` and similar suffixes within 63 characters. */
const MAX_NAME = 50;
const MODEL_MOUNT = '/models';
const SERVER = 'server';

/**
 * The object a workload controller (Deployment, Argo Rollout) is reached by, e.g. for a scale target.
 */
export interface WorkloadReference {
  /** e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** e.g. `Deployment`. */
  readonly kind: string;
  /** The object's name. */
  readonly name: string;
}

/**
 * A model service as other constructs see it: rollouts take over its workload, gates and monitoring
 * read its names, ports and runtime.
 */
export interface IModelService extends IConstruct {
  /** The name of the Service and the workload. */
  readonly name: string;
  /** The namespace, when set on the service. */
  readonly namespace?: string;
  /** The pod template every workload controller wraps. */
  readonly podTemplate: k8s.PodTemplateSpec;
  /** Labels selecting the service's pods, stable across versions. */
  readonly selectorLabels: { [key: string]: string };
  /** Labels every object of the service carries. */
  readonly labels: { [key: string]: string };
  /** Annotations every object of the service carries. */
  readonly annotations: { [key: string]: string };
  /** Desired replicas. */
  readonly replicas: number;
  /** GPUs (or MIG instances) one replica holds. */
  readonly gpusPerReplica: number;
  /** The inference port (named `http`). */
  readonly port: number;
  /** The ports of the service's Service, to copy into variant Services (canary, stable, preview). */
  readonly servicePorts: k8s.ServicePort[];
  /** How long a new pod may take to become ready. */
  readonly startupTimeout: Duration;
  /** The metrics port. */
  readonly metricsPort: number;
  /** The metrics path. */
  readonly metricsPath: string;
  /** The server kind. */
  readonly runtimeKind: RuntimeKind;
  /**
   * The series the runtime's image exports, which gates, alerts and dashboards read.
   * @internal
   */
  readonly _metricCatalog: MetricCatalog;
  /** The model name clients (and vLLM metrics' `model_name` label) use. */
  readonly servedModelName: string;
  /** Where the served model version comes from. */
  readonly lineage: ModelLineage;
  /** The workload that runs the pods now. */
  readonly workload: WorkloadReference;
  /**
   * The construct the workload was handed over to (an Argo Rollout).
   * @default - none: the service's own Deployment runs the pods
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/specification/
   */
  readonly workloadOwner?: IConstruct;
  /** Where the model's files are inside the server container. */
  readonly modelPath: string;
  /** Metadata for an object of the service: its name, namespace, labels and lineage annotations. */
  metadata(name: string, annotations?: { [key: string]: string }): k8s.ObjectMeta;
  /**
   * Hands the pods over to another controller (an Argo Rollout): the service's Deployment is removed so
   * that two controllers never fight over the same pods.
   */
  handOverWorkload(by: IConstruct, workload: WorkloadReference): void;
}

/** Timings of the startup, readiness and liveness probes. */
export interface ProbeTimings {
  /**
   * How long the server may take from container start to answering its health endpoint: model loading,
   * compilation and CUDA graph capture of a 70B model take many minutes.
   * @default Duration.minutes(30)
   */
  readonly startupTimeout?: Duration;
  /**
   * Readiness probe period.
   * @default Duration.seconds(5)
   */
  readonly readinessPeriod?: Duration;
  /**
   * Liveness probe period.
   * @default Duration.seconds(15)
   */
  readonly livenessPeriod?: Duration;
  /**
   * Timeout of one probe request; must be shorter than every period.
   * @default Duration.seconds(3)
   */
  readonly timeout?: Duration;
  /**
   * Consecutive liveness failures before the container is restarted.
   * @default 4
   */
  readonly livenessFailureThreshold?: number;
}

/** How a pod is drained before it stops, and how many may be evicted at once. */
export interface DrainOptions {
  /**
   * Delay in `preStop` so endpoints and load balancers stop sending new requests before the server gets SIGTERM.
   * @default Duration.seconds(15)
   */
  readonly preStopDelay?: Duration;
  /**
   * How the server waits out `preStopDelay`. Required for a custom runtime (unless the delay is 0): only you
   * know whether its image has `sleep`.
   * @default - PreStopHandler.execSleep() for vLLM, TGI and Triton, whose images have `sleep`
   * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations
   */
  readonly preStopHandler?: PreStopHandler;
  /**
   * With one replica, let a voluntary eviction (node drain, cluster autoscaler scale-down) take the only pod,
   * and with it the service, down until a replacement has loaded the model. Without it the PodDisruptionBudget
   * allows no eviction of a single healthy replica: a drain waits until you move the pod (scale to 2, or restart
   * the rollout so a surge pod starts on another node) or the pod turns unhealthy. More replicas are evicted
   * one at a time either way.
   * @default false
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
   */
  readonly allowDisruption?: boolean;
  /**
   * Time the server has after SIGTERM to finish in-flight requests (long generations take minutes).
   * `terminationGracePeriodSeconds` is the delay plus this.
   * @default Duration.minutes(2)
   */
  readonly shutdownTimeout?: Duration;
}

/**
 * Properties of a GpuModelService.
 */
export interface GpuModelServiceProps {
  /** Where the model comes from, pinned to one version. */
  readonly model: ModelSource;
  /** The server that runs it. */
  readonly runtime: ModelRuntime;
  /**
   * Training data hash, training run id and git revision of the synth, recorded with the lineage on every object.
   * @default - the git revision from the context or environment (see Provenance), nothing else
   */
  readonly provenance?: Provenance;
  /** The GPU product to run on, selected through GPU Feature Discovery labels. */
  readonly accelerator: Accelerator;
  /**
   * Name of the Service, the workload and every companion object (a DNS-1035 label of at most 50 characters).
   * @default - derived from the model name
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The model name clients send in requests.
   * @default - the service name
   */
  readonly servedModelName?: string;
  /**
   * Replicas of the whole model (each holds `gpuCount` GPUs).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * GPUs per replica. Must equal `tensorParallelSize` x `pipelineParallelSize`.
   * @default - tensorParallelSize x pipelineParallelSize
   */
  readonly gpuCount?: number;
  /**
   * GPUs one model shard is split across (vLLM `--tensor-parallel-size`, TGI `--num-shard`). Must fit in one node.
   * @default - gpuCount, or 1
   * @see https://docs.vllm.ai/en/latest/serving/parallelism_scaling.html
   */
  readonly tensorParallelSize?: number;
  /**
   * Pipeline stages (vLLM `--pipeline-parallel-size`): the better split on GPUs without NVLink.
   * @default 1
   */
  readonly pipelineParallelSize?: number;
  /**
   * Accept tensor parallelism over PCIe on a product without NVLink. All-reduce over PCIe is slow.
   * @default false
   */
  readonly allowPcieTensorParallel?: boolean;
  /**
   * Run on a MIG instance instead of whole GPUs (needs the device plugin's `mixed` MIG strategy).
   * @default - whole GPUs
   * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/gpu-operator-mig.html
   */
  readonly migProfile?: MigProfile;
  /**
   * The model's size, for the GPU memory fit check at synth time.
   * @default - no fit check
   */
  readonly footprint?: ModelFootprint;
  /**
   * Where a downloaded model is stored: a fresh emptyDir per pod, an existing claim, or a shared versioned cache
   * filled before the workload.
   * @default ModelCache.emptyDir()
   */
  readonly modelCache?: ModelCache;
  /**
   * Require nodes whose NVIDIA driver runs the runtime image's CUDA version (GPU Feature Discovery's driver labels,
   * CUDA minor-version compatibility). A custom image must then state its `cudaVersion`.
   * @default true
   * @see https://docs.nvidia.com/deploy/cuda-compatibility/
   */
  readonly driverAwareScheduling?: boolean;
  /**
   * The image carries NVIDIA's forward-compatibility package (`cuda-compat`), so older drivers of data-center GPUs run
   * it too. Only on a data-center accelerator.
   * @default false
   * @see https://docs.nvidia.com/deploy/cuda-compatibility/forward-compatibility.html
   */
  readonly cudaForwardCompatibility?: boolean;
  /**
   * Size of the memory-backed `/dev/shm`, used by NCCL and the runtime's worker processes. It counts
   * against the pod's memory.
   * @default - 1 GiB for one GPU, 2 GiB per GPU for more
   */
  readonly sharedMemorySize?: Size;
  /**
   * CPU cores per replica (request and limit, for the Guaranteed QoS class).
   * @default - 4 per GPU (2 on a MIG instance)
   */
  readonly cpu?: number;
  /**
   * Memory per replica (request and limit), not counting `/dev/shm`, which is added.
   * @default - 16 GiB per GPU (8 GiB on a MIG instance)
   */
  readonly memory?: Size;
  /**
   * Probe timings.
   * @default - see ProbeTimings
   */
  readonly probes?: ProbeTimings;
  /**
   * Graceful drain.
   * @default - see DrainOptions
   */
  readonly drain?: DrainOptions;
  /**
   * Node-local disk one replica writes besides an emptyDir model cache: the writable cache and `/tmp` emptyDirs,
   * container logs. The server's `ephemeral-storage` request and limit are this plus the model cache's
   * `sizeLimit`, because the kubelet counts disk-backed emptyDirs against the pod's ephemeral storage and evicts a
   * pod that exceeds its containers' limits; the request makes the scheduler pick a node with that much disk.
   * Without a known cache size (no `footprint`, no `sizeLimit`) the cache is neither requested nor limited.
   * @default Size.gibibytes(10)
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage
   */
  readonly ephemeralStorage?: Size;
  /**
   * Priority class of the pods (GPU serving usually outranks batch work).
   * @default - the cluster default
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
   */
  readonly priorityClassName?: string;
  /**
   * Extra required node labels, on top of the GPU product.
   * @default - none
   */
  readonly nodeSelector?: { [key: string]: string };
  /**
   * Extra tolerations, on top of `nvidia.com/gpu:NoSchedule`.
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Require replicas on distinct nodes instead of preferring it.
   * @default false
   */
  readonly requireNodeSpread?: boolean;
  /**
   * Spread replicas across zones (`topology.kubernetes.io/zone`), best effort.
   * @default false
   */
  readonly zoneSpread?: boolean;
  /**
   * Plain environment variables for the server. Credentials are refused: use `secretEnv`.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Environment variables read from Secret keys.
   * @default - none
   */
  readonly secretEnv?: { [name: string]: SecretKeyRef };
  /**
   * Annotations of the ServiceAccount, e.g. `eks.amazonaws.com/role-arn` for IRSA.
   * @default - none
   */
  readonly serviceAccountAnnotations?: { [key: string]: string };
  /**
   * Who may reach the pods besides the flows the library knows of (the rollout's router data plane and
   * evaluators, Prometheus, kubelet probes), and the mesh mode, which adds the mesh's own ports.
   * @default - see NetworkPolicyOptions
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
   */
  readonly networkPolicy?: NetworkPolicyOptions;
  /**
   * Deployment rolling update: extra replicas during an update. Every surge replica needs its own GPUs.
   * @default 1
   */
  readonly maxSurge?: number;
  /**
   * Deployment rolling update: replicas that may be unavailable during an update.
   * @default 0
   */
  readonly maxUnavailable?: number;
  /**
   * Scrape the server's metrics and the DCGM GPU metrics of its pods with prometheus-operator monitors
   * (a `ModelScrape`), which the gates, alerts, autoscaler and dashboard rely on. Switch it off when the
   * cluster has no prometheus-operator or scrapes the pods another way.
   * @default true
   * @see https://prometheus-operator.dev/docs/developer/getting-started/#using-podmonitors
   */
  readonly scrape?: boolean;
  /**
   * How the service is scraped.
   * @default - see ModelScrapeOptions
   */
  readonly scrapeOptions?: ModelScrapeOptions;
  /**
   * Spread one replica over several nodes as a LeaderWorkerSet group (implied when a replica needs more GPUs than
   * a node has). `maxSurge` and `maxUnavailable` then count groups, `cpu` and `memory` are per pod (per node).
   * @default - one node per replica, a Deployment
   * @see https://github.com/kubernetes-sigs/lws
   */
  readonly multiNode?: MultiNodeOptions;
}

/**
 * A model server on GPUs: the exact model version, on the right GPU product, with NVLink-aware
 * parallelism, probes, graceful drain and Pod Security Standards "restricted".
 *
 * It creates, under ids that are part of the API: `ServiceAccount`, `Service`, `PodDisruptionBudget`,
 * `NetworkPolicy`, `Scrape` (a ModelScrape, unless `scrape: false`), `ModelCacheClaim` and `ModelCacheFill` with a
 * shared model cache, and `Deployment` unless a progressive-delivery construct takes the workload over, or
 * `LeaderWorkerSet` for a replica spanning nodes.
 */
export class GpuModelService extends Construct implements IModelService {
  public readonly name: string;
  public readonly namespace?: string;
  public readonly podTemplate: k8s.PodTemplateSpec;
  public readonly selectorLabels: { [key: string]: string };
  public readonly labels: { [key: string]: string };
  public readonly annotations: { [key: string]: string };
  public readonly replicas: number;
  public readonly gpusPerReplica: number;
  /** GPUs all replicas hold together (MIG instances when `migProfile` is set). */
  public readonly totalGpus: number;
  public readonly port: number;
  public readonly servicePorts: k8s.ServicePort[];
  public readonly metricsPort: number;
  public readonly metricsPath: string;
  public readonly runtimeKind: RuntimeKind;
  /** @internal */
  public readonly _metricCatalog: MetricCatalog;
  public readonly servedModelName: string;
  public readonly lineage: ModelLineage;
  public readonly modelPath: string;
  /** The GPU product. */
  public readonly accelerator: Accelerator;
  /** The MIG profile, when the service runs on MIG instances. */
  public readonly migProfile?: MigProfile;
  /** The extended resource one replica requests `gpusPerReplica` of. */
  public readonly gpuResourceName: string;
  /** `terminationGracePeriodSeconds` of the pods. */
  public readonly terminationGracePeriod: Duration;
  /** How long a new pod may take to become ready (download not included). */
  public readonly startupTimeout: Duration;
  /** The Service in front of the pods. */
  public readonly service: k8s.KubeService;
  /** The Prometheus scrape of the server and its GPUs, unless switched off. */
  public readonly metricsScrape?: ModelScrape;
  /** Nodes one replica spans (1 unless it is a LeaderWorkerSet group). */
  public readonly nodesPerReplica: number;
  /** The claim of the shared model cache the pods load from, when `modelCache` is `ModelCache.shared()`. */
  public readonly modelCacheClaimName?: string;
  private workloadRef: WorkloadReference;
  private owner?: IConstruct;
  private readonly rollingUpdateSet: boolean;

  constructor(scope: Construct, id: string, props: GpuModelServiceProps) {
    super(scope, id);
    bindInputs(this, props);
    checkServiceProps(this, props);
    this.rollingUpdateSet = props.maxSurge !== undefined || props.maxUnavailable !== undefined;
    this.accelerator = props.accelerator;
    this.migProfile = props.migProfile;
    this.namespace = props.namespace;

    const source = props.model.bind({ mountPath: MODEL_MOUNT });
    this.lineage = withProvenance(this, source.lineage, props.provenance);
    this.modelPath = source.modelPath;
    this.name = props.name ?? dnsLabel(source.lineage.modelName.split('/').pop()!, MAX_NAME);
    check(isDnsLabel(this.name) && this.name.length <= MAX_NAME, this, 'name', this.name,
      `must be a DNS-1035 label of at most ${MAX_NAME} characters (lowercase letters, digits, '-', starting with a letter)`,
      `e.g. name: '${dnsLabel(this.name, MAX_NAME)}'`);
    this.servedModelName = props.servedModelName ?? this.name;

    this.replicas = props.replicas ?? 1;
    check(Number.isInteger(this.replicas) && this.replicas >= 1, this, 'replicas', this.replicas,
      'must be a whole number >= 1', 'set replicas: 1 or more; scale to zero belongs to an autoscaler, not the template');
    const maxSurge = this.count('maxSurge', props.maxSurge ?? 1, 0);
    const maxUnavailable = this.count('maxUnavailable', props.maxUnavailable ?? 0, 0);
    check(maxSurge + maxUnavailable > 0, this, 'maxSurge', maxSurge, 'maxSurge and maxUnavailable are both 0, so a rolling update can never progress', 'set maxSurge: 1 (needs spare GPUs) or maxUnavailable: 1');

    const { tp, pp } = this.parallelism(props);
    const multiNode: MultiNodePlan | undefined = isMultiNode(props.multiNode, tp * pp, props.accelerator)
      ? planMultiNode(this, props.multiNode ?? {}, tp, pp, props.accelerator, props.runtime, props.migProfile !== undefined)
      : undefined;
    this.nodesPerReplica = multiNode?.nodes ?? 1;
    this.gpusPerReplica = props.migProfile ? 1 : tp * pp;
    this.totalGpus = this.gpusPerReplica * this.replicas;
    this.gpuResourceName = props.migProfile?.resourceName ?? 'nvidia.com/gpu';
    const runtime = props.runtime.bind({
      modelPath: source.modelPath, servedModelName: this.servedModelName, tensorParallelSize: tp, pipelineParallelSize: pp,
    });
    this.checkFit(props, tp * pp, runtime.gpuMemoryUtilization, this.nodesPerReplica);
    checkImagePinned(this, 'runtime.image', runtime.image);
    this.runtimeKind = props.runtime.kind;
    this._metricCatalog = props.runtime._metricCatalog(runtime);
    this.port = runtime.port;
    this.metricsPort = runtime.metricsPort;
    this.metricsPath = runtime.metricsPath;

    this.selectorLabels = selectorLabels(this.name);
    this.labels = standardLabels(this.name, 'model-server', this.lineage);
    this.annotations = {
      ...lineageAnnotations(this.lineage),
      [LabelKeys.RUNTIME]: this.runtimeKind,
      [LabelKeys.ACCELERATOR]: props.migProfile ? `${props.accelerator.gfdProduct}/${props.migProfile.profile}` : props.accelerator.gfdProduct,
    };

    const probes = this.probeTimings(props.probes ?? {});
    this.startupTimeout = probes.startupTimeout;
    const preStop = wholeSeconds(this, 'drain.preStopDelay', props.drain?.preStopDelay ?? Duration.seconds(15));
    const shutdown = wholeSeconds(this, 'drain.shutdownTimeout', props.drain?.shutdownTimeout ?? Duration.minutes(2), 1);
    this.terminationGracePeriod = Duration.seconds(preStop + shutdown);

    const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: this.metadata(this.name, props.serviceAccountAnnotations),
      automountServiceAccountToken: false,
    });

    const podTemplate = this.renderPodTemplate(props, runtime, source, probes, preStop, sa.name, tp * pp / this.nodesPerReplica);
    this.podTemplate = multiNode ? multiNodePodTemplate(podTemplate, multiNode, this.selectorLabels) : podTemplate;
    if (this.podTemplate.metadata?.annotations?.[FILL_JOB_ANNOTATION]) {
      this.modelCacheClaimName = this.podTemplate.spec!.volumes!.find(v => v.name === 'model')!.persistentVolumeClaim!.claimName;
    }

    const ports = containerPorts(runtime);
    this.servicePorts = ports.map(p => ({ name: p.name, port: p.containerPort, targetPort: k8s.IntOrString.fromString(p.name!), protocol: 'TCP' }));
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: this.metadata(this.name),
      // A group serves through its leader; workers run no server.
      spec: { type: 'ClusterIP', selector: multiNode ? { ...this.selectorLabels, [LwsLabels.WORKER_INDEX]: '0' } : this.selectorLabels, ports: this.servicePorts },
    });

    new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: this.metadata(this.name),
      spec: {
        selector: { matchLabels: this.selectorLabels },
        // One replica at a time; the only replica only by explicit choice (see DrainOptions.allowDisruption). A
        // multi-node group is counted whole: evicting one of its pods recreates the group, whose pods are then
        // unready, so with one pod allowed no other group is touched until that one is back.
        maxUnavailable: k8s.IntOrString.fromNumber(this.replicas === 1 && props.drain?.allowDisruption !== true ? 0 : 1),
        // A pod stuck loading a model must not hold a drain hostage (beta and on by default from 1.27, GA 1.31).
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    renderNetworkPolicy(this, props.networkPolicy ?? {}, ports.map(p => p.containerPort), multiNode ? { [LwsLabels.NAME]: this.name } : undefined);

    this.workloadRef = multiNode
      ? renderLeaderWorkerSet(this, { plan: multiNode, launch: props.runtime._multiNodeLaunch(runtime, multiNode.nodes)!, maxSurge, maxUnavailable })
      : this.renderDeployment(maxSurge, maxUnavailable, probes.startupTimeout);

    check(props.scrape !== false || props.scrapeOptions === undefined, this, 'scrapeOptions', props.scrapeOptions,
      'is set while scrape is false, so it would be ignored', 'drop scrapeOptions, or drop scrape: false');
    if (props.scrape !== false) this.metricsScrape = new ModelScrape(this, 'Scrape', { service: this, ...props.scrapeOptions });
  }

  private renderDeployment(maxSurge: number, maxUnavailable: number, startupTimeout: Duration): WorkloadReference {
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: this.metadata(this.name),
      spec: {
        replicas: this.replicas,
        revisionHistoryLimit: 3,
        progressDeadlineSeconds: wholeSeconds(this, 'probes.startupTimeout', startupTimeout) + 1800,
        selector: { matchLabels: this.selectorLabels },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(maxSurge), maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable) },
        },
        template: this.podTemplate,
      },
    });
    return { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name };
  }

  public get workload(): WorkloadReference {
    return this.workloadRef;
  }

  public get workloadOwner(): IConstruct | undefined {
    return this.owner ?? (this.nodesPerReplica > 1 ? groupUpdateOf(this) : undefined);
  }

  public handOverWorkload(by: IConstruct, workload: WorkloadReference): void {
    check(this.nodesPerReplica === 1, this, 'workload', `${by.node.path}`,
      'is a LeaderWorkerSet (a multi-node replica), which Argo Rollouts cannot manage (it runs ReplicaSet-shaped workloads only)',
      'update the groups with a StagedGroupUpdate instead of a rollout');
    if (this.owner) {
      throw propError(this, 'workload', this.owner.node.path, `is already managed by ${this.owner.node.path}`,
        'give each GpuModelService at most one rollout; create a second service for a second rollout');
    }
    check(!this.rollingUpdateSet, by, 'service', this.node.path, 'sets maxSurge or maxUnavailable, which the rollout ignores: it replaces the Deployment',
      'set maxSurge and maxUnavailable on the CanaryRollout instead, and drop them from the GpuModelService');
    this.node.tryRemoveChild('Deployment');
    this.owner = by;
    this.workloadRef = workload;
  }

  public metadata(name: string, annotations?: { [key: string]: string }): k8s.ObjectMeta {
    return { name, namespace: this.namespace, labels: this.labels, annotations: { ...this.annotations, ...annotations } };
  }

  private count(prop: string, value: number, min: number): number {
    check(Number.isInteger(value) && value >= min, this, prop, value, `must be a whole number >= ${min}`, `set ${prop} to an integer >= ${min}`);
    return value;
  }

  private parallelism(props: GpuModelServiceProps): { tp: number; pp: number } {
    const pp = this.count('pipelineParallelSize', props.pipelineParallelSize ?? 1, 1);
    if (props.gpuCount !== undefined) this.count('gpuCount', props.gpuCount, 1);
    const tp = this.count('tensorParallelSize', props.tensorParallelSize ?? Math.max(1, Math.floor((props.gpuCount ?? 1) / pp)), 1);
    const acc = props.accelerator;
    if (props.gpuCount !== undefined) {
      check(props.gpuCount % tp === 0, this, 'tensorParallelSize', tp, `does not divide gpuCount ${props.gpuCount}`,
        `use a tensorParallelSize that divides ${props.gpuCount}, e.g. tensorParallelSize: ${props.gpuCount}`);
      check(tp * pp === props.gpuCount, this, 'tensorParallelSize', tp,
        `tensorParallelSize x pipelineParallelSize = ${tp * pp} must equal gpuCount ${props.gpuCount}, or GPUs sit idle`,
        `set tensorParallelSize: ${props.gpuCount / pp} or pipelineParallelSize: ${props.gpuCount / tp}`);
    }
    check(tp <= acc.maxGpusPerNode, this, 'tensorParallelSize', tp,
      `must fit in one node, and a ${acc.name} node has at most ${acc.maxGpusPerNode} GPUs`,
      `use tensorParallelSize <= ${acc.maxGpusPerNode} and split the rest with pipelineParallelSize across nodes`);
    check(acc.nvlink || tp === 1 || props.allowPcieTensorParallel === true, this, 'tensorParallelSize', tp,
      `${acc.name} has no NVLink, so tensor parallelism would all-reduce over PCIe on every layer`,
      `prefer pipelineParallelSize: ${tp} with tensorParallelSize: 1 (only activations cross PCIe between stages), or set allowPcieTensorParallel: true`);
    if (props.migProfile) {
      check(acc.migProfiles.includes(props.migProfile.profile), this, 'migProfile', props.migProfile.profile,
        `is not a MIG profile of ${acc.name}`, acc.migProfiles.length ? `use one of ${acc.migProfiles.join(', ')}` : `${acc.name} has no MIG: drop migProfile`);
      check(tp * pp === 1, this, 'tensorParallelSize', tp * pp, 'a MIG instance is one GPU slice and cannot run a model split across GPUs',
        'drop migProfile to use whole GPUs, or set tensorParallelSize and pipelineParallelSize to 1');
    }
    return { tp, pp };
  }

  private checkFit(props: GpuModelServiceProps, gpus: number, util: number, nodes: number): void {
    if (!props.footprint) return;
    const perGpu = (props.migProfile?.memory ?? props.accelerator.memory).toMebibytes() * 2 ** 20;
    const available = gpus * perGpu * util;
    const needed = requiredBytes(props.footprint);
    const device = props.migProfile ? `${props.accelerator.name} MIG ${props.migProfile.profile}` : props.accelerator.name;
    check(needed <= available, this, 'footprint', `${props.footprint.parametersBillions}B parameters`,
      `needs ${gib(needed)} (weights ${gib(weightBytes(props.footprint))}${props.footprint.kvCacheBudget ? ' + KV cache' : ''}) but ${gpus} x ${device}${nodes > 1 ? ` (${nodes} nodes x ${gpus / nodes})` : ''} x ${util} utilization = ${gib(available)}`,
      `use more GPUs (tensorParallelSize: ${Math.min(props.accelerator.maxGpusPerNode, nextPowerOfTwo(Math.ceil(needed / (perGpu * util))))}), a larger GPU, or a smaller precision`);
  }

  private probeTimings(p: ProbeTimings) {
    const startupTimeout = p.startupTimeout ?? Duration.minutes(30);
    const t = {
      startupTimeout,
      startup: wholeSeconds(this, 'probes.startupTimeout', startupTimeout, 60),
      readiness: wholeSeconds(this, 'probes.readinessPeriod', p.readinessPeriod ?? Duration.seconds(5), 1),
      liveness: wholeSeconds(this, 'probes.livenessPeriod', p.livenessPeriod ?? Duration.seconds(15), 1),
      timeout: wholeSeconds(this, 'probes.timeout', p.timeout ?? Duration.seconds(3), 1),
      livenessFailures: this.count('probes.livenessFailureThreshold', p.livenessFailureThreshold ?? 4, 1),
    };
    const shortest = Math.min(t.readiness, t.liveness);
    check(t.timeout < shortest, this, 'probes.timeout', `${t.timeout}s`, `must be shorter than every probe period (shortest ${shortest}s), or probes overlap`,
      `lower the timeout below ${shortest}s or lengthen the periods`);
    return t;
  }

  /** The shutdown wait: built-in runtime images have `sleep`; a custom image must say. */
  private preStopHandler(props: GpuModelServiceProps): PreStopHandler {
    const handler = props.drain?.preStopHandler ?? (props.runtime._imageHasSleep ? PreStopHandler.execSleep() : undefined);
    if (handler) return handler;
    throw propError(this, 'drain.preStopHandler', handler,
      'a custom runtime\'s image may have no `sleep` (distroless), and a preStop hook that cannot run sends SIGTERM at once, while requests are still routed to the pod',
      'set drain.preStopHandler: PreStopHandler.execSleep() if the image has sleep, PreStopHandler.sleepAction() on Kubernetes 1.30+, or drain.preStopDelay: Duration.seconds(0)');
  }

  /**
   * `ephemeral-storage` of the server (and the downloader): scratch space plus a disk-backed model cache. The kubelet
   * evicts a pod whose emptyDirs, logs and writable layers exceed the sum of its containers' limits, so a cache of
   * unknown size gets no limit rather than one it would break.
   */
  private ephemeralStorage(props: GpuModelServiceProps, modelVolume: k8s.Volume): { requests: Quantities; limits: Quantities } {
    const scratch = scratchMebibytes(this, 'ephemeralStorage', props.ephemeralStorage);
    const cache = modelVolume.emptyDir;
    const cacheBytes = cache ? (cache.sizeLimit ? quantityBytes(cache.sizeLimit) : undefined) : 0;
    const total = { 'ephemeral-storage': sizeQuantity(Size.mebibytes(scratch + Math.ceil((cacheBytes ?? 0) / 2 ** 20))) };
    return { requests: total, limits: cacheBytes === undefined ? {} : total };
  }

  private renderPodTemplate(props: GpuModelServiceProps, runtime: RuntimeConfig, source: ReturnType<ModelSource['bind']>,
    probes: ReturnType<GpuModelService['probeTimings']>, preStop: number, serviceAccountName: string, gpus: number): k8s.PodTemplateSpec {
    const shm = props.sharedMemorySize ?? Size.gibibytes(gpus > 1 ? 2 * gpus : 1);
    const onMig = props.migProfile !== undefined;
    const cpu = props.cpu ?? (onMig ? 2 : 4 * gpus);
    check(cpu > 0, this, 'cpu', cpu, 'must be positive', 'set cpu to the cores one replica needs, e.g. 8');
    const memoryMib = (props.memory ?? Size.gibibytes(onMig ? 8 : 16 * gpus)).toMebibytes() + shm.toMebibytes();
    const gpuQuantity = k8s.Quantity.fromNumber(gpus);
    const serverResources = {
      cpu: k8s.Quantity.fromString(String(cpu)),
      memory: sizeQuantity(Size.mebibytes(memoryMib)),
      [this.gpuResourceName]: gpuQuantity,
    };

    // Hugging Face sources download with the runtime's own huggingface_hub unless told otherwise.
    const downloaderImage = source.downloader && (source.downloader.image ?? (runtime.bundlesHuggingFaceHub ? runtime.image : undefined));
    if (source.downloader) {
      check(downloaderImage !== undefined, this, 'model.downloaderImage', downloaderImage, `the ${this.runtimeKind} image has no huggingface_hub to download the model with`,
        'set downloaderImage on the source to a pinned image with huggingface_hub installed');
      checkImagePinned(this, 'model.downloaderImage', downloaderImage);
    }
    const downloader: k8s.Container | undefined = source.downloader && {
      ...source.downloader,
      image: downloaderImage,
      imagePullPolicy: downloaderImage && pullPolicy(downloaderImage),
      resources: {
        requests: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('2Gi') },
        limits: { cpu: k8s.Quantity.fromString('2'), memory: k8s.Quantity.fromString('4Gi') },
      },
    };
    const cache = props.modelCache ?? ModelCache.emptyDir();
    const shared = downloader && !source.volume ? cache._share(this, {
      serviceName: this.name,
      metadata: (n, a) => this.metadata(n, a),
      lineage: this.lineage,
      serviceAccountName,
      downloader,
      mountPath: MODEL_MOUNT,
      weightBytes: props.footprint && weightBytes(props.footprint),
    }) : undefined;
    const expectedSize = props.footprint ? Size.gibibytes(Math.ceil(weightBytes(props.footprint) * 1.2 / 2 ** 30)) : undefined;
    const modelVolume = source.volume ?? shared?.volume ?? cache.volume(expectedSize);
    const writable = runtime.writablePaths.map((path, i) => ({ name: `writable-${i}`, path }));
    const disk = this.ephemeralStorage(props, modelVolume);

    const userEnv = plainEnv(this, 'env', { ...props.runtime.extraEnv, ...props.env });
    const nccl: Record<string, string> = gpus > 1
      ? { NCCL_DEBUG: 'WARN', ...(props.accelerator.nvlink ? { NCCL_P2P_LEVEL: 'NVL' } : {}) }
      : {};
    const env = [
      ...Object.entries({ ...runtime.env, ...nccl }).map(([name, value]) => ({ name, value })),
      ...userEnv,
      ...Object.entries(props.secretEnv ?? {}).map(([name, ref]) => secretEnv(name, ref)),
    ];

    const probe = (path: string, periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http') }, periodSeconds, timeoutSeconds: probes.timeout, failureThreshold,
    });
    const server: k8s.Container = {
      name: SERVER,
      image: runtime.image,
      command: runtime.command,
      args: runtime.args,
      env,
      imagePullPolicy: pullPolicy(runtime.image),
      ports: containerPorts(runtime),
      resources: { requests: { ...serverResources, ...disk.requests }, limits: { ...serverResources, ...disk.limits } },
      volumeMounts: [
        { name: modelVolume.name, mountPath: MODEL_MOUNT, subPath: shared?.subPath, readOnly: true },
        { name: 'dshm', mountPath: '/dev/shm' },
        ...writable.map(w => ({ name: w.name, mountPath: w.path })),
      ],
      startupProbe: probe(runtime.livenessPath, 10, Math.ceil(probes.startup / 10)),
      readinessProbe: probe(runtime.readinessPath, probes.readiness, 3),
      livenessProbe: probe(runtime.livenessPath, probes.liveness, probes.livenessFailures),
      lifecycle: preStop > 0 ? { preStop: this.preStopHandler(props)._render(preStop) } : undefined,
      securityContext: restrictedContainer(),
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };

    const initContainers: k8s.Container[] = [];
    if (shared) {
      // The fill Job downloads: the pod only waits until its version is complete.
      initContainers.push(shared.waitContainer);
    } else if (downloader) {
      initContainers.push({
        ...downloader,
        // The download fills the cache the server's ephemeral storage accounts for: the same request and limit.
        resources: {
          requests: { ...downloader.resources!.requests, ...disk.requests },
          limits: { ...downloader.resources!.limits, ...disk.limits },
        },
        volumeMounts: [{ name: modelVolume.name, mountPath: MODEL_MOUNT }, { name: 'fetch-tmp', mountPath: '/tmp' }],
        securityContext: restrictedContainer(),
        terminationMessagePolicy: 'FallbackToLogsOnError',
      });
    }

    const nodeTerms: k8s.NodeSelectorRequirement[] = [
      { key: 'nvidia.com/gpu.product', operator: 'In', values: [props.accelerator.gfdProduct] },
      // A replica must land on a node with enough GPUs of the product, all NVLinked together.
      ...(gpus > 1 ? [{ key: 'nvidia.com/gpu.count', operator: 'Gt', values: [String(gpus - 1)] }] : []),
      ...(onMig ? [{ key: 'nvidia.com/mig.strategy', operator: 'In', values: ['mixed'] }] : []),
      ...Object.entries(props.nodeSelector ?? {}).map(([key, value]) => ({ key, operator: 'In', values: [value] })),
    ];
    const nodeSelectorTerms = props.driverAwareScheduling === false
      ? [{ matchExpressions: nodeTerms }]
      : driverSelectorTerms(this, nodeTerms, {
        cudaVersion: props.runtime.cudaVersion,
        imageProp: 'runtime.image',
        image: runtime.image,
        accelerator: props.accelerator,
        forwardCompatibility: props.cudaForwardCompatibility ?? false,
      });
    check(props.driverAwareScheduling !== false || !props.cudaForwardCompatibility, this, 'cudaForwardCompatibility', true,
      'only changes driver-aware scheduling, which is off', 'drop cudaForwardCompatibility, or driverAwareScheduling: false');
    const spreadTerm = { labelSelector: { matchLabels: this.selectorLabels }, topologyKey: 'kubernetes.io/hostname' };

    return {
      metadata: {
        labels: this.labels,
        annotations: { ...this.annotations, 'kubectl.kubernetes.io/default-container': SERVER, ...shared ? { [FILL_JOB_ANNOTATION]: shared.fillJobName } : {} },
      },
      spec: {
        serviceAccountName,
        automountServiceAccountToken: false,
        // Service links inject env like VLLM_PORT=tcp://..., which vLLM reads as its own config.
        enableServiceLinks: false,
        priorityClassName: props.priorityClassName,
        terminationGracePeriodSeconds: this.terminationGracePeriod.toSeconds(),
        securityContext: restrictedPod(),
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } },
          podAntiAffinity: props.requireNodeSpread
            ? { requiredDuringSchedulingIgnoredDuringExecution: [spreadTerm] }
            : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: spreadTerm }] },
        },
        topologySpreadConstraints: props.zoneSpread
          ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: this.selectorLabels } }]
          : undefined,
        tolerations: [
          { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
          ...(props.tolerations ?? []),
        ],
        initContainers: initContainers.length ? initContainers : undefined,
        containers: [server],
        volumes: [
          modelVolume,
          { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: sizeQuantity(shm) } },
          ...writable.map(w => ({ name: w.name, emptyDir: {} })),
          ...(initContainers.length && !shared ? [{ name: 'fetch-tmp', emptyDir: {} }] : []),
        ],
      },
    };
  }
}

type Quantities = Record<string, k8s.Quantity>;

function containerPorts(runtime: RuntimeConfig): k8s.ContainerPort[] {
  return [
    { name: 'http', containerPort: runtime.port, protocol: 'TCP' },
    ...Object.entries(runtime.extraPorts ?? {}).map(([name, port]) => ({ name, containerPort: port, protocol: 'TCP' })),
  ];
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

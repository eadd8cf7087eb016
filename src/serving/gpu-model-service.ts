import { Chart, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';
import { GpuModelServiceProps, ProbeTimings } from './gpu-model-service-props';
import { ModelLineage } from './lineage';
import { lineageAnnotations, standardLabels } from './lineage-labels';
import { FILL_JOB_ANNOTATION } from './model-cache-fill';
import { RuntimeKind } from './model-runtime';
import { ModelScrape } from './model-scrape';
import { IModelService, IWorkloadOwner, WorkloadReference } from './model-service';
import { groupUpdateOf, isMultiNode, LwsLabels, MultiNodePlan, multiNodePodTemplate, planMultiNode, renderLeaderWorkerSet } from './multi-node';
import { renderNetworkPolicy } from './network-policy';
import { PreStopHandler } from './pre-stop-handler';
import { withProvenance } from './provenance';
import { containerPorts, MODEL_MOUNT, renderServerPodTemplate } from './server-pod-template';
import { checkServiceProps } from './service-inputs';
import { Accelerator } from '../gpu/accelerator';
import { MigProfile } from '../gpu/mig-profile';
import { gib, requiredBytes, weightBytes } from '../gpu/model-footprint';
import { wholeSeconds } from '../internal/duration';
import { bindInputs, check, propError } from '../internal/errors';
import { LabelKeys, selectorLabels } from '../internal/labels';
import { dnsLabel, isDnsLabel } from '../internal/names';
import { checkImagePinned } from '../internal/security';
import { MetricCatalog } from '../metrics/runtime-metrics';

/** Longest service name: leaves room for `-canary`, `-preview` and similar suffixes within 63 characters. */
const MAX_NAME = 50;

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
  /** The service's own workload controller, until a rollout takes the pods over. */
  private readonly ownWorkload: WorkloadReference;
  private owner?: IWorkloadOwner;
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

    const podTemplate = renderServerPodTemplate(this, {
      service: this,
      props,
      runtime,
      source,
      probes,
      serviceAccountName: sa.name,
      gpus: tp * pp / this.nodesPerReplica,
      preStop: { seconds: preStop, handler: () => this.preStopHandler(props) },
    });
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

    this.ownWorkload = multiNode
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

  /** The Rollout that took the pods over, else the service's own Deployment or LeaderWorkerSet. */
  public get workload(): WorkloadReference {
    return this.owner?.workload ?? this.ownWorkload;
  }

  public get workloadOwner(): IConstruct | undefined {
    return this.owner ?? (this.nodesPerReplica > 1 ? groupUpdateOf(this) : undefined);
  }

  /** @internal */
  public _adoptOwner(owner: IWorkloadOwner): void {
    check(this.nodesPerReplica === 1, this, 'workload', `${owner.node.path}`,
      'is a LeaderWorkerSet (a multi-node replica), which Argo Rollouts cannot manage (it runs ReplicaSet-shaped workloads only)',
      'update the groups with a StagedGroupUpdate instead of a rollout');
    if (this.owner) {
      throw propError(this, 'workload', this.owner.node.path, `is already managed by ${this.owner.node.path}`,
        'give each GpuModelService at most one rollout; create a second service for a second rollout');
    }
    check(!this.rollingUpdateSet, owner, 'service', this.node.path, 'sets maxSurge or maxUnavailable, which the rollout ignores: it replaces the Deployment',
      'set maxSurge and maxUnavailable on the CanaryRollout instead, and drop them from the GpuModelService');
    // The Rollout is rendered with the service's metadata: without a namespace of its own the service's objects take
    // their chart's, and a rollout in a chart of another namespace would run pods that its Service never selects.
    const namespaceOf = (c: IConstruct) => this.namespace ?? Chart.of(c).namespace;
    check(namespaceOf(owner) === namespaceOf(this), owner, 'service', this.node.path,
      `is in the namespace ${JSON.stringify(namespaceOf(this))} of its chart, and the rollout's chart has ${JSON.stringify(namespaceOf(owner))}`,
      'create the rollout in the service\'s chart, or set the service\'s namespace');
    // Two controllers must never fight over the same pods: the rollout replaces the Deployment.
    this.node.tryRemoveChild('Deployment');
    this.owner = owner;
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
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

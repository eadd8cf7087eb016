import { Duration, Size } from 'cdk8s';
import { Provenance } from './lineage';
import { ModelCache } from './model-cache';
import { ModelRuntime } from './model-runtime';
import { ModelScrapeOptions } from './model-scrape';
import { ModelSource } from './model-source';
import { MultiNodeOptions } from './multi-node';
import { NetworkPolicyOptions } from './network-policy';
import { PreStopHandler } from './pre-stop-handler';
import { SecretKeyRef } from './secret-ref';
import { Toleration } from './toleration';
import { Accelerator } from '../gpu/accelerator';
import { MigProfile } from '../gpu/mig-profile';
import { ModelFootprint } from '../gpu/model-footprint';

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
   * Extra tolerations, on top of `nvidia.com/gpu:NoSchedule`, e.g. `Toleration.exists('dedicated', { effect: TaintEffect.NO_SCHEDULE })`.
   * @default - none
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
   */
  readonly tolerations?: Toleration[];
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

import { Duration, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';
import { secretEnv, plainEnv } from './env';
import type { GpuModelServiceProps } from './gpu-model-service-props';
import { ModelLineage } from './lineage';
import { ModelCache } from './model-cache';
import { FILL_JOB_ANNOTATION } from './model-cache-fill';
import { RuntimeConfig, RuntimeKind } from './model-runtime';
import { ModelSource } from './model-source';
import { PreStopHandler } from './pre-stop-handler';
import { driverSelectorTerms } from '../gpu/cuda-compatibility';
import { weightBytes } from '../gpu/model-footprint';
import { check } from '../internal/errors';
import { quantityBytes, scratchMebibytes, sizeQuantity } from '../internal/quantity';
import { checkImagePinned, pullPolicy, restrictedContainer, restrictedPod } from '../internal/security';

/** Where the model's files are mounted in the server (and downloader) containers. */
export const MODEL_MOUNT = '/models';
const SERVER = 'server';

/** What the pod template needs of the service it belongs to, resolved by the service. */
export interface ServerPodIdentity {
  readonly name: string;
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
  readonly selectorLabels: { [key: string]: string };
  readonly lineage: ModelLineage;
  readonly runtimeKind: RuntimeKind;
  /** The extended resource one replica requests its GPUs (or MIG instances) of. */
  readonly gpuResourceName: string;
  readonly terminationGracePeriod: Duration;
  metadata(name: string, annotations?: { [key: string]: string }): k8s.ObjectMeta;
}

/** Probe settings in whole seconds, checked by the service. */
export interface ServerProbeSeconds {
  readonly startup: number;
  readonly readiness: number;
  readonly liveness: number;
  readonly timeout: number;
  readonly livenessFailures: number;
}

/** Everything the model server's pod template is rendered from. */
export interface ServerPodInput {
  readonly service: ServerPodIdentity;
  readonly props: GpuModelServiceProps;
  readonly runtime: RuntimeConfig;
  readonly source: ReturnType<ModelSource['bind']>;
  readonly probes: ServerProbeSeconds;
  /** The drain delay, and how the server waits it out (asked only when the delay is not 0). */
  readonly preStop: { readonly seconds: number; handler(): PreStopHandler };
  readonly serviceAccountName: string;
  /** GPUs of one pod (one node of a multi-node replica). */
  readonly gpus: number;
}

/**
 * Renders the model server's pod: resources with the Guaranteed QoS class, the model download (or the wait for a
 * shared cache), probes, graceful drain, GPU node affinity and spread, Pod Security "restricted". Input errors are
 * reported on `scope` (the service), which also holds a shared cache's claim and fill Job.
 */
export function renderServerPodTemplate(scope: Construct, input: ServerPodInput): k8s.PodTemplateSpec {
  const { props, runtime, source, probes, preStop, serviceAccountName, gpus, service } = input;
  const shm = props.sharedMemorySize ?? Size.gibibytes(gpus > 1 ? 2 * gpus : 1);
  const onMig = props.migProfile !== undefined;
  const cpu = props.cpu ?? (onMig ? 2 : 4 * gpus);
  check(cpu > 0, scope, 'cpu', cpu, 'must be positive', 'set cpu to the cores one replica needs, e.g. 8');
  const memoryMib = (props.memory ?? Size.gibibytes(onMig ? 8 : 16 * gpus)).toMebibytes() + shm.toMebibytes();
  const gpuQuantity = k8s.Quantity.fromNumber(gpus);
  const serverResources = {
    cpu: k8s.Quantity.fromString(String(cpu)),
    memory: sizeQuantity(Size.mebibytes(memoryMib)),
    [service.gpuResourceName]: gpuQuantity,
  };

  // Hugging Face sources download with the runtime's own huggingface_hub unless told otherwise.
  const downloaderImage = source.downloader && (source.downloader.image ?? (runtime.bundlesHuggingFaceHub ? runtime.image : undefined));
  if (source.downloader) {
    check(downloaderImage !== undefined, scope, 'model.downloaderImage', downloaderImage, `the ${service.runtimeKind} image has no huggingface_hub to download the model with`,
      'set downloaderImage on the source to a pinned image with huggingface_hub installed');
    checkImagePinned(scope, 'model.downloaderImage', downloaderImage);
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
  const shared = downloader && !source.volume ? cache._share(scope, {
    serviceName: service.name,
    metadata: (n, a) => service.metadata(n, a),
    lineage: service.lineage,
    serviceAccountName,
    downloader,
    mountPath: MODEL_MOUNT,
    weightBytes: props.footprint && weightBytes(props.footprint),
  }) : undefined;
  const expectedSize = props.footprint ? Size.gibibytes(Math.ceil(weightBytes(props.footprint) * 1.2 / 2 ** 30)) : undefined;
  const modelVolume = source.volume ?? shared?.volume ?? cache.volume(expectedSize);
  const writable = runtime.writablePaths.map((path, i) => ({ name: `writable-${i}`, path }));
  const disk = ephemeralStorage(scope, props, modelVolume);

  const userEnv = plainEnv(scope, 'env', { ...props.runtime.extraEnv, ...props.env });
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
    lifecycle: preStop.seconds > 0 ? { preStop: preStop.handler()._render(preStop.seconds) } : undefined,
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
    : driverSelectorTerms(scope, nodeTerms, {
      cudaVersion: props.runtime.cudaVersion,
      imageProp: 'runtime.image',
      image: runtime.image,
      accelerator: props.accelerator,
      forwardCompatibility: props.cudaForwardCompatibility ?? false,
    });
  check(props.driverAwareScheduling !== false || !props.cudaForwardCompatibility, scope, 'cudaForwardCompatibility', true,
    'only changes driver-aware scheduling, which is off', 'drop cudaForwardCompatibility, or driverAwareScheduling: false');
  const spreadTerm = { labelSelector: { matchLabels: service.selectorLabels }, topologyKey: 'kubernetes.io/hostname' };

  return {
    metadata: {
      labels: service.labels,
      annotations: { ...service.annotations, 'kubectl.kubernetes.io/default-container': SERVER, ...shared ? { [FILL_JOB_ANNOTATION]: shared.fillJobName } : {} },
    },
    spec: {
      serviceAccountName,
      automountServiceAccountToken: false,
      // Service links inject env like VLLM_PORT=tcp://..., which vLLM reads as its own config.
      enableServiceLinks: false,
      priorityClassName: props.priorityClassName,
      terminationGracePeriodSeconds: service.terminationGracePeriod.toSeconds(),
      securityContext: restrictedPod(),
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } },
        podAntiAffinity: props.requireNodeSpread
          ? { requiredDuringSchedulingIgnoredDuringExecution: [spreadTerm] }
          : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: spreadTerm }] },
      },
      topologySpreadConstraints: props.zoneSpread
        ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: service.selectorLabels } }]
        : undefined,
      tolerations: [
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
        ...(props.tolerations ?? []).map(t => t._render()),
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

function ephemeralStorage(scope: IConstruct, props: GpuModelServiceProps, modelVolume: k8s.Volume): { requests: Quantities; limits: Quantities } {
  const scratch = scratchMebibytes(scope, 'ephemeralStorage', props.ephemeralStorage);
  const cache = modelVolume.emptyDir;
  const cacheBytes = cache ? (cache.sizeLimit ? quantityBytes(cache.sizeLimit) : undefined) : 0;
  const total = { 'ephemeral-storage': sizeQuantity(Size.mebibytes(scratch + Math.ceil((cacheBytes ?? 0) / 2 ** 20))) };
  return { requests: total, limits: cacheBytes === undefined ? {} : total };
}

type Quantities = Record<string, k8s.Quantity>;

/** The server container's ports: `http` first. */
export function containerPorts(runtime: RuntimeConfig): k8s.ContainerPort[] {
  return [
    { name: 'http', containerPort: runtime.port, protocol: 'TCP' },
    ...Object.entries(runtime.extraPorts ?? {}).map(([name, port]) => ({ name, containerPort: port, protocol: 'TCP' })),
  ];
}

import { containers, Finding, KubeObject, PodTemplate } from './manifest';

/** Options of the GPU pod rules. */
export interface GpuRuleOptions {
  /** Shortest time a GPU container may take to start before its liveness probe may kill it. */
  readonly minStartupSeconds: number;
  /** Whether images must be pinned by digest; otherwise an explicit tag other than `latest` is enough. */
  readonly requireDigests: boolean;
}

const GPU_RESOURCE = /^nvidia\.com\/(gpu|mig-.+)$/;
const PRODUCT_LABEL = 'nvidia.com/gpu.product';
const TP_FLAG = /--(?:tensor-parallel-size|tp|tp-size)(?:=|\s+)(\d+)/;

/** The GPUs a container asks for (limits win over requests, as the device plugin needs them equal). */
function gpus(container: KubeObject): number {
  let total = 0;
  for (const source of [container.resources?.limits, container.resources?.requests]) {
    for (const [name, value] of Object.entries(source ?? {})) {
      if (GPU_RESOURCE.test(name)) total = Math.max(total, Number(value) || 1);
    }
    if (total > 0) return total;
  }
  return total;
}

/** Tensor parallelism from the command line, else the GPU count (one process spanning them). */
function tensorParallelism(container: KubeObject): number {
  const flags = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
  const tp = flags.match(TP_FLAG);
  return tp ? Number(tp[1]) : gpus(container);
}

function tolerates(pod: KubeObject): boolean {
  return (pod.tolerations ?? []).some((t: KubeObject) =>
    (t.operator === 'Exists' && !t.key)
    || (t.key === 'nvidia.com/gpu' && (!t.effect || t.effect === 'NoSchedule')));
}

function selectsProduct(pod: KubeObject): boolean {
  if (pod.nodeSelector?.[PRODUCT_LABEL]) return true;
  const terms: KubeObject[] = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  // Terms are ORed: every one of them must pin the product.
  return terms.length > 0 && terms.every(term => (term.matchExpressions ?? []).some((e: KubeObject) => e.key === PRODUCT_LABEL && e.operator === 'In'));
}

function probeBudgetSeconds(probe: KubeObject): number {
  return (probe.initialDelaySeconds ?? 0) + (probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10);
}

/** Whether an image reference is pinned: a digest, or (unless digests are required) a tag other than `latest`. */
export function imagePinned(image: string | undefined, requireDigests: boolean): boolean {
  const ref = image ?? '';
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return true;
  if (requireDigests) return false;
  const last = ref.split('/').pop() ?? '';
  return last.includes(':') && last.split(':').pop() !== 'latest';
}

/**
 * Rules for pods that request NVIDIA GPUs: scheduling (taint toleration, product), shared memory for
 * tensor parallelism, probes that survive model loading, pinned images.
 */
export function gpuRules(pods: readonly PodTemplate[], options: GpuRuleOptions): Finding[] {
  const findings: Finding[] = [];
  for (const pod of pods) {
    const gpuContainers = containers(pod, ['initContainers', 'containers']).filter(c => gpus(c.container) > 0);
    if (gpuContainers.length === 0) continue;
    const add = (rule: string, field: string, problem: string, fix: string) => findings.push({ rule, object: pod.resource, field, problem, fix });
    if (!tolerates(pod.spec)) {
      add('gpu-taint-toleration', `${pod.specPath}.tolerations`, 'GPU pod does not tolerate the nvidia.com/gpu:NoSchedule taint, so it stays Pending on tainted GPU nodes (GKE taints them)',
        'add a toleration { key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }');
    }
    if (!selectsProduct(pod.spec)) {
      add('gpu-product-selection', `${pod.specPath}.nodeSelector`, 'GPU pod does not select a GPU product, so it may land on any GPU model (too little memory, no NVLink)',
        `set nodeSelector ${PRODUCT_LABEL}: <product> (GPU Feature Discovery label), or a required node affinity on it`);
    }
    for (const { container, path } of gpuContainers) {
      const tp = tensorParallelism(container);
      const mounts: KubeObject[] = container.volumeMounts ?? [];
      const shm = mounts.find(m => m.mountPath === '/dev/shm');
      const shmVolume = (pod.spec.volumes ?? []).find((v: KubeObject) => v.name === shm?.name);
      if (tp > 1 && shmVolume?.emptyDir?.medium !== 'Memory') {
        add('gpu-shared-memory', `${path}.volumeMounts`, `container ${container.name} runs tensor parallelism ${tp} but /dev/shm is ${shm ? 'not memory-backed' : "the runtime's 64 MiB default"}; NCCL fails or falls back to slow paths`,
          'mount an emptyDir { medium: Memory, sizeLimit: e.g. 16Gi } at /dev/shm');
      }
      if (!container.readinessProbe) {
        add('gpu-probes', `${path}.readinessProbe`, `container ${container.name} has no readiness probe, so it gets traffic while the model is still loading`,
          "add a readinessProbe on the server's health endpoint");
      }
      const liveness = container.livenessProbe;
      const startup = container.startupProbe;
      const budget = startup ? probeBudgetSeconds(startup) : liveness ? probeBudgetSeconds(liveness) : Infinity;
      if (budget < options.minStartupSeconds) {
        const field = startup ? `${path}.startupProbe` : `${path}.livenessProbe`;
        add('gpu-startup-budget', field, `container ${container.name} may be killed after ${budget}s of startup (initialDelaySeconds + failureThreshold x periodSeconds), less than the ${options.minStartupSeconds}s a model load may take`,
          `add a startupProbe with failureThreshold x periodSeconds >= ${options.minStartupSeconds}s (e.g. periodSeconds: 10, failureThreshold: ${Math.ceil(options.minStartupSeconds / 10)})`);
      }
    }
    for (const { container, path } of containers(pod)) {
      if (!imagePinned(container.image, options.requireDigests)) {
        add('gpu-pinned-images', `${path}.image`, `container ${container.name} image ${JSON.stringify(container.image ?? '')} is not pinned${options.requireDigests ? ' by digest' : ''}: replicas can run different builds`,
          options.requireDigests ? 'use image@sha256:<digest>' : 'use image@sha256:<digest> or an explicit version tag (not latest)');
      }
    }
  }
  return findings;
}

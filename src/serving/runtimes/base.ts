import { CudaVersion } from '../../gpu/cuda-version';
import { check } from '../../internal/errors';
import { int, INT32_MAX } from '../../internal/validate';
import { MetricCatalog, RuntimeVersion } from '../../metrics/runtime-metrics';

/**
 * The serving frameworks the library knows. The value is the service's `mlops.cdk8s.io/runtime` annotation;
 * nothing outside a runtime's own file decides anything by it (capabilities and metrics come from the runtime).
 */
export enum RuntimeKind {
  /** vLLM's OpenAI-compatible server. */
  VLLM = 'vllm',
  /** NVIDIA Triton Inference Server. */
  TRITON = 'triton',
  /** Hugging Face Text Generation Inference. */
  TGI = 'tgi',
  /** SGLang's OpenAI-compatible server. */
  SGLANG = 'sglang',
  /** Any other server container. */
  CUSTOM = 'custom',
}

/**
 * What the service tells the runtime when binding it.
 */
export interface RuntimeBindOptions {
  /** Where the model files are inside the server container. */
  readonly modelPath: string;
  /** The name clients use in requests (and the `model_name` label of vLLM and SGLang metrics). */
  readonly servedModelName: string;
  /** GPUs one model shard is split across, inside one node. */
  readonly tensorParallelSize: number;
  /** Pipeline stages. */
  readonly pipelineParallelSize: number;
}

/**
 * The container a runtime contributes to the pod template.
 */
export interface RuntimeConfig {
  /** The server image. */
  readonly image: string;
  /** The entrypoint. @default - the image's entrypoint */
  readonly command?: string[];
  /** Arguments. */
  readonly args: string[];
  /** Environment, including the cache locations redirected to writable volumes. */
  readonly env: { [name: string]: string };
  /** The port the server answers inference requests on. */
  readonly port: number;
  /** Extra named ports (gRPC, a separate metrics port). @default - none */
  readonly extraPorts?: { [name: string]: number };
  /** HTTP path that answers 200 once the process is up (liveness, startup). */
  readonly livenessPath: string;
  /** HTTP path that answers 200 once the model can serve (readiness). */
  readonly readinessPath: string;
  /** Prometheus metrics path. */
  readonly metricsPath: string;
  /** Prometheus metrics port. */
  readonly metricsPort: number;
  /** Directories the server writes to; each gets an emptyDir so the root filesystem stays read-only. */
  readonly writablePaths: string[];
  /** The share of each GPU's memory the server may use (for the fit check). */
  readonly gpuMemoryUtilization: number;
  /** Whether the image has `huggingface_hub`, so it can download Hugging Face models itself. */
  readonly bundlesHuggingFaceHub: boolean;
}

/** Options common to the built-in runtimes. */
export interface RuntimeOptions {
  /**
   * The server image, pinned by digest or an explicit version tag (`latest` is rejected).
   * @default - a pinned upstream release (see each factory)
   */
  readonly image?: string;
  /**
   * The runtime release `image` runs, when its reference carries no version tag (a digest alone). Metric
   * names change between releases (vLLM 0.11 renamed its KV-cache gauge), so gates need it.
   * @default - read from the image tag, e.g. `v0.11.0` in `vllm/vllm-openai:v0.11.0@sha256:...`
   * @see https://docs.vllm.ai/en/latest/usage/metrics.html
   */
  readonly imageVersion?: string;
  /**
   * Extra arguments appended after the generated ones.
   * @default - none
   */
  readonly extraArgs?: string[];
  /**
   * Extra plain environment variables. Credentials are refused here: use the service's `secretEnv`.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * The CUDA version `image` was built with; the pods then run only on nodes whose driver supports it.
   * @default - the catalog's version for the default image; unknown for another image
   * @see https://docs.nvidia.com/deploy/cuda-compatibility/
   */
  readonly cudaVersion?: CudaVersion;
}

/** The cache root every built-in runtime's caches are redirected to (an emptyDir). */
export const CACHE_ROOT = '/var/cache/model-server';

/** The series a runtime exports, without the runtime's description. */
export type RuntimeSeries = Omit<MetricCatalog, 'runtime'>;

/** A runtime's default image and the CUDA version it was built on. */
export interface DefaultImage {
  readonly image: string;
  readonly cuda: CudaVersion;
}

/** The server container's entrypoint and arguments of one role in a LeaderWorkerSet group. */
export interface ContainerLaunch {
  /** The entrypoint. */
  readonly command: string[];
  /** Its arguments. */
  readonly args: string[];
}

/** How a runtime starts one replica across the nodes of a LeaderWorkerSet group. */
export interface MultiNodeLaunch {
  /** The leader: serves requests, health and metrics. */
  readonly leader: ContainerLaunch;
  /** The workers: no ports, no HTTP probes. */
  readonly worker: ContainerLaunch;
}

/**
 * Everything the library knows of one runtime, in that runtime's file: its flags, default image, metric catalog
 * and capabilities. `ModelRuntime`'s factories wrap one; nothing else decides by the runtime's kind.
 */
export interface RuntimeDefinition {
  readonly kind: RuntimeKind;
  /** The factory, for messages, e.g. `ModelRuntime.vllm`. */
  readonly where: string;
  readonly options: RuntimeOptions;
  readonly defaultImage?: DefaultImage;
  /** Why the server cannot split a model into pipeline stages; absent when it can. */
  readonly noPipelineParallelism?: string;
  /** Whether the image has `sleep`, so the default preStop hook (`sleep <delay>`) can run in it. */
  readonly imageHasSleep: boolean;
  /** Why the server cannot span nodes and what to do instead, when `multiNode` is absent. */
  readonly singleNodeReason?: string;
  /** The container settings; `image` only when there is no default image. */
  render(b: RuntimeBindOptions): Omit<RuntimeConfig, 'image'> & { image?: string };
  /** The series the image exports, by its release when known. */
  series(version?: RuntimeVersion): RuntimeSeries;
  /**
   * How one replica spans the `nodes` of a LeaderWorkerSet group, given the bound container; absent when the
   * server cannot span nodes.
   */
  multiNode?(config: RuntimeConfig, nodes: number): MultiNodeLaunch;
}

/** `[name, value]`, or nothing when the value is unset. */
export function flag(name: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [name, String(value)];
}

export function checkFraction(where: string, prop: string, value: number): void {
  check(typeof value === 'number' && value > 0 && value <= 1, undefined, `${where}.${prop}`, value, 'must be a fraction in (0, 1]',
    "e.g. 0.9 lets the server use 90% of each GPU's memory");
}

export function optionalInt(where: string, prop: string, value: number | undefined, fix: string): void {
  if (value !== undefined) int(undefined, `${where}.${prop}`, value, 1, INT32_MAX, fix);
}

/**
 * A `--quantization` method name. Only its form is checked: the accepted names change with every release of the
 * server, and plugins register their own at runtime (vLLM's `register_quantization_config`).
 */
export function checkQuantization(where: string, server: string, value: string | undefined, examples: string, flagHelp: string): void {
  if (value === undefined) return;
  check(/^[a-z][a-z0-9_-]*$/.test(value), undefined, `${where}.quantization`, value,
    `must be a ${server} quantization method name (lowercase, e.g. ${examples})`, `use a value of \`${flagHelp}\`, or leave it unset: ${server} reads it from the model config`);
}

/** The environment that keeps Hugging Face-based servers offline and their caches on writable volumes. */
export function huggingFaceEnv(extra: { [name: string]: string } = {}): { [name: string]: string } {
  return {
    HOME: `${CACHE_ROOT}/home`,
    HF_HOME: `${CACHE_ROOT}/huggingface`,
    // Weights are already local: never let the server fetch a different revision at runtime.
    HF_HUB_OFFLINE: '1',
    ...extra,
  };
}

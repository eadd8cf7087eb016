import { CudaVersion } from '../gpu/cuda-version';
import { check, deferFactoryChecks } from '../internal/errors';
import { absolutePath, envVarName, int, INT32_MAX, oneOf, port } from '../internal/validate';
import { atLeast, MetricCatalog, RuntimeVersion, runtimeVersion } from '../metrics/runtime-metrics';

/**
 * The serving frameworks the library knows.
 */
export enum RuntimeKind {
  /** vLLM's OpenAI-compatible server. */
  VLLM = 'vllm',
  /** NVIDIA Triton Inference Server. */
  TRITON = 'triton',
  /** Hugging Face Text Generation Inference. */
  TGI = 'tgi',
  /** Any other server container. */
  CUSTOM = 'custom',
}

/**
 * What the service tells the runtime when binding it.
 */
export interface RuntimeBindOptions {
  /** Where the model files are inside the server container. */
  readonly modelPath: string;
  /** The name clients use in requests (and the `model_name` label of vLLM metrics). */
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

/** vLLM engine options. */
export interface VllmOptions extends RuntimeOptions {
  /**
   * `--max-model-len`: the context length; lower it to leave more memory for the KV cache.
   * @default - the model's configured maximum
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html
   */
  readonly maxModelLen?: number;
  /**
   * `--gpu-memory-utilization`: the share of each GPU's memory vLLM may use (weights, activations, KV cache).
   * @default 0.9
   */
  readonly gpuMemoryUtilization?: number;
  /**
   * `--max-num-seqs`: the most sequences batched at once.
   * @default - vLLM's default
   */
  readonly maxNumSeqs?: number;
  /**
   * `--enable-prefix-caching`.
   * @default - vLLM's default
   */
  readonly enablePrefixCaching?: boolean;
  /**
   * `--quantization`, e.g. `fp8`, `awq`.
   * @default - none
   */
  readonly quantization?: string;
}

/** Text Generation Inference options. */
export interface TgiOptions extends RuntimeOptions {
  /**
   * `--max-input-tokens`.
   * @default - TGI's default
   * @see https://huggingface.co/docs/text-generation-inference/reference/launcher
   */
  readonly maxInputTokens?: number;
  /**
   * `--max-total-tokens`.
   * @default - TGI's default
   */
  readonly maxTotalTokens?: number;
  /**
   * `--cuda-memory-fraction`.
   * @default 1
   */
  readonly cudaMemoryFraction?: number;
}

/** Triton Inference Server options. */
export interface TritonOptions extends RuntimeOptions {
  /**
   * `--model-control-mode`.
   * @default 'none'
   * @see https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/model_management.html
   */
  readonly modelControlMode?: string;
}

/** A server container the library does not know. */
export interface CustomRuntimeOptions {
  /** The image, pinned by digest or an explicit version tag. */
  readonly image: string;
  /** The inference port. */
  readonly port: number;
  /** @default - the image's entrypoint */
  readonly command?: string[];
  /**
   * Arguments. The literal `{{modelPath}}` is replaced by the model directory.
   * @default - none
   */
  readonly args?: string[];
  /** Liveness path. */
  readonly livenessPath: string;
  /** @default - the liveness path */
  readonly readinessPath?: string;
  /** @default '/metrics' */
  readonly metricsPath?: string;
  /** @default - the inference port */
  readonly metricsPort?: number;
  /** @default - none */
  readonly env?: { [name: string]: string };
  /** @default ['/tmp'] */
  readonly writablePaths?: string[];
  /** @default 1 */
  readonly gpuMemoryUtilization?: number;
  /**
   * The CUDA version the image was built with; required while the service schedules by driver version.
   * @default - unknown
   * @see https://docs.nvidia.com/deploy/cuda-compatibility/
   */
  readonly cudaVersion?: CudaVersion;
}

/** The cache root every built-in runtime's caches are redirected to (an emptyDir). */
export const CACHE_ROOT = '/var/cache/model-server';

/**
 * A model server: its image, flags, ports, health endpoints and writable paths.
 */
export abstract class ModelRuntime {
  /**
   * vLLM's OpenAI-compatible server (`vllm serve`).
   * @default image 'vllm/vllm-openai:v0.11.0' (CUDA 12.8)
   * @see https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html
   */
  public static vllm(options: VllmOptions = {}): ModelRuntime {
    const where = 'ModelRuntime.vllm';
    const util = options.gpuMemoryUtilization ?? 0.9;
    checkFraction(where, 'gpuMemoryUtilization', util);
    optionalInt(where, 'maxModelLen', options.maxModelLen, 'e.g. maxModelLen: 8192 (tokens)');
    optionalInt(where, 'maxNumSeqs', options.maxNumSeqs, 'e.g. maxNumSeqs: 256');
    if (options.quantization !== undefined) {
      check(/^[a-z][a-z0-9_-]*$/.test(options.quantization), undefined, `${where}.quantization`, options.quantization,
        "must be a vLLM quantization method name (lowercase, e.g. 'awq', 'gptq', 'fp8')", 'use a value of `vllm serve --quantization`, or leave it unset: vLLM reads it from the model config');
    }
    // docker/Dockerfile: ARG CUDA_VERSION=12.8.1, the images require cuda>=12.8 since v0.9.0 (a 12.9 build would have the
    // same driver floor, 525).
    return checked(where, new BuiltInRuntime(RuntimeKind.VLLM, options, vllmMetrics, { image: 'vllm/vllm-openai:v0.11.0', cuda: CudaVersion.CUDA_12_8 }, b => {
      return {
        command: ['vllm', 'serve'],
        args: [
          b.modelPath,
          '--served-model-name', b.servedModelName,
          '--port', '8000',
          '--tensor-parallel-size', String(b.tensorParallelSize),
          '--pipeline-parallel-size', String(b.pipelineParallelSize),
          '--gpu-memory-utilization', String(util),
          ...flag('--max-model-len', options.maxModelLen),
          ...flag('--max-num-seqs', options.maxNumSeqs),
          ...flag('--quantization', options.quantization),
          ...(options.enablePrefixCaching === undefined ? [] : [options.enablePrefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching']),
        ],
        env: {
          HOME: `${CACHE_ROOT}/home`,
          HF_HOME: `${CACHE_ROOT}/huggingface`,
          // Weights are already local: never let the server fetch a different revision at runtime.
          HF_HUB_OFFLINE: '1',
          VLLM_CACHE_ROOT: `${CACHE_ROOT}/vllm`,
          VLLM_CONFIG_ROOT: `${CACHE_ROOT}/vllm-config`,
          XDG_CACHE_HOME: `${CACHE_ROOT}/xdg`,
          TRITON_CACHE_DIR: `${CACHE_ROOT}/triton`,
          VLLM_NO_USAGE_STATS: '1',
          DO_NOT_TRACK: '1',
        },
        port: 8000,
        livenessPath: '/health',
        readinessPath: '/health',
        metricsPath: '/metrics',
        metricsPort: 8000,
        writablePaths: ['/tmp', CACHE_ROOT],
        gpuMemoryUtilization: util,
        bundlesHuggingFaceHub: true,
      };
    }));
  }

  /**
   * Hugging Face Text Generation Inference (`text-generation-launcher`). Tensor parallelism is
   * `--num-shard`; TGI has no pipeline parallelism.
   * @default image 'ghcr.io/huggingface/text-generation-inference:3.3.4' (CUDA 12.8)
   * @see https://huggingface.co/docs/text-generation-inference/reference/launcher
   */
  public static tgi(options: TgiOptions = {}): ModelRuntime {
    const where = 'ModelRuntime.tgi';
    const fraction = options.cudaMemoryFraction ?? 1;
    checkFraction(where, 'cudaMemoryFraction', fraction);
    optionalInt(where, 'maxInputTokens', options.maxInputTokens, 'e.g. maxInputTokens: 4096');
    optionalInt(where, 'maxTotalTokens', options.maxTotalTokens, 'e.g. maxTotalTokens: 8192');
    if (options.maxInputTokens !== undefined && options.maxTotalTokens !== undefined) {
      // TGI refuses to start unless max_input_tokens < max_total_tokens.
      check(options.maxInputTokens < options.maxTotalTokens, undefined, `${where}.maxInputTokens`, options.maxInputTokens,
        `must be below maxTotalTokens (${options.maxTotalTokens}): the total counts the input plus at least one generated token`, `e.g. maxInputTokens: ${options.maxTotalTokens - 1}`);
    }
    // v3.3.4 Dockerfile: base nvidia/cuda:12.4.0, server on PyTorch 2.7 from the cu128 index (server/pyproject.toml).
    return checked(where, new BuiltInRuntime(RuntimeKind.TGI, options, () => TGI_METRICS,
      { image: 'ghcr.io/huggingface/text-generation-inference:3.3.4', cuda: CudaVersion.CUDA_12_8 }, b => {
        return {
          command: ['text-generation-launcher'],
          args: [
            '--model-id', b.modelPath,
            '--hostname', '0.0.0.0',
            '--port', '8080',
            '--num-shard', String(b.tensorParallelSize),
            '--cuda-memory-fraction', String(fraction),
            ...flag('--max-input-tokens', options.maxInputTokens),
            ...flag('--max-total-tokens', options.maxTotalTokens),
          ],
          env: {
            HOME: `${CACHE_ROOT}/home`,
            HF_HOME: `${CACHE_ROOT}/huggingface`,
            HF_HUB_OFFLINE: '1',
            HF_HUB_DISABLE_TELEMETRY: '1',
          },
          port: 8080,
          livenessPath: '/health',
          readinessPath: '/health',
          metricsPath: '/metrics',
          metricsPort: 8080,
          writablePaths: ['/tmp', CACHE_ROOT],
          gpuMemoryUtilization: fraction,
          bundlesHuggingFaceHub: true,
        };
      }));
  }

  /**
   * NVIDIA Triton Inference Server serving a model repository. Parallelism is part of the model
   * repository (e.g. a TensorRT-LLM engine built for N GPUs), so no flags are passed.
   * @default image 'nvcr.io/nvidia/tritonserver:25.08-py3' (CUDA 13.0)
   * @see https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/
   */
  public static triton(options: TritonOptions = {}): ModelRuntime {
    if (options.modelControlMode !== undefined) oneOf(undefined, 'ModelRuntime.triton.modelControlMode', options.modelControlMode, ['none', 'poll', 'explicit']);
    // Release notes 25.08: based on CUDA 13.0.0.
    return checked('ModelRuntime.triton', new BuiltInRuntime(RuntimeKind.TRITON, options, () => TRITON_METRICS,
      { image: 'nvcr.io/nvidia/tritonserver:25.08-py3', cuda: CudaVersion.CUDA_13_0 }, b => ({
        command: ['tritonserver'],
        args: [
          `--model-repository=${b.modelPath}`,
          `--model-control-mode=${options.modelControlMode ?? 'none'}`,
          '--http-port=8000',
          '--grpc-port=8001',
          '--metrics-port=8002',
        ],
        env: { HOME: `${CACHE_ROOT}/home` },
        port: 8000,
        extraPorts: { grpc: 8001, metrics: 8002 },
        livenessPath: '/v2/health/live',
        readinessPath: '/v2/health/ready',
        metricsPath: '/metrics',
        metricsPort: 8002,
        writablePaths: ['/tmp', CACHE_ROOT],
        gpuMemoryUtilization: 1,
        bundlesHuggingFaceHub: false,
      })));
  }

  /** Any server container: you give its image, port, args and health paths. */
  public static custom(options: CustomRuntimeOptions): ModelRuntime {
    const where = 'ModelRuntime.custom';
    const util = options.gpuMemoryUtilization ?? 1;
    checkFraction(where, 'gpuMemoryUtilization', util);
    port(undefined, `${where}.port`, options.port);
    if (options.metricsPort !== undefined) port(undefined, `${where}.metricsPort`, options.metricsPort);
    for (const [prop, path] of [['livenessPath', options.livenessPath], ['readinessPath', options.readinessPath], ['metricsPath', options.metricsPath]]) {
      if (path !== undefined || prop === 'livenessPath') {
        check(typeof path === 'string' && /^\/\S*$/.test(path), undefined, `${where}.${prop}`, path, 'must be an HTTP path starting with "/"', "e.g. '/health'");
      }
    }
    (options.writablePaths ?? []).forEach((p, i) => absolutePath(undefined, `${where}.writablePaths[${i}]`, p, "'/tmp'"));
    // What a custom server exports is unknown: gates and alerts need the user's metric names.
    const custom = { image: options.image, env: options.env, cudaVersion: options.cudaVersion };
    return checked(where, new BuiltInRuntime(RuntimeKind.CUSTOM, custom, () => ({}), undefined, b => ({
      image: options.image,
      command: options.command,
      args: (options.args ?? []).map(a => a.split('{{modelPath}}').join(b.modelPath)),
      env: {},
      port: options.port,
      // A separate metrics port must be declared on the container, or a PodMonitor cannot select it.
      extraPorts: options.metricsPort !== undefined && options.metricsPort !== options.port ? { metrics: options.metricsPort } : undefined,
      livenessPath: options.livenessPath,
      readinessPath: options.readinessPath ?? options.livenessPath,
      metricsPath: options.metricsPath ?? '/metrics',
      metricsPort: options.metricsPort ?? options.port,
      writablePaths: options.writablePaths ?? ['/tmp'],
      gpuMemoryUtilization: util,
      bundlesHuggingFaceHub: false,
    })));
  }

  /** Which server this is: gates and alerts use it to pick runtime-specific metrics. */
  public abstract readonly kind: RuntimeKind;

  /** The user's extra plain environment, checked for credentials by the service. */
  public abstract readonly extraEnv: { [name: string]: string };

  /** The CUDA version of the image, when known (the catalog's for a default image, else what the user stated). */
  public abstract readonly cudaVersion?: CudaVersion;

  /** Renders the container settings for a service. */
  public abstract bind(options: RuntimeBindOptions): RuntimeConfig;

  /**
   * The series the bound image exports (by its version), which gates, alerts and dashboards read.
   * @internal
   */
  public abstract _metricCatalog(config: RuntimeConfig): MetricCatalog;
}

/** The series a runtime exports, without the runtime's description. */
type RuntimeSeries = Omit<MetricCatalog, 'runtime'>;

/**
 * vLLM's OpenAI-compatible inference routes (the `handler` label of prometheus-fastapi-instrumentator's
 * `http_requests_total`): the routes vLLM counts as GPU load, plus `/v1/responses`, audio translations
 * and SageMaker's `/invocations`. Every other route (`/v1/models`, `/tokenize`, …) is not inference;
 * `/health`, `/metrics`, `/ping`, `/load`, `/version` and `/server_info` are not counted at all.
 * @see https://github.com/vllm-project/vllm/blob/main/vllm/entrypoints/openai/api_server.py
 */
const VLLM_INFERENCE_HANDLERS = [
  '/v1/chat/completions', '/v1/completions', '/v1/responses', '/v1/embeddings', '/v1/audio/transcriptions', '/v1/audio/translations',
  '/pooling', '/classify', '/score', '/v1/score', '/rerank', '/v1/rerank', '/v2/rerank', '/invocations',
];

function vllmMetrics(version?: RuntimeVersion): RuntimeSeries {
  const inference = `handler=~"${VLLM_INFERENCE_HANDLERS.join('|')}"`;
  // V1 renamed two series: `vllm:gpu_cache_usage_perc` (deprecated in 0.9.2, hidden in 0.11, removed in 0.12) and
  // `vllm:time_per_output_token_seconds` (deprecated in 0.11, removed in 0.13). Before 0.11 the old names are the
  // ones both the V0 and the V1 engine export; from 0.11 on (V0 removed) only the new names are exported by default.
  const v1Names = version && atLeast(version, 0, 11);
  return {
    note: version ? undefined : 'the image reference carries no version, and vLLM\'s metric names depend on it',
    // The instrumentator groups status codes: a version without server errors has no status="5xx" series.
    requests: { errors: sel => `http_requests_total${sel(inference, 'status="5xx"')}`, total: sel => `http_requests_total${sel(inference)}` },
    requestLatency: 'vllm:e2e_request_latency_seconds',
    timeToFirstToken: 'vllm:time_to_first_token_seconds',
    queueDepth: 'vllm:num_requests_waiting',
    requestsRunning: 'vllm:num_requests_running',
    kvCacheUsage: version && (v1Names ? 'vllm:kv_cache_usage_perc' : 'vllm:gpu_cache_usage_perc'),
    interTokenLatency: version && (v1Names ? 'vllm:inter_token_latency_seconds' : 'vllm:time_per_output_token_seconds'),
  };
}

/**
 * TGI counts requests in its generate, chat and embed handlers only (`tgi_request_count`, failures in
 * `tgi_request_failure`); `tgi_queue_size` is the number of requests waiting.
 * @see https://huggingface.co/docs/text-generation-inference/reference/metrics
 */
const TGI_METRICS: RuntimeSeries = {
  requests: { errors: sel => `tgi_request_failure${sel()}`, total: sel => `tgi_request_count${sel()}` },
  requestLatency: 'tgi_request_duration',
  queueDepth: 'tgi_queue_size',
};

/**
 * Triton counts inference requests only, as successes and failures.
 * @see https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/metrics.html
 */
const TRITON_METRICS: RuntimeSeries = {
  requests: {
    errors: sel => `nv_inference_request_failure${sel()}`,
    total: sel => `${sel('__name__=~"nv_inference_request_success|nv_inference_request_failure"')}`,
  },
};

/** A runtime's default image and the CUDA version it was built on. */
interface DefaultImage {
  readonly image: string;
  readonly cuda: CudaVersion;
}

deferFactoryChecks(ModelRuntime);

class BuiltInRuntime extends ModelRuntime {
  public readonly extraEnv: { [name: string]: string };
  public readonly cudaVersion?: CudaVersion;

  constructor(
    public readonly kind: RuntimeKind,
    public readonly options: RuntimeOptions,
    private readonly series: (version?: RuntimeVersion) => RuntimeSeries,
    private readonly defaultImage: DefaultImage | undefined,
    private readonly render: (b: RuntimeBindOptions) => Omit<RuntimeConfig, 'image'> & { image?: string },
  ) {
    super();
    this.extraEnv = options.env ?? {};
    // The catalog's version describes the default image only (also pinned by digest): another image must state its own.
    const release = (image: string) => image.split('@')[0];
    this.cudaVersion = options.cudaVersion
      ?? (options.image === undefined || (defaultImage && release(options.image) === defaultImage.image) ? defaultImage?.cuda : undefined);
    check(options.imageVersion === undefined || runtimeVersion('', options.imageVersion) !== undefined, undefined,
      `ModelRuntime.${kind}.imageVersion`, options.imageVersion, 'must be a release number', "e.g. imageVersion: '0.11.0'");
  }

  /** @internal */
  public _metricCatalog(config: RuntimeConfig): MetricCatalog {
    const version = runtimeVersion(config.image, this.options.imageVersion);
    return { runtime: `${this.kind} runtime (image ${config.image})`, ...this.series(version) };
  }

  /** The flags the runtime renders itself, found by rendering it once with placeholder values. */
  public managedFlags(): string[] {
    const args = this.render({ modelPath: '/m', servedModelName: 'm', tensorParallelSize: 1, pipelineParallelSize: 1 } as RuntimeBindOptions).args;
    return args.map(flagName).filter((f): f is string => f !== undefined);
  }

  public bind(options: RuntimeBindOptions): RuntimeConfig {
    const config = this.render(options);
    return {
      ...config,
      image: this.options.image ?? this.defaultImage?.image ?? config.image!,
      args: [...config.args, ...(this.options.extraArgs ?? [])],
    };
  }
}

function flag(name: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [name, String(value)];
}

function checkFraction(where: string, prop: string, value: number): void {
  check(typeof value === 'number' && value > 0 && value <= 1, undefined, `${where}.${prop}`, value, 'must be a fraction in (0, 1]',
    "e.g. 0.9 lets the server use 90% of each GPU's memory");
}

function optionalInt(where: string, prop: string, value: number | undefined, fix: string): void {
  if (value !== undefined) int(undefined, `${where}.${prop}`, value, 1, INT32_MAX, fix);
}

// Short aliases the servers accept for flags the library sets itself.
const FLAG_ALIASES: Record<string, string> = { '-tp': '--tensor-parallel-size', '-pp': '--pipeline-parallel-size' };

function flagName(arg: string): string | undefined {
  if (!arg.startsWith('-')) return undefined;
  const name = arg.split('=')[0];
  return FLAG_ALIASES[name] ?? (name.startsWith('--') ? `--${name.slice(2).replace(/_/g, '-')}` : name);
}

/**
 * Checks what every runtime takes (image, env names, extraArgs) and that extraArgs repeat no flag the
 * runtime sets itself (the server would take the last one, silently overriding the managed value).
 */
function checked(where: string, runtime: BuiltInRuntime): BuiltInRuntime {
  const options = runtime.options;
  if (options.image !== undefined) {
    check(typeof options.image === 'string' && /^\S+$/.test(options.image), undefined, `${where}.image`, options.image, 'must be an image reference without spaces',
      "e.g. 'vllm/vllm-openai:v0.11.0'");
  }
  Object.keys(options.env ?? {}).forEach(name => envVarName(undefined, `${where}.env`, name));
  const managed = new Set(runtime.managedFlags());
  (options.extraArgs ?? []).forEach((arg, i) => {
    const name = flagName(arg);
    check(name === undefined || !managed.has(name), undefined, `${where}.extraArgs[${i}]`, arg,
      `repeats ${name}, which the library sets from the service's props`, 'set it through the matching prop (port, tensorParallelSize, ...) instead');
  });
  return runtime;
}

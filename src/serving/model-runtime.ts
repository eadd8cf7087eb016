import { CudaVersion } from '../gpu/cuda-version';
import { check, deferFactoryChecks } from '../internal/errors';
import { envVarName } from '../internal/validate';
import { MetricCatalog, runtimeVersion } from '../metrics/runtime-metrics';
import { MultiNodeLaunch, RuntimeBindOptions, RuntimeConfig, RuntimeDefinition, RuntimeKind } from './runtimes/base';
import { CustomRuntimeOptions, customRuntime } from './runtimes/custom';
import { SglangOptions, sglangRuntime } from './runtimes/sglang';
import { TgiOptions, tgiRuntime } from './runtimes/tgi';
import { TritonOptions, tritonRuntime } from './runtimes/triton';
import { VllmOptions, vllmRuntime } from './runtimes/vllm';

// Each runtime is one file of ./runtimes: its options, flags, default image, metric catalog and capabilities.
export { CACHE_ROOT, RuntimeKind } from './runtimes/base';
export type { ContainerLaunch, MultiNodeLaunch, RuntimeBindOptions, RuntimeConfig, RuntimeOptions } from './runtimes/base';
export type { CustomRuntimeOptions } from './runtimes/custom';
export type { SglangOptions } from './runtimes/sglang';
export type { TgiOptions } from './runtimes/tgi';
export type { TritonOptions } from './runtimes/triton';
export type { VllmOptions } from './runtimes/vllm';

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
    return new BuiltInRuntime(vllmRuntime(options));
  }

  /**
   * Hugging Face Text Generation Inference (`text-generation-launcher`). Tensor parallelism is
   * `--num-shard`; TGI has no pipeline parallelism.
   * @default image 'ghcr.io/huggingface/text-generation-inference:3.3.4' (CUDA 12.8)
   * @see https://huggingface.co/docs/text-generation-inference/reference/launcher
   */
  public static tgi(options: TgiOptions = {}): ModelRuntime {
    return new BuiltInRuntime(tgiRuntime(options));
  }

  /**
   * NVIDIA Triton Inference Server serving a model repository. Parallelism is part of the model
   * repository (e.g. a TensorRT-LLM engine built for N GPUs), so no flags are passed.
   * @default image 'nvcr.io/nvidia/tritonserver:25.08-py3' (CUDA 13.0)
   * @see https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/
   */
  public static triton(options: TritonOptions = {}): ModelRuntime {
    return new BuiltInRuntime(tritonRuntime(options));
  }

  /**
   * SGLang's OpenAI-compatible server (`python3 -m sglang.launch_server`): tensor parallelism `--tp-size`,
   * pipeline parallelism `--pp-size`, metrics (`sglang:` prefix) with `--enable-metrics`, across the nodes of a
   * LeaderWorkerSet group with `--nnodes`, `--node-rank` and `--dist-init-addr`. SGLang counts no failed requests:
   * error-rate gates and alerts need `requestsMetric` and `errorsMatcher` from what is in front of it.
   * @default image 'lmsysorg/sglang:v0.5.5' (CUDA 12.9)
   * @see https://docs.sglang.ai/basic_usage/openai_api.html
   */
  public static sglang(options: SglangOptions = {}): ModelRuntime {
    return new BuiltInRuntime(sglangRuntime(options));
  }

  /** Any server container: you give its image, port, args and health paths. */
  public static custom(options: CustomRuntimeOptions): ModelRuntime {
    return new BuiltInRuntime(customRuntime(options));
  }

  /** Which server this is (the service's `mlops.cdk8s.io/runtime` annotation). */
  public abstract readonly kind: RuntimeKind;

  /** The user's extra plain environment, checked for credentials by the service. */
  public abstract readonly extraEnv: { [name: string]: string };

  /** The CUDA version of the image, when known (the catalog's for a default image, else what the user stated). */
  public abstract readonly cudaVersion?: CudaVersion;

  /**
   * Why the server cannot split a model into pipeline stages, or `undefined` when it can.
   * @internal
   */
  public abstract readonly _noPipelineParallelism?: string;

  /**
   * Whether the image has `sleep`, so the default preStop hook can run in it.
   * @internal
   */
  public abstract readonly _imageHasSleep: boolean;

  /**
   * Why the server cannot span nodes, or `undefined` when it can.
   * @internal
   */
  public abstract readonly _singleNodeReason?: string;

  /** Renders the container settings for a service. */
  public abstract bind(options: RuntimeBindOptions): RuntimeConfig;

  /**
   * The series the bound image exports (by its version), which gates, alerts and dashboards read.
   * @internal
   */
  public abstract _metricCatalog(config: RuntimeConfig): MetricCatalog;

  /**
   * How one replica spans `nodes` nodes of a LeaderWorkerSet group, given the bound container; `undefined` when the
   * server cannot span nodes.
   * @internal
   */
  public abstract _multiNodeLaunch(config: RuntimeConfig, nodes: number): MultiNodeLaunch | undefined;
}

deferFactoryChecks(ModelRuntime);

class BuiltInRuntime extends ModelRuntime {
  public readonly kind: RuntimeKind;
  public readonly extraEnv: { [name: string]: string };
  public readonly cudaVersion?: CudaVersion;
  public readonly _noPipelineParallelism?: string;
  public readonly _imageHasSleep: boolean;
  public readonly _singleNodeReason?: string;

  constructor(private readonly def: RuntimeDefinition) {
    super();
    const options = def.options;
    this.kind = def.kind;
    this.extraEnv = options.env ?? {};
    this._noPipelineParallelism = def.noPipelineParallelism;
    this._imageHasSleep = def.imageHasSleep;
    this._singleNodeReason = def.multiNode ? undefined : def.singleNodeReason ?? `${def.kind} cannot span nodes`;
    // The catalog's version describes the default image only (also pinned by digest): another image must state its own.
    const release = (image: string) => image.split('@')[0];
    const defaultImage = def.defaultImage;
    this.cudaVersion = options.cudaVersion
      ?? (options.image === undefined || (defaultImage && release(options.image) === defaultImage.image) ? defaultImage?.cuda : undefined);
    check(options.imageVersion === undefined || runtimeVersion('', options.imageVersion) !== undefined, undefined,
      `${def.where}.imageVersion`, options.imageVersion, 'must be a release number', "e.g. imageVersion: '0.11.0'");
    this.checkCommon();
  }

  /** @internal */
  public _metricCatalog(config: RuntimeConfig): MetricCatalog {
    const version = runtimeVersion(config.image, this.def.options.imageVersion);
    return { runtime: `${this.kind} runtime (image ${config.image})`, ...this.def.series(version) };
  }

  /** @internal */
  public _multiNodeLaunch(config: RuntimeConfig, nodes: number): MultiNodeLaunch | undefined {
    return this.def.multiNode?.(config, nodes);
  }

  public bind(options: RuntimeBindOptions): RuntimeConfig {
    const config = this.def.render(options);
    return {
      ...config,
      image: this.def.options.image ?? this.def.defaultImage?.image ?? config.image!,
      args: [...config.args, ...(this.def.options.extraArgs ?? [])],
    };
  }

  /**
   * Checks what every runtime takes (image, env names, extraArgs) and that extraArgs repeat no flag the runtime
   * sets itself (the server would take the last one, silently overriding the managed value).
   */
  private checkCommon(): void {
    const { options, where } = this.def;
    if (options.image !== undefined) {
      check(typeof options.image === 'string' && /^\S+$/.test(options.image), undefined, `${where}.image`, options.image, 'must be an image reference without spaces',
        "e.g. 'vllm/vllm-openai:v0.11.0'");
    }
    Object.keys(options.env ?? {}).forEach(name => envVarName(undefined, `${where}.env`, name));
    const managed = new Set(this.managedFlags());
    (options.extraArgs ?? []).forEach((arg, i) => {
      const name = flagName(arg);
      check(name === undefined || !managed.has(name), undefined, `${where}.extraArgs[${i}]`, arg,
        `repeats ${name}, which the library sets from the service's props`, 'set it through the matching prop (port, tensorParallelSize, ...) instead');
    });
  }

  /** The flags the runtime renders itself, found by rendering it once with placeholder values. */
  private managedFlags(): string[] {
    const b: RuntimeBindOptions = { modelPath: '/m', servedModelName: 'm', tensorParallelSize: 1, pipelineParallelSize: 1 };
    const config = this.def.render(b);
    const multiNode = this.def.multiNode?.({ ...config, image: '' }, 2);
    const args = [...config.args, ...multiNode?.leader.args ?? []];
    return args.map(flagName).filter((f): f is string => f !== undefined);
  }
}

// The spellings of the parallelism flags the servers accept (vLLM: -tp, -pp; SGLang: --tp, --tp-size, --pp-size).
const FLAG_ALIASES: Record<string, string> = {
  '-tp': '--tensor-parallel-size',
  '--tp': '--tensor-parallel-size',
  '--tp-size': '--tensor-parallel-size',
  '-pp': '--pipeline-parallel-size',
  '--pp': '--pipeline-parallel-size',
  '--pp-size': '--pipeline-parallel-size',
};

function flagName(arg: string): string | undefined {
  if (!arg.startsWith('-')) return undefined;
  const name = arg.split('=')[0];
  const long = name.startsWith('--') ? `--${name.slice(2).replace(/_/g, '-')}` : name;
  return FLAG_ALIASES[long] ?? long;
}

import { CACHE_ROOT, checkFraction, flag, huggingFaceEnv, optionalInt, RuntimeDefinition, RuntimeKind, RuntimeOptions, RuntimeSeries } from './base';
import { CudaVersion } from '../../gpu/cuda-version';
import { check } from '../../internal/errors';

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

/**
 * The router's buckets for every `*duration` histogram (router/src/server.rs, v3.3.4): 35 boundaries of a geometric
 * sequence from 0.0001 s by a factor of 1.5, computed as the router does (f64 products, so the same `le` values).
 */
const TGI_DURATION_BUCKETS = Array.from({ length: 35 }).reduce<number[]>(b => [...b, (b.length ? b[b.length - 1] : 0.0001) * 1.5], []);

/**
 * TGI counts requests in its generate, chat and embed handlers only (`tgi_request_count`, failures in
 * `tgi_request_failure`); `tgi_queue_size` is the number of requests waiting.
 * @see https://huggingface.co/docs/text-generation-inference/reference/metrics
 */
const TGI_METRICS: RuntimeSeries = {
  requests: { errors: sel => `tgi_request_failure${sel()}`, total: sel => `tgi_request_count${sel()}` },
  requestLatency: 'tgi_request_duration',
  requestLatencyBuckets: TGI_DURATION_BUCKETS,
  queueDepth: 'tgi_queue_size',
};

/**
 * Hugging Face Text Generation Inference (`text-generation-launcher`). Tensor parallelism is `--num-shard`; TGI
 * has no pipeline parallelism and runs on one node.
 * @see https://huggingface.co/docs/text-generation-inference/reference/launcher
 */
export function tgiRuntime(options: TgiOptions): RuntimeDefinition {
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
  return {
    kind: RuntimeKind.TGI,
    where,
    options,
    // v3.3.4 Dockerfile: base nvidia/cuda:12.4.0, server on PyTorch 2.7 from the cu128 index (server/pyproject.toml).
    defaultImage: { image: 'ghcr.io/huggingface/text-generation-inference:3.3.4', cuda: CudaVersion.CUDA_12_8 },
    render: b => ({
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
      env: huggingFaceEnv({ HF_HUB_DISABLE_TELEMETRY: '1' }),
      port: 8080,
      livenessPath: '/health',
      readinessPath: '/health',
      metricsPath: '/metrics',
      metricsPort: 8080,
      writablePaths: ['/tmp', CACHE_ROOT],
      gpuMemoryUtilization: fraction,
      bundlesHuggingFaceHub: true,
    }),
    series: () => TGI_METRICS,
    noPipelineParallelism: 'TGI has no pipeline parallelism (--num-shard is tensor parallelism)',
    imageHasSleep: true,
    singleNodeReason: 'TGI shards a model over the GPUs of one node only (--num-shard)',
  };
}

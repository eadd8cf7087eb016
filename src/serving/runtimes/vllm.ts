import {
  CACHE_ROOT, checkFraction, checkQuantization, flag, huggingFaceEnv, optionalInt, RuntimeConfig, RuntimeDefinition, RuntimeKind,
  RuntimeOptions, RuntimeSeries,
} from './base';
import { CudaVersion } from '../../gpu/cuda-version';
import { atLeast, RuntimeVersion } from '../../metrics/runtime-metrics';

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

/** `vllm:e2e_request_latency_seconds` buckets of the V1 engine (vllm/v1/metrics/loggers.py); V0's are a subset. */
const VLLM_E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

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
    requestLatencyBuckets: VLLM_E2E_BUCKETS,
    timeToFirstToken: 'vllm:time_to_first_token_seconds',
    queueDepth: 'vllm:num_requests_waiting',
    requestsRunning: 'vllm:num_requests_running',
    kvCacheUsage: version && (v1Names ? 'vllm:kv_cache_usage_perc' : 'vllm:gpu_cache_usage_perc'),
    interTokenLatency: version && (v1Names ? 'vllm:inter_token_latency_seconds' : 'vllm:time_per_output_token_seconds'),
  };
}

/**
 * vLLM's Ray bootstrap, shipped in the `vllm/vllm-openai` image: `leader` starts the Ray head and blocks until the
 * group's nodes have joined, `worker` joins the head and blocks.
 * @see https://github.com/vllm-project/vllm/blob/main/examples/online_serving/multi-node-serving.sh
 */
const VLLM_RAY_SCRIPT = '/vllm-workspace/examples/online_serving/multi-node-serving.sh';

/**
 * vLLM's OpenAI-compatible server (`vllm serve`).
 * @see https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html
 */
export function vllmRuntime(options: VllmOptions): RuntimeDefinition {
  const where = 'ModelRuntime.vllm';
  const util = options.gpuMemoryUtilization ?? 0.9;
  checkFraction(where, 'gpuMemoryUtilization', util);
  optionalInt(where, 'maxModelLen', options.maxModelLen, 'e.g. maxModelLen: 8192 (tokens)');
  optionalInt(where, 'maxNumSeqs', options.maxNumSeqs, 'e.g. maxNumSeqs: 256');
  checkQuantization(where, 'vLLM', options.quantization, "'awq', 'gptq', 'fp8'", 'vllm serve --quantization');
  return {
    kind: RuntimeKind.VLLM,
    where,
    options,
    // docker/Dockerfile: ARG CUDA_VERSION=12.8.1, the images require cuda>=12.8 since v0.9.0 (a 12.9 build would have the
    // same driver floor, 525).
    defaultImage: { image: 'vllm/vllm-openai:v0.11.0', cuda: CudaVersion.CUDA_12_8 },
    render: b => ({
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
      env: huggingFaceEnv({
        VLLM_CACHE_ROOT: `${CACHE_ROOT}/vllm`,
        VLLM_CONFIG_ROOT: `${CACHE_ROOT}/vllm-config`,
        XDG_CACHE_HOME: `${CACHE_ROOT}/xdg`,
        TRITON_CACHE_DIR: `${CACHE_ROOT}/triton`,
        VLLM_NO_USAGE_STATS: '1',
        DO_NOT_TRACK: '1',
      }),
      port: 8000,
      livenessPath: '/health',
      readinessPath: '/health',
      metricsPath: '/metrics',
      metricsPort: 8000,
      writablePaths: ['/tmp', CACHE_ROOT],
      gpuMemoryUtilization: util,
      bundlesHuggingFaceHub: true,
    }),
    series: vllmMetrics,
    imageHasSleep: true,
    // The leader starts the Ray head, waits for the group's nodes, then serves; workers only join Ray.
    multiNode: (config: RuntimeConfig) => {
      const serve = [...config.command ?? [], '"$@"'].join(' ');
      return {
        // "$@" keeps the server's arguments exactly as rendered; $0 is the first word after the script.
        leader: {
          command: ['/bin/bash', '-c'],
          args: [`bash ${VLLM_RAY_SCRIPT} leader --ray_cluster_size=$LWS_GROUP_SIZE && exec ${serve}`, config.command?.[0] ?? 'server', ...config.args],
        },
        worker: { command: ['/bin/bash', '-c'], args: [`exec bash ${VLLM_RAY_SCRIPT} worker --ray_address=$LWS_LEADER_ADDRESS`] },
      };
    },
  };
}

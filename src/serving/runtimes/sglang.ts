import {
  CACHE_ROOT, checkFraction, checkQuantization, flag, huggingFaceEnv, optionalInt, RuntimeConfig, RuntimeDefinition,
  RuntimeKind, RuntimeOptions, RuntimeSeries,
} from './base';
import { CudaVersion } from '../../gpu/cuda-version';
import { atLeast, RuntimeVersion } from '../../metrics/runtime-metrics';

/** SGLang server options. */
export interface SglangOptions extends RuntimeOptions {
  /**
   * `--mem-fraction-static`: the share of each GPU's memory for the weights and the KV cache pool. SGLang's own
   * default depends on the GPU's memory; the library passes one so the fit check and the server agree.
   * @default 0.85
   * @see https://docs.sglang.ai/advanced_features/server_arguments.html
   */
  readonly memFractionStatic?: number;
  /**
   * `--context-length`: the model's maximum context length.
   * @default - the model's configured maximum
   */
  readonly contextLength?: number;
  /**
   * `--max-running-requests`: the most requests run at once.
   * @default - SGLang's default
   */
  readonly maxRunningRequests?: number;
  /**
   * `--quantization`, e.g. `fp8`, `awq`.
   * @default - none: SGLang reads it from the model config
   */
  readonly quantization?: string;
}

/** The TCP port of torch.distributed's rendezvous on the group's leader (LWS's SGLang example uses it too). */
const DIST_INIT_PORT = 20000;

/**
 * `sglang:e2e_request_latency_seconds`'s default buckets (python/sglang/srt/metrics/collector.py,
 * TokenizerMetricsCollector); `--bucket-e2e-request-latency` replaces them.
 */
const SGLANG_E2E_BUCKETS = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400];

/**
 * SGLang's series with `--enable-metrics` (prefix `sglang:`, label `model_name` = the served model name; the
 * scheduler's gauges come from tensor-parallel rank 0 only, unless `--enable-metrics-for-all-schedulers`).
 * SGLang counts finished requests (`sglang:num_requests_total`) and aborted ones (`sglang:num_aborted_requests_total`,
 * client disconnects included), but no server errors, and its HTTP server exports no per-status counter: an error
 * ratio needs counters from elsewhere (a gateway or mesh in front of it).
 * @see https://docs.sglang.ai/references/production_metrics.html
 */
function sglangMetrics(customLatencyBuckets: boolean) {
  return (version?: RuntimeVersion): RuntimeSeries => ({
    note: version ? undefined : 'the image reference carries no version, and SGLang\'s inter-token latency histogram depends on it',
    requestsNote: 'SGLang exports no count of failed requests (sglang:num_requests_total counts finished requests, sglang:num_aborted_requests_total aborts, client disconnects included)',
    requestLatency: 'sglang:e2e_request_latency_seconds',
    requestLatencyBuckets: customLatencyBuckets ? undefined : SGLANG_E2E_BUCKETS,
    timeToFirstToken: 'sglang:time_to_first_token_seconds',
    // Named sglang:time_per_output_token_seconds before the 0.5 line.
    interTokenLatency: version && atLeast(version, 0, 5) ? 'sglang:inter_token_latency_seconds' : undefined,
    queueDepth: 'sglang:num_queue_reqs',
    requestsRunning: 'sglang:num_running_reqs',
    // The share of the KV cache pool's tokens in use, 0 to 1.
    kvCacheUsage: 'sglang:token_usage',
  });
}

/**
 * SGLang's OpenAI-compatible server (`python3 -m sglang.launch_server`).
 * @see https://docs.sglang.ai/basic_usage/openai_api.html
 */
export function sglangRuntime(options: SglangOptions): RuntimeDefinition {
  const where = 'ModelRuntime.sglang';
  const fraction = options.memFractionStatic ?? 0.85;
  checkFraction(where, 'memFractionStatic', fraction);
  optionalInt(where, 'contextLength', options.contextLength, 'e.g. contextLength: 8192 (tokens)');
  optionalInt(where, 'maxRunningRequests', options.maxRunningRequests, 'e.g. maxRunningRequests: 256');
  checkQuantization(where, 'SGLang', options.quantization, "'fp8', 'awq'", '--quantization');
  const customBuckets = (options.extraArgs ?? []).some(a => a.split('=')[0] === '--bucket-e2e-request-latency');
  return {
    kind: RuntimeKind.SGLANG,
    where,
    options,
    // docker/Dockerfile of the 0.5.5 release (SGL_VERSION=0.5.5): ARG CUDA_VERSION=12.9.1; plain vX.Y.Z tags are that build.
    defaultImage: { image: 'lmsysorg/sglang:v0.5.5', cuda: CudaVersion.CUDA_12_9 },
    render: b => ({
      command: ['python3', '-m', 'sglang.launch_server'],
      args: [
        '--model-path', b.modelPath,
        '--served-model-name', b.servedModelName,
        '--host', '0.0.0.0',
        '--port', '30000',
        '--tp-size', String(b.tensorParallelSize),
        '--pp-size', String(b.pipelineParallelSize),
        '--mem-fraction-static', String(fraction),
        // Off by default: without it /metrics answers nothing SGLang-specific.
        '--enable-metrics',
        ...flag('--context-length', options.contextLength),
        ...flag('--max-running-requests', options.maxRunningRequests),
        ...flag('--quantization', options.quantization),
      ],
      env: huggingFaceEnv({
        XDG_CACHE_HOME: `${CACHE_ROOT}/xdg`,
        TRITON_CACHE_DIR: `${CACHE_ROOT}/triton`,
      }),
      port: 30000,
      // /health and /health_generate are one handler: 503 while starting or shutting down, and, when idle, a
      // one-token generation proves the engine answers.
      livenessPath: '/health',
      readinessPath: '/health',
      metricsPath: '/metrics',
      metricsPort: 30000,
      writablePaths: ['/tmp', CACHE_ROOT],
      gpuMemoryUtilization: fraction,
      bundlesHuggingFaceHub: true,
    }),
    series: sglangMetrics(customBuckets),
    imageHasSleep: true,
    // Every node runs the same server with its rank: rank 0 (the LWS leader, worker index 0) serves HTTP, the others
    // join torch.distributed at the leader. The kubelet expands $(VAR) from the env LWS injects.
    multiNode: (config: RuntimeConfig, nodes: number) => {
      const launch = {
        command: config.command ?? [],
        args: [...config.args, '--nnodes', String(nodes), '--node-rank', '$(LWS_WORKER_INDEX)', '--dist-init-addr', `$(LWS_LEADER_ADDRESS):${DIST_INIT_PORT}`],
      };
      return { leader: launch, worker: launch };
    },
  };
}

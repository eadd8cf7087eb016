import { CACHE_ROOT, RuntimeDefinition, RuntimeKind, RuntimeOptions, RuntimeSeries } from './base';
import { CudaVersion } from '../../gpu/cuda-version';
import { oneOf } from '../../internal/validate';

/** Triton Inference Server options. */
export interface TritonOptions extends RuntimeOptions {
  /**
   * `--model-control-mode`.
   * @default 'none'
   * @see https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/model_management.html
   */
  readonly modelControlMode?: string;
}

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

/**
 * NVIDIA Triton Inference Server serving a model repository. Parallelism is part of the model repository (e.g. a
 * TensorRT-LLM engine built for N GPUs), so no flags are passed.
 * @see https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/
 */
export function tritonRuntime(options: TritonOptions): RuntimeDefinition {
  const where = 'ModelRuntime.triton';
  if (options.modelControlMode !== undefined) oneOf(undefined, `${where}.modelControlMode`, options.modelControlMode, ['none', 'poll', 'explicit']);
  return {
    kind: RuntimeKind.TRITON,
    where,
    options,
    // Release notes 25.08: based on CUDA 13.0.0.
    defaultImage: { image: 'nvcr.io/nvidia/tritonserver:25.08-py3', cuda: CudaVersion.CUDA_13_0 },
    render: b => ({
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
    }),
    series: () => TRITON_METRICS,
    imageHasSleep: true,
    singleNodeReason: 'Triton serves a model repository on one node; a multi-node TensorRT-LLM engine needs MPI, which the library does not start',
  };
}

import { Duration, Testing } from 'cdk8s';
import { census, x } from './census';
import type { SglangOptions } from '../../src';
import { Accelerator, AlertPreset, Gate, GateAnalysisTemplate, ModelAlerts, ModelRuntime, Precision } from '../../src';
import { hfSource, service } from '../serving/helpers';

const P = 'test/Svc';
const sglang = (o: SglangOptions) => service({ runtime: ModelRuntime.sglang(o) });
/** SGLang on a two-GPU service, with `build` adding what reads its metric catalog. */
const reading = (build: (s: ReturnType<typeof service>) => void) => () => {
  const s = service({ runtime: ModelRuntime.sglang(), tensorParallelSize: 2 });
  build(s);
  return Testing.synth(s.chart);
};

describe('SglangOptions', () => census([
  ['sglang memFractionStatic 0', () => sglang({ memFractionStatic: 0 }), x(P, 'ModelRuntime.sglang.memFractionStatic', '0', '0.9')],
  ['sglang memFractionStatic 85', () => sglang({ memFractionStatic: 85 }), x(P, 'ModelRuntime.sglang.memFractionStatic', '85', '0.9')],
  ['sglang memFractionStatic NaN', () => sglang({ memFractionStatic: NaN }), x(P, 'ModelRuntime.sglang.memFractionStatic', 'NaN', '0.9')],
  ['sglang contextLength 0', () => sglang({ contextLength: 0 }), x(P, 'ModelRuntime.sglang.contextLength', '0', 'contextLength: 8192')],
  ['sglang contextLength 1.5', () => sglang({ contextLength: 1.5 }), x(P, 'ModelRuntime.sglang.contextLength', '1.5', 'contextLength: 8192')],
  ['sglang contextLength beyond int32', () => sglang({ contextLength: 1e12 }), x(P, 'ModelRuntime.sglang.contextLength', '1000000000000', 'contextLength: 8192')],
  ['sglang maxRunningRequests -1', () => sglang({ maxRunningRequests: -1 }), x(P, 'ModelRuntime.sglang.maxRunningRequests', '-1', 'maxRunningRequests: 256')],
  ['sglang maxRunningRequests Infinity', () => sglang({ maxRunningRequests: Infinity }), x(P, 'ModelRuntime.sglang.maxRunningRequests', 'Infinity', 'maxRunningRequests: 256')],
  ['sglang quantization upper', () => sglang({ quantization: 'FP8' }), x(P, 'ModelRuntime.sglang.quantization', '"FP8"', '--quantization')],
  ['sglang quantization with a flag', () => sglang({ quantization: 'fp8 --port 1' }), x(P, 'ModelRuntime.sglang.quantization', '"fp8 --port 1"', '--quantization')],
  ['sglang image with space', () => sglang({ image: 'lmsysorg/sglang v0.5.5' }), x(P, 'ModelRuntime.sglang.image', '"lmsysorg/sglang v0.5.5"', 'vllm/vllm-openai')],
  ['sglang imageVersion not a release', () => sglang({ imageVersion: 'latest' }), x(P, 'ModelRuntime.sglang.imageVersion', '"latest"', "imageVersion: '0.11.0'")],
  ['sglang env invalid', () => sglang({ env: { 'X Y': '1' } }), x(P, 'ModelRuntime.sglang.env', '"X Y"', 'HF_HUB_OFFLINE')],
  ['sglang extraArgs --port', () => sglang({ extraArgs: ['--port', '8000'] }), x(P, 'ModelRuntime.sglang.extraArgs[0]', '"--port"', 'matching prop')],
  ['sglang extraArgs --model-path=', () => sglang({ extraArgs: ['--model-path=/x'] }), x(P, 'ModelRuntime.sglang.extraArgs[0]', '"--model-path=/x"', 'matching prop')],
  ['sglang extraArgs --tp', () => sglang({ extraArgs: ['--tp', '4'] }), x(P, 'ModelRuntime.sglang.extraArgs[0]', '"--tp"', 'matching prop')],
  ['sglang extraArgs --tensor-parallel-size', () => sglang({ extraArgs: ['--tensor-parallel-size', '4'] }), x(P, 'ModelRuntime.sglang.extraArgs[0]', '"--tensor-parallel-size"', 'matching prop')],
  ['sglang extraArgs --pp-size', () => sglang({ extraArgs: ['--trust-remote-code', '--pp-size', '2'] }), x(P, 'ModelRuntime.sglang.extraArgs[1]', '"--pp-size"', 'matching prop')],
  ['sglang extraArgs underscore form', () => sglang({ extraArgs: ['--mem_fraction_static', '0.5'] }), x(P, 'ModelRuntime.sglang.extraArgs[0]', '"--mem_fraction_static"', 'matching prop')],
  ['sglang extraArgs --enable-metrics', () => sglang({ extraArgs: ['--enable-metrics'] }), x(P, 'ModelRuntime.sglang.extraArgs[0]', '"--enable-metrics"', 'matching prop')],
  ['sglang extraArgs --node-rank', () => sglang({ extraArgs: ['--node-rank', '1'] }), x(P, 'ModelRuntime.sglang.extraArgs[0]', '"--node-rank"', 'matching prop')],
  ['sglang extraArgs --dist-init-addr', () => sglang({ extraArgs: ['--dist-init-addr=10.0.0.1:5000'] }), x(P, 'ModelRuntime.sglang.extraArgs[0]', '"--dist-init-addr=10.0.0.1:5000"', 'matching prop')],
  ['sglang extraArgs managed contextLength', () => sglang({ contextLength: 4096, extraArgs: ['--context-length=8192'] }), x(P, 'ModelRuntime.sglang.extraArgs[0]', '"--context-length=8192"', 'matching prop')],
]));

describe('SGLang in a service and its readers', () => census([
  ['sglang another image without its CUDA version', () => sglang({ image: 'ghcr.io/acme/sglang:0.5.5' }), x(P, 'runtime.image', '"ghcr.io/acme/sglang:0.5.5"', 'cudaVersion')],
  ['sglang latest image', () => sglang({ image: 'lmsysorg/sglang:latest', cudaVersion: undefined }), x(P, 'runtime.image', '"lmsysorg/sglang:latest"', 'explicit version tag')],
  ['sglang gate errorRate without counters', reading(s => new GateAnalysisTemplate(s.chart, 'G', { service: s.svc, gates: [Gate.errorRate({ maxRatio: 0.01 })], name: 'gates' })),
    x('test/G', 'Gate.errorRate.requestsMetric', 'undefined', 'in front of the server')],
  ['sglang latency SLO between buckets', reading(s => new ModelAlerts(s.chart, 'A', { service: s.svc, alerts: [AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(5) })] })),
    x('test/A', 'AlertPreset.latencySlo.threshold', '"5 seconds"', 'use one of 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10')],
  ['sglang availability SLO without counters', reading(s => new ModelAlerts(s.chart, 'A', { service: s.svc, alerts: [AlertPreset.availabilitySlo({ objective: 0.999 })] })),
    x('test/A', 'AlertPreset.availabilitySlo.requestsMetric', 'undefined', 'in front of the server')],
  ['sglang multi-node TP not the node size', () => service({
    name: 'big',
    model: hfSource(),
    runtime: ModelRuntime.sglang(),
    accelerator: Accelerator.H100_SXM,
    tensorParallelSize: 16,
    pipelineParallelSize: 1,
    footprint: { parametersBillions: 405, precision: Precision.BF16 },
  }), x(P, 'tensorParallelSize', '16', 'tensorParallelSize <= 8')],
]));

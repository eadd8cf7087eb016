import { App, Size, Testing, YamlOutputType } from 'cdk8s';
import { inProcessEvaluator, podSpec, service } from './helpers';
import { llama70bPipeline } from '../../examples/llama-70b-pipeline';
import { Accelerator, CudaVersion, MigProfile, ModelRuntime, ModelSource, PreStopHandler } from '../../src';
import { expectConformant } from '../conformance';

/** Triton and custom images have no huggingface_hub: their models come from S3 here. */
const s3 = () => ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' });
const LABELS = ['nvidia.com/cuda.driver-version.major', 'nvidia.com/cuda.driver.major'];
const terms = (docs: any[]) => podSpec(docs).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
/** The driver floor of each term, by label: `Gt n` admits drivers n+1 and later. */
const floors = (docs: any[]) => terms(docs).map((t: any) => {
  const e = t.matchExpressions.find((m: any) => LABELS.includes(m.key));
  return [e.key, e.operator, e.values];
});

describe('driver-aware scheduling', () => {
  test.each([
    ['vLLM v0.11.0 (CUDA 12.8)', ModelRuntime.vllm(), '524'],
    ['TGI 3.3.4 (CUDA 12.8)', ModelRuntime.tgi(), '524'],
    ['Triton 25.08 (CUDA 13.0)', ModelRuntime.triton(), '579'],
    ['another vLLM image with its CUDA version', ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.12.0', cudaVersion: CudaVersion.of(12, 9) }), '524'],
    ['a custom CUDA 13 image', ModelRuntime.custom({ image: 'ghcr.io/acme/srv:1.0', port: 8000, livenessPath: '/h', cudaVersion: CudaVersion.CUDA_13_0 }), '579'],
  ])('%s: both GFD label generations, as alternative terms', async (_name, runtime, floor) => {
    const docs = await expectConformant(service({
      runtime, model: s3(), tensorParallelSize: 2, drain: { preStopHandler: PreStopHandler.execSleep() },
    }).chart);
    expect(floors(docs)).toEqual(LABELS.map(key => [key, 'Gt', [floor]]));
    // Terms are ORed: each repeats the product and GPU count requirements.
    for (const t of terms(docs)) {
      expect(t.matchExpressions).toEqual(expect.arrayContaining([
        { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3'] },
        { key: 'nvidia.com/gpu.count', operator: 'Gt', values: ['1'] },
      ]));
    }
  });

  test('MIG and extra node labels are repeated in each term', async () => {
    const docs = await expectConformant(service({ migProfile: MigProfile.PROFILE_1G_10GB, nodeSelector: { pool: 'gpu' } }).chart);
    for (const t of terms(docs)) {
      expect(t.matchExpressions).toEqual(expect.arrayContaining([
        { key: 'nvidia.com/mig.strategy', operator: 'In', values: ['mixed'] },
        { key: 'pool', operator: 'In', values: ['gpu'] },
      ]));
    }
  });

  test('forward compatibility: older data-center drivers admitted, only when asked', async () => {
    const docs = await expectConformant(service({ runtime: ModelRuntime.triton(), model: s3(), cudaForwardCompatibility: true }).chart);
    expect(floors(docs)).toEqual(LABELS.map(key => [key, 'Gt', ['469']]));
    expect(Accelerator.catalog().every(a => a.dataCenter)).toBe(true);
    expect(Accelerator.custom({ name: 'X', gfdProduct: 'X', memory: Size.gibibytes(24), nvlink: false }).dataCenter).toBe(false);
  });

  test('switched off: the product term only', async () => {
    const docs = await expectConformant(service({
      driverAwareScheduling: false,
      model: s3(),
      runtime: ModelRuntime.custom({ image: 'ghcr.io/acme/srv:1.0', port: 8000, livenessPath: '/h' }),
      drain: { preStopHandler: PreStopHandler.execSleep() },
    }).chart);
    expect(terms(docs)).toEqual([{ matchExpressions: [{ key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3'] }] }]);
  });

  test('the evaluator\'s in-process pod requires the same drivers', async () => {
    const { chart, svc } = service({ runtime: ModelRuntime.triton(), model: s3() });
    const { docs, evaluator } = inProcessEvaluator(chart, svc);
    expect(evaluator.affinity.nodeAffinity).toEqual(podSpec(docs).affinity.nodeAffinity);
    expect(floors(docs)).toEqual(LABELS.map(key => [key, 'Gt', ['579']]));
  });

  test('staging and production render the same runtime: their pod templates differ only in what an environment sets', () => {
    const pipeline = llama70bPipeline(new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/consistency' }));
    const [staging, production] = [pipeline.staging, pipeline.production]
      .map(env => Testing.synth(env).find((d: any) => d.kind === 'Rollout').spec.template);
    const differing: string[] = [];
    const walk = (a: any, b: any, path: string) => {
      if (a && b && typeof a === 'object' && typeof b === 'object') {
        for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], `${path}.${k}`);
      } else if (a !== b) {differing.push(path);}
    };
    walk(staging, production, 'template');
    // The environment sets namespace, replicas, steps and gates: none of them is part of the pod template, so the
    // image, flags, GPUs, affinity (driver terms included), cache and probes are identical.
    expect(differing).toEqual([]);
    expect(staging.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toHaveLength(2);
  });
});

describe('bad input', () => {
  const rtx = Accelerator.custom({ name: 'RTX 4090', gfdProduct: 'NVIDIA-GeForce-RTX-4090', memory: Size.mebibytes(24564), nvlink: false });
  test.each<[string, () => unknown, RegExp]>([
    ['a custom image without a CUDA version',
      () => service({ model: s3(), runtime: ModelRuntime.custom({ image: 'ghcr.io/acme/srv:1.0', port: 8000, livenessPath: '/h' }), drain: { preStopHandler: PreStopHandler.execSleep() } }),
      /^\[test\/Svc\] runtime\.image: has no known CUDA version.* \(got "ghcr\.io\/acme\/srv:1\.0"\)\. Fix: state the image's CUDA version \(cudaVersion: CudaVersion\.of\(12, 8\)\), or set driverAwareScheduling: false$/],
    ['another image of a built-in runtime without its CUDA version',
      () => service({ runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.12.0' }) }),
      /^\[test\/Svc\] runtime\.image: has no known CUDA version.*\(got "vllm\/vllm-openai:v0\.12\.0"\)\. Fix: state the image's CUDA version/],
    ['a CUDA major without driver rules',
      () => service({ runtime: ModelRuntime.vllm({ cudaVersion: CudaVersion.of(10, 2) }) }),
      /^\[test\/Svc\] runtime\.cudaVersion: is not a CUDA release with known driver rules \(majors 11, 12, 13\) \(got "10\.2"\)\. Fix: give the CUDA version the image was built with/],
    ['forward compatibility on a non-data-center GPU',
      () => service({ accelerator: rtx, cudaForwardCompatibility: true }),
      /^\[test\/Svc\] cudaForwardCompatibility: forward compatibility \(cuda-compat\) works only on data-center GPUs, and RTX 4090 is not one \(got true\)\. Fix: drop cudaForwardCompatibility and run on nodes with a driver of at least 525 for CUDA 12\.8, or use a data-center accelerator$/],
    ['forward compatibility with driver-aware scheduling off',
      () => service({ driverAwareScheduling: false, cudaForwardCompatibility: true }),
      /^\[test\/Svc\] cudaForwardCompatibility: only changes driver-aware scheduling, which is off \(got true\)\. Fix: drop cudaForwardCompatibility/],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

});

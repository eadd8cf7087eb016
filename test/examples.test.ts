import { App, Chart, Testing, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { expectConformant } from './conformance';
import { ClassifierBlueGreenChart } from '../examples/classifier-blue-green';
import { ClassifierChart } from '../examples/classifier-l4-triton';
import { Llama70bAbChart } from '../examples/llama-70b-ab';
import { Llama70bCanaryChart } from '../examples/llama-70b-canary';
import { llama70bPipeline } from '../examples/llama-70b-pipeline';
import { Llama70bShadowChart } from '../examples/llama-70b-shadow';
import { Llama70bChart } from '../examples/llama-70b-vllm';
import { MigEmbeddingsChart } from '../examples/mig-embeddings';

const examples: Record<string, (scope: Construct) => Chart> = {
  'llama-70b-vllm': s => new Llama70bChart(s, 'llama-70b'),
  'classifier-l4-triton': s => new ClassifierChart(s, 'classifier'),
  'mig-embeddings': s => new MigEmbeddingsChart(s, 'embeddings'),
  'llama-70b-canary': s => new Llama70bCanaryChart(s, 'llama-70b-canary'),
  'llama-70b-shadow': s => new Llama70bShadowChart(s, 'llama-70b-shadow'),
  'llama-70b-ab': s => new Llama70bAbChart(s, 'llama-70b-ab'),
  'classifier-blue-green': s => new ClassifierBlueGreenChart(s, 'classifier-blue-green'),
};

describe.each(Object.entries(examples))('example %s', (_name, build) => {
  test('synthesizes conformant manifests (snapshot)', async () => {
    const app = new App({ outdir: '.tmp/examples' });
    build(app);
    const docs = await expectConformant(app, { sampleArgs: SAMPLE_ARGS });
    expect(docs).toMatchSnapshot();
  });
});

const SAMPLE_ARGS = { 'namespace': 'llm', 'candidate-service': 'llama-70b-canary', 'canary-hash': '6d4f8b7c9', 'stable-hash': '5c8d7e6f4' };

test('example llama-70b-pipeline synthesizes conformant manifests (snapshot)', async () => {
  const app = new App({ outdir: '.tmp/examples', yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
  const pipeline = llama70bPipeline(app);
  const docs = await expectConformant(app, { sampleArgs: SAMPLE_ARGS });
  expect(docs.filter((d: any) => d.kind === 'Application').map((d: any) => d.metadata.name)).toEqual(['llama-70b-staging', 'llama-70b-production']);
  expect(pipeline.production.rollout.gpuPlan.peakGpus).toBe(48);
  expect(pipeline.staging.rollout.gpuPlan.peakGpus).toBe(16);
  expect(docs).toMatchSnapshot();
});

test('the 70B example is TP=8 on H100 SXM with vLLM', async () => {
  const app = new App();
  const chart = new Llama70bChart(app, 'llama-70b');
  expect(chart.service.gpusPerReplica).toBe(8);
  expect(chart.service.totalGpus).toBe(16);
  expect(chart.service.accelerator.gfdProduct).toBe('NVIDIA-H100-80GB-HBM3');
});

test('the 70B canary validates one pod before traffic, then gates every traffic step on error rate, p95 latency and TTFT within its GPU budget', () => {
  const chart = new Llama70bCanaryChart(new App(), 'c');
  expect(chart.rollout.gpuPlan.peakGpus).toBe(48);
  const docs = Testing.synth(chart);
  const steps = docs.find((d: any) => d.kind === 'Rollout').spec.strategy.canary.steps;
  const firstTraffic = steps.findIndex((s: any) => s.setWeight !== undefined);
  const validation = steps.findIndex((s: any) => s.analysis?.templates[0].templateName === chart.validation.templateName);
  expect(validation).toBeGreaterThan(-1);
  expect(validation).toBeLessThan(firstTraffic);
  const templates = docs.filter((d: any) => d.kind === 'AnalysisTemplate');
  expect(templates[0].spec.metrics[0].provider.job).toBeDefined();
  expect(templates[1].spec.metrics.map((m: any) => m.name)).toEqual(['error-rate', 'error-rate-vs-stable', 'latency-p95', 'latency-p95-vs-stable', 'ttft-p95']);
});

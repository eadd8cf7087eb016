import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { expectConformant } from './conformance';
import { ClassifierChart } from '../examples/classifier-l4-triton';
import { Llama70bChart } from '../examples/llama-70b-vllm';
import { MigEmbeddingsChart } from '../examples/mig-embeddings';

const examples: Record<string, (scope: Construct) => Chart> = {
  'llama-70b-vllm': s => new Llama70bChart(s, 'llama-70b'),
  'classifier-l4-triton': s => new ClassifierChart(s, 'classifier'),
  'mig-embeddings': s => new MigEmbeddingsChart(s, 'embeddings'),
};

describe.each(Object.entries(examples))('example %s', (_name, build) => {
  test('synthesizes conformant manifests (snapshot)', async () => {
    const app = new App({ outdir: '.tmp/examples' });
    build(app);
    const docs = await expectConformant(app);
    expect(docs).toMatchSnapshot();
  });
});

test('the 70B example is TP=8 on H100 SXM with vLLM', async () => {
  const app = new App();
  const chart = new Llama70bChart(app, 'llama-70b');
  expect(chart.service.gpusPerReplica).toBe(8);
  expect(chart.service.totalGpus).toBe(16);
  expect(chart.service.accelerator.gfdProduct).toBe('NVIDIA-H100-80GB-HBM3');
});

import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ClassifierBlueGreenChart } from '../examples/classifier-blue-green';
import { ClassifierChart } from '../examples/classifier-l4-triton';
import { DeepSeekR1MultiNodeChart } from '../examples/deepseek-r1-multi-node';
import { Llama405bMultiNodeChart } from '../examples/llama-405b-multi-node';
import { Llama70bAbChart } from '../examples/llama-70b-ab';
import { Llama70bCanaryChart } from '../examples/llama-70b-canary';
import { Llama70bShadowChart } from '../examples/llama-70b-shadow';
import { Llama70bChart } from '../examples/llama-70b-vllm';
import { MigEmbeddingsChart } from '../examples/mig-embeddings';
import { SglangCanaryChart } from '../examples/sglang-canary';

/** Every single-chart example, built as `npx projen synth:examples` builds it (the pipeline is an app of its own). */
export const examples: Record<string, (scope: Construct) => Chart> = {
  'llama-70b-vllm': s => new Llama70bChart(s, 'llama-70b'),
  'classifier-l4-triton': s => new ClassifierChart(s, 'classifier'),
  'mig-embeddings': s => new MigEmbeddingsChart(s, 'embeddings'),
  'llama-70b-canary': s => new Llama70bCanaryChart(s, 'llama-70b-canary'),
  'llama-70b-shadow': s => new Llama70bShadowChart(s, 'llama-70b-shadow'),
  'llama-70b-ab': s => new Llama70bAbChart(s, 'llama-70b-ab'),
  'classifier-blue-green': s => new ClassifierBlueGreenChart(s, 'classifier-blue-green'),
  'llama-405b-multi-node': s => new Llama405bMultiNodeChart(s, 'llama-405b'),
  'deepseek-r1-multi-node': s => new DeepSeekR1MultiNodeChart(s, 'deepseek-r1'),
  'sglang-canary': s => new SglangCanaryChart(s, 'qwen-32b-canary'),
};

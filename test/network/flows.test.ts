import { App, Chart, Testing, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import { decide, flowsTo, serverPods } from './flows';
import { ClassifierBlueGreenChart } from '../../examples/classifier-blue-green';
import { ClassifierChart } from '../../examples/classifier-l4-triton';
import { Llama70bAbChart } from '../../examples/llama-70b-ab';
import { Llama70bCanaryChart } from '../../examples/llama-70b-canary';
import { llama70bPipeline } from '../../examples/llama-70b-pipeline';
import { Llama70bShadowChart } from '../../examples/llama-70b-shadow';
import { Llama70bChart } from '../../examples/llama-70b-vllm';
import { MigEmbeddingsChart } from '../../examples/mig-embeddings';

// Synthesized as test/examples.test.ts does; the flows come from the manifests, the verdicts from the evaluator.
const examples: Record<string, (scope: App) => void> = {
  'llama-70b-vllm': s => new Llama70bChart(s, 'llama-70b'),
  'classifier-l4-triton': s => new ClassifierChart(s, 'classifier'),
  'mig-embeddings': s => new MigEmbeddingsChart(s, 'embeddings'),
  'llama-70b-canary': s => new Llama70bCanaryChart(s, 'llama-70b-canary'),
  'llama-70b-shadow': s => new Llama70bShadowChart(s, 'llama-70b-shadow'),
  'llama-70b-ab': s => new Llama70bAbChart(s, 'llama-70b-ab'),
  'classifier-blue-green': s => new ClassifierBlueGreenChart(s, 'classifier-blue-green'),
  'llama-70b-pipeline': s => llama70bPipeline(s),
};

function synth(build: (app: App) => void): any[] {
  const app = new App({ outdir: '.tmp/network', yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
  build(app);
  return app.charts.flatMap((c: Chart) => Testing.synth(c));
}

/** Flow names each example must have, beyond the ones every service has: proof the derivation saw them. */
const EXPECTED_KINDS: Record<string, RegExp[]> = {
  'llama-70b-canary': [/^evaluator of llama-70b-validation/],
  'llama-70b-ab': [/^gateway inference-gateway through Service llama-70b-stable/, /^gateway inference-gateway through Service llama-70b-canary/],
  'classifier-l4-triton': [/^Prometheus to the non-metrics port http/, /^Prometheus to the non-metrics port grpc/],
  'classifier-blue-green': [/^Prometheus to the non-metrics port http/],
  'llama-70b-pipeline': [/^PreSync hook llama-70b-presync-validation \(llm\) to llama-70b\.llm-staging/, /^evaluator of llama-70b-validation/],
};

describe.each(Object.entries(examples))('flows of example %s', (name, build) => {
  const docs = synth(build);
  const pods = serverPods(docs);

  test('every server pod has a NetworkPolicy selecting it', () => {
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      expect(docs.filter(d => d.kind === 'NetworkPolicy' && d.metadata.namespace === pod.namespace).length).toBeGreaterThan(0);
    }
  });

  test('every known flow is admitted; unrelated namespaces, other pods and non-metrics ports are refused', () => {
    const flows = pods.flatMap(pod => flowsTo(docs, pod));
    for (const kind of EXPECTED_KINDS[name] ?? []) expect(flows.some(f => kind.test(f.name))).toBe(true);
    expect(flows.some(f => f.expected)).toBe(true);
    expect(flows.some(f => !f.expected)).toBe(true);
    expect(decide(docs, flows)).toEqual(flows.map(f => ({ name: f.name, admitted: f.expected })));
  });
});

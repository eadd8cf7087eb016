import { App, Chart, Testing, YamlOutputType } from 'cdk8s';
import { decide, flowsTo, serverPods } from './flows';
import { llama70bPipeline } from '../../examples/llama-70b-pipeline';
import { examples as charts } from '../example-charts';

// Synthesized as test/examples.test.ts does; the flows come from the manifests, the verdicts from the evaluator.
const examples: Record<string, (scope: App) => void> = {
  ...charts,
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
  'llama-405b-multi-node': [/^evaluator of llama-405b-stage-[0-9a-f]{10} to llama-405b-canary\.llm\.svc/, /^group peer to Ray GCS \(6379\) of worker 1/, /^group peer to an NCCL port .* of worker 0/, /^another LeaderWorkerSet's pod/],
  'deepseek-r1-multi-node': [/^group peer to Ray GCS \(6379\) of worker 0/],
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

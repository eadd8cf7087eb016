import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Yaml, YamlOutputType } from 'cdk8s';
import { ClassifierBlueGreenChart } from '../../examples/classifier-blue-green';
import { ClassifierChart } from '../../examples/classifier-l4-triton';
import { Llama70bAbChart } from '../../examples/llama-70b-ab';
import { Llama70bCanaryChart } from '../../examples/llama-70b-canary';
import { llama70bPipeline } from '../../examples/llama-70b-pipeline';
import { Llama70bShadowChart } from '../../examples/llama-70b-shadow';
import { Llama70bChart } from '../../examples/llama-70b-vllm';
import { MigEmbeddingsChart } from '../../examples/mig-embeddings';
import { FleetApp } from '../../src';
import { YamlEmitter } from '../../src/synth/yaml-emitter';

/** Every example app's constructs, built into an app. */
const examples: Record<string, (app: App) => void> = {
  'llama-70b-vllm': app => new Llama70bChart(app, 'llama-70b'),
  'classifier-l4-triton': app => new ClassifierChart(app, 'classifier'),
  'mig-embeddings': app => new MigEmbeddingsChart(app, 'embeddings'),
  'llama-70b-canary': app => new Llama70bCanaryChart(app, 'llama-70b-canary'),
  'llama-70b-shadow': app => new Llama70bShadowChart(app, 'llama-70b-shadow'),
  'llama-70b-ab': app => new Llama70bAbChart(app, 'llama-70b-ab'),
  'classifier-blue-green': app => new ClassifierBlueGreenChart(app, 'classifier-blue-green'),
};

/** The pipeline's Applications need a directory per chart, which FleetApp leaves to cdk8s's App. */
const PIPELINE_PROPS = { yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE };

/** Every file under `dir`, by name, with its content. */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

test.each([
  ...Object.entries(examples).map(([name, build]) => [name, build, {}] as const),
  ['llama-70b-pipeline', llama70bPipeline, PIPELINE_PROPS] as const,
])('example %s: every document is written as cdk8s Yaml.stringify writes it', (_name, build, props) => {
  const app = new App(props);
  build(app);
  const docs = app.node.findAll().filter(Chart.isChart).flatMap(chart => chart.toJson());
  expect(docs.length).toBeGreaterThan(0);
  const emitter = new YamlEmitter();
  for (const doc of docs) expect(emitter.stringify(doc)).toBe(Yaml.stringify(doc));
});

describe.each(Object.entries(examples))('example %s', (_name, build) => {
  test('FleetApp writes the files App writes, byte for byte', () => {
    const [a, b] = [App, FleetApp].map(AppClass => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'examples-yaml-'));
      const app = new AppClass({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
      build(app);
      app.synth();
      return files(outdir);
    });
    expect(Object.keys(b).length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, YamlOutputType } from 'cdk8s';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { Accelerator, CanaryRollout, CanaryStep, FleetApp, Gate, GpuModelService, ModelRuntime, PrometheusSettings, TrafficRouter } from '../../src';
import { expectConformant } from '../conformance';
import { hfSource } from '../serving/helpers';

/** A model service with a gated Istio canary, named after `i`. */
function model(scope: Construct, i: number): void {
  const service = new GpuModelService(scope, `Model${i}`, {
    name: `llm-${i}`, model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM, tensorParallelSize: 2,
  });
  new CanaryRollout(scope, `Canary${i}`, {
    service,
    trafficRouter: TrafficRouter.istio(),
    steps: [CanaryStep.weight(50), CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 })] }), CanaryStep.weight(100)],
  });
}

/** One chart per service, nothing between the charts. */
function perServiceCharts(app: App): void {
  for (let i = 0; i < 3; i++) {
    const chart = new Chart(app, `llm-${i}`, { namespace: 'models' });
    PrometheusSettings.configure(chart, { address: 'http://prometheus.monitoring.svc:9090' });
    model(chart, i);
  }
}

/** A chart that adds a document of its own in `toJson()`, the hook cdk8s documents. */
class ChartWithExtra extends Chart {
  public toJson(): any[] {
    return [...super.toJson(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'models' } }];
  }
}

/** Everything that orders charts and objects: dependencies across and within charts, nested charts, labels. */
function entangledCharts(app: App): void {
  const base = new Chart(app, 'base', { labels: { team: 'ml' } });
  const ns = new ApiObject(base, 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'models' } });
  const config = new ApiObject(base, 'Config', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
  config.addDependency(ns);
  const serving = new Chart(app, 'serving', { namespace: 'models' });
  model(serving, 0);
  serving.addDependency(base);
  const parent = new Chart(app, 'parent', { namespace: 'models' });
  model(new Chart(parent, 'child', { namespace: 'models' }), 1);
  new ApiObject(parent, 'Quota', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'gpus' } });
  const extra = new ChartWithExtra(app, 'extra', { namespace: 'models' });
  model(extra, 2);
  // A construct dependency across charts: the service's objects come after the other chart's.
  extra.node.findChild('Model2').node.addDependency(parent.node.findChild('Quota'));
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-app-'));

/** Every file under `dir`, by relative path. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      out[path.relative(dir, file)] = fs.readFileSync(file, 'utf8');
    }
  }
  return out;
}

function synthBoth(build: (app: App) => void, props: AppProps = {}): { cdk8s: Record<string, string>; fleet: Record<string, string> } {
  const synth = (AppClass: typeof App) => {
    const outdir = tmp();
    const app = new AppClass({ ...props, outdir });
    build(app);
    app.synth();
    const files = tree(outdir);
    fs.rmSync(outdir, { recursive: true });
    return files;
  };
  return { cdk8s: synth(App), fleet: synth(FleetApp) };
}

const outputTypes = [
  YamlOutputType.FILE_PER_CHART, YamlOutputType.FILE_PER_APP, YamlOutputType.FILE_PER_RESOURCE, YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE,
];

describe('FleetApp', () => {
  test.each(outputTypes)('writes the files App writes (yamlOutputType %s)', type => {
    for (const build of [perServiceCharts, entangledCharts]) {
      const { cdk8s, fleet } = synthBoth(build, { yamlOutputType: type });
      expect(Object.keys(fleet).length).toBeGreaterThan(0);
      expect(fleet).toEqual(cdk8s);
    }
  });

  test('numbers chart files in dependency order and keeps a chart toJson() override, as App does', () => {
    const { fleet } = synthBoth(entangledCharts);
    // serving depends on base, parent on its nested child, extra (through a construct dependency) on parent.
    expect(Object.keys(fleet)).toEqual([
      '0000-base.k8s.yaml', '0001-serving.k8s.yaml', '0002-parent-child-c83edac1.k8s.yaml', '0003-parent.k8s.yaml', '0004-extra.k8s.yaml',
    ]);
    const extra = YAML.parseAllDocuments(fleet['0004-extra.k8s.yaml']).map(d => d.toJSON());
    expect(extra.pop()).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'models' } });
    expect(extra.map(d => d.kind)).toContain('Rollout');
  });

  test('records construct metadata as App does', () => {
    const { cdk8s, fleet } = synthBoth(perServiceCharts, { recordConstructMetadata: true });
    expect(JSON.parse(fleet['construct-metadata.json']).resources['llm-0']).toBeDefined();
    expect(fleet).toEqual(cdk8s);
  });

  test('synthYaml() returns what App returns', () => {
    const yaml = (AppClass: typeof App) => {
      const app = new AppClass({ outdir: tmp() });
      entangledCharts(app);
      return app.synthYaml();
    };
    expect(yaml(FleetApp)).toEqual(yaml(App));
  });

  test('runs each validation once per synth, whatever the number of charts', () => {
    const calls = { cdk8s: 0, fleet: 0 };
    const count = (AppClass: typeof App, key: keyof typeof calls) => {
      const app = new AppClass({ outdir: tmp() });
      perServiceCharts(app);
      for (const chart of app.charts) chart.node.addValidation({ validate: () => (calls[key]++, []) });
      app.synth();
    };
    count(FleetApp, 'fleet');
    count(App, 'cdk8s');
    // Three charts, three validations: App runs all of them again for every chart it renders.
    expect(calls.fleet).toBe(3);
    expect(calls.cdk8s).toBe(3 * (1 + 3));
  });

  test('fails on validation errors with App\'s message', () => {
    const message = (AppClass: typeof App) => {
      const app = new AppClass({ outdir: tmp() });
      new Chart(app, 'c').node.addValidation({ validate: () => ['broken'] });
      try {
        app.synth();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(message(FleetApp)).toBe('Validation failed with the following errors:\n  [c] broken');
    expect(message(FleetApp)).toBe(message(App));
  });

  test('synthesizes conformant manifests of model services, one file per chart', async () => {
    const outdir = tmp();
    const app = new FleetApp({ outdir });
    perServiceCharts(app);
    app.synth();
    const files = tree(outdir);
    expect(Object.keys(files)).toEqual(['llm-0.k8s.yaml', 'llm-1.k8s.yaml', 'llm-2.k8s.yaml']);
    const docs = Object.values(files).flatMap(text => YAML.parseAllDocuments(text).map(d => d.toJSON()));
    await expectConformant(docs);
    expect(docs.filter(d => d.kind === 'Rollout').map(d => d.metadata.name)).toEqual(['llm-0', 'llm-1', 'llm-2']);
    expect(docs.filter(d => d.kind === 'AnalysisTemplate').map(d => d.metadata.namespace)).toEqual(['models', 'models', 'models']);
  });
});

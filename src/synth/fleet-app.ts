import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, DependencyGraph, Names, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';
import { YamlEmitter } from './yaml-emitter';

/**
 * Characters of YAML gathered before a write: few system calls, and short-lived enough that the pieces are
 * collected young instead of being promoted (which made every major GC of a large app slower).
 */
const WRITE_CHUNK = 2 ** 16;

/**
 * An `App` for fleets of model services: it writes the same files as `App`, in time and memory that grow
 * linearly with the app, whatever the chart layout.
 *
 * cdk8s 2.x `App.synth()` renders each chart through `Chart.toJson()`, which resolves the dependencies and
 * runs the validations of the whole app again, so an app with one chart per service synthesizes in time
 * quadratic in the number of services. FleetApp validates and resolves dependencies once per synth, renders
 * each chart from that pass, and writes every document to its file as soon as it is rendered, so the JSON of
 * the whole app is never held at once. The YAML is byte-identical to cdk8s `Yaml.stringify()`'s, written by an
 * emitter that leaves to the `yaml` package only the strings and documents that need its rules.
 *
 * A chart class that overrides `toJson()` is still rendered through its override, at cdk8s's cost for that chart.
 * `YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE`, which cdk8s already renders object by object, is left to `App`.
 * @see https://cdk8s.io/docs/latest/basics/app/
 */
export class FleetApp extends App {
  private readonly recordMetadata: boolean;

  constructor(props: AppProps = {}) {
    super(props);
    // App keeps its copy private; read it the way App does.
    this.recordMetadata = props.recordConstructMetadata ?? process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
  }

  /** Synthesizes all manifests to the output directory: the files `App.synth()` writes. */
  public synth(): void {
    if (this.yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE) {
      super.synth();
      return;
    }
    fs.mkdirSync(this.outdir, { recursive: true });
    const plan = this.prepare();
    const emitter = new YamlEmitter();
    const file = (name: string) => path.join(this.outdir, name + this.outputFileExtension);
    switch (this.yamlOutputType) {
      case YamlOutputType.FILE_PER_APP:
        if (plan.charts.length > 0) saveYaml(emitter, file('app'), documents(plan, plan.charts));
        break;
      case YamlOutputType.FILE_PER_CHART:
        plan.charts.forEach((chart, i) => {
          // Like App: charts that depend on each other get files numbered in dependency order.
          const name = plan.numbered ? `${String(i).padStart(4, '0')}-${Names.toDnsLabel(chart)}` : Names.toDnsLabel(chart);
          saveYaml(emitter, file(name), documents(plan, [chart]));
        });
        break;
      case YamlOutputType.FILE_PER_RESOURCE:
        for (const doc of documents(plan, plan.charts)) {
          if (doc !== undefined) fs.writeFileSync(file(`${doc.kind}.${doc.metadata.name}`.replace(/[^0-9a-zA-Z-_.]/g, '')), emitter.stringify(doc));
        }
        break;
    }
    if (this.recordMetadata) {
      const resources: Record<string, { path: string }> = {};
      for (const obj of plan.charts.flatMap(plan.objectsOf)) resources[obj.name] = { path: obj.node.path };
      fs.writeFileSync(path.join(this.outdir, 'construct-metadata.json'), JSON.stringify({ version: '1.0.0', resources }));
    }
  }

  /** Synthesizes the app into one YAML string, as `App.synthYaml()` does. */
  public synthYaml(): string {
    const plan = this.prepare();
    const emitter = new YamlEmitter();
    return Array.from(documents(plan, plan.charts), doc => emitter.stringify(doc)).join('---\n');
  }

  /**
   * What App does before rendering, once for the whole app: run every validation, then turn construct
   * dependencies into chart and API object dependencies, then order charts and objects by them.
   */
  private prepare(): SynthPlan {
    const all = this.node.findAll();
    const errors = all.flatMap(c => c.node.validate().map(e => `[${c.node.path}] ${e}`));
    if (errors.length > 0) {
      throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
    }
    let numbered = false;
    for (const parent of all.filter(Chart.isChart)) {
      for (const child of parent.node.children.filter(Chart.isChart)) {
        parent.node.addDependency(child);
        numbered = true;
      }
    }
    // Read twice, as App does: the second pass also spreads the chart dependencies just added to their objects.
    const edges = () => all.flatMap(source => source.node.dependencies.map(target => ({ source, target })));
    for (const { source, target } of edges()) {
      const from = Chart.of(source);
      const to = Chart.of(target);
      if (from !== to) {
        from.node.addDependency(to);
        numbered = true;
      }
    }
    const subtrees = new Map<IConstruct, ApiObject[]>();
    const objectsUnder = (c: IConstruct) => {
      if (!subtrees.has(c)) {
        const chart = Chart.of(c);
        subtrees.set(c, c.node.findAll().filter(ApiObject.isApiObject).filter(o => Chart.of(o) === chart));
      }
      return subtrees.get(c)!;
    };
    const resolved = edges();
    for (const { source, target } of resolved) {
      for (const t of objectsUnder(target)) {
        for (const s of objectsUnder(source)) {
          if (t !== s) s.node.addDependency(t);
        }
      }
    }
    // With no dependency at all, the dependency order is the tree order: no graph keyed by every construct's path.
    const ordered = (scope: IConstruct) => (resolved.length > 0 ? new DependencyGraph(scope.node).topology() : scope.node.findAll());
    return {
      charts: ordered(this).filter(Chart.isChart),
      numbered,
      objectsOf: chart => ordered(chart).filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart),
    };
  }
}

/** The charts in dependency order and how to list each chart's objects. */
interface SynthPlan {
  readonly charts: Chart[];
  /** Whether charts depend on each other (then App numbers the files). */
  readonly numbered: boolean;
  /** The API objects a chart renders, in dependency order: its own, not those of nested charts. */
  readonly objectsOf: (chart: Chart) => ApiObject[];
}

/**
 * The documents of the charts, each rendered when it is read; without the whole-app pass of `Chart.toJson()`
 * unless a chart overrides it.
 */
function* documents(plan: SynthPlan, charts: Chart[]): Generator<any> {
  for (const chart of charts) {
    if (chart.toJson !== Chart.prototype.toJson) {
      yield* chart.toJson();
    } else {
      for (const obj of plan.objectsOf(chart)) yield obj.toJson();
    }
  }
}

/** Writes documents to a file in the format of cdk8s `Yaml.save()`, a chunk at a time. */
function saveYaml(emitter: YamlEmitter, file: string, docs: Iterable<any>): void {
  const fd = fs.openSync(file, 'w');
  try {
    let chunk = '';
    let first = true;
    for (const doc of docs) {
      chunk += (first ? '' : '---\n') + emitter.stringify(doc);
      first = false;
      if (chunk.length >= WRITE_CHUNK) {
        fs.writeSync(fd, chunk);
        chunk = '';
      }
    }
    fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
}

// One measurement in a fresh process, so that peak RSS and GC state belong to this run alone. The job comes as
// JSON in argv[2]; the result is printed as one JSON line. Run by bench/run.ts, never by hand.
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { buildFleet, Layout } from './fleet';
import { FleetApp } from '../src';

/** What is measured. */
export enum Mode {
  /** The library: build the fleet's constructs, then synth to YAML files (what `cdk8s synth` runs). */
  LIBRARY = 'library',
  /** The same documents as raw cdk8s ApiObjects in the same charts, through the same synth. */
  RAW = 'raw',
  /** The same documents as plain objects: `yaml` stringify and one file per chart, nothing else. */
  FLOOR = 'floor',
}

/** The cdk8s App class that synthesizes. */
export enum AppKind {
  FLEET = 'FleetApp',
  CDK8S = 'App',
}

export interface Job {
  readonly mode: Mode;
  readonly app: AppKind;
  readonly layout: Layout;
  readonly n: number;
  readonly outdir: string;
  /** The reference documents (raw and floor): a JSON array of ChartDocs. */
  readonly docs?: string;
}

/** One output file of the reference run and its documents. */
export interface ChartDocs {
  readonly chart: string;
  readonly file: string;
  readonly docs: any[];
}

export interface Measurement {
  /** Wall time of the measured work, ms. */
  readonly ms: number;
  /** Of which building the constructs (library, raw), ms. */
  readonly buildMs: number;
  /** CPU time (user + system, all threads) of the measured work, ms: less sensitive to other load than wall time. */
  readonly cpuMs: number;
  /** Peak resident set size of the process, KiB. */
  readonly maxRssKiB: number;
}

/** The options cdk8s `Yaml.stringify()` uses, so that the floor writes the same bytes. */
const CDK8S_YAML: YAML.DocumentOptions & YAML.CreateNodeOptions & YAML.ToStringOptions = { keepUndefined: true, lineWidth: 0, version: '1.1' };

function run(job: Job): Measurement {
  // Reading the input is not measured. The floor serializes documents it is given, so they are parsed before the
  // clock starts; the raw run, like the library, builds its objects inside it (parsing them is the cheapest way):
  // building a fleet's objects puts some 250 MB in the heap at N=1000, and on a VM the page faults of that alone
  // cost seconds, which a reference whose documents were parsed in advance would not pay.
  const text = job.docs ? fs.readFileSync(job.docs, 'utf8') : undefined;
  let input: ChartDocs[] = text !== undefined && job.mode === Mode.FLOOR ? JSON.parse(text) : [];
  (globalThis as any).gc?.();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let built = start;
  if (job.mode === Mode.FLOOR) {
    fs.mkdirSync(job.outdir, { recursive: true });
    for (const c of input) {
      fs.writeFileSync(path.join(job.outdir, c.file), c.docs.map(d => YAML.stringify(d, CDK8S_YAML)).join('---\n'));
    }
  } else {
    const app = new (job.app === AppKind.FLEET ? FleetApp : App)({ outdir: job.outdir });
    if (job.mode === Mode.LIBRARY) {
      buildFleet(app, job.n, job.layout);
    } else {
      input = JSON.parse(text!);
      // Ids as distinct across charts as the library's: that is what the unique-ids layout measures.
      const id = (chart: string, i: number) => (job.layout === Layout.PER_SERVICE_UNIQUE_IDS ? `${chart}-${i}` : `Object${i}`);
      for (const c of input) {
        const chart = new Chart(app, c.chart);
        c.docs.forEach((doc, i) => new ApiObject(chart, id(c.chart, i), doc));
      }
    }
    built = performance.now();
    app.synth();
  }
  const end = performance.now();
  const { user, system } = process.cpuUsage(cpu);
  return { ms: end - start, buildMs: built - start, cpuMs: (user + system) / 1000, maxRssKiB: process.resourceUsage().maxRSS };
}

if (require.main === module) {
  process.stdout.write(`${JSON.stringify(run(JSON.parse(process.argv[2])))}\n`);
}

// One measurement in a fresh process, so that peak RSS and GC state belong to this run alone. The job comes as
// JSON in argv[2]; the result is printed as one JSON line. Run by bench/run.ts, never by hand.
import { spawn } from 'child_process';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import type { Fleet, Layout } from './fleet';

/** What is measured. */
export enum Mode {
  /** The library: load it, build the fleet's constructs, then synth to YAML files (what `cdk8s synth` runs). */
  LIBRARY = 'library',
  /** `helm template` of a chart made from the library's output (bench/helm.ts), to one file. */
  HELM = 'helm',
  /** The same documents as raw cdk8s ApiObjects in the same charts, through the same synth. */
  RAW = 'raw',
  /** The true floor: the same documents, given as plain objects, written with `JSON.stringify`, a file per chart. */
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
  readonly fleet: Fleet;
  readonly layout: Layout;
  readonly n: number;
  readonly outdir: string;
  /** The reference documents (raw and floor): a JSON array of ChartDocs. */
  readonly docs?: string;
  /** `helm template`'s binary, chart directory and values file (helm). */
  readonly helm?: { readonly binary: string; readonly chart: string; readonly values: string; readonly home: string };
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
  /** Of which loading the library and building the constructs (library, raw), ms. */
  readonly buildMs: number;
  /** CPU time (user + system, all threads) of the measured work, ms: less sensitive to other load than wall time. */
  readonly cpuMs: number;
  /** Peak resident set size of the process (of helm, for helm), KiB. */
  readonly maxRssKiB: number;
}

/** The CPU time of this process's waited-for children, ms (Linux: /proc/self/stat cutime + cstime, in ticks of 10 ms). */
function childrenCpuMs(): number {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // Fields 16 and 17 of proc(5), counted from the state (field 3) at index 0.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Runs `helm template`, writing its output to a file, sampling its peak RSS (VmHWM) until it exits. */
async function helmTemplate(job: Job): Promise<Measurement> {
  const helm = job.helm!;
  fs.mkdirSync(job.outdir, { recursive: true });
  const out = fs.openSync(path.join(job.outdir, 'helm.yaml'), 'w');
  const env = { ...process.env, HELM_CACHE_HOME: helm.home, HELM_CONFIG_HOME: helm.home, HELM_DATA_HOME: helm.home };
  const cpu = childrenCpuMs();
  const start = performance.now();
  const child = spawn(helm.binary, ['template', 'fleet', helm.chart, '--values', helm.values], { stdio: ['ignore', out, 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', d => (stderr += d));
  let hwmKiB = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
    } catch {
      // Gone already: the last sample stands.
    }
  };
  const timer = setInterval(sample, 20);
  const code = await new Promise<number | null>(resolve => child.on('exit', c => {
    sample();
    resolve(c);
  }));
  clearInterval(timer);
  const end = performance.now();
  fs.closeSync(out);
  if (code !== 0) throw new Error(`helm template failed (${code}): ${stderr}`);
  return { ms: end - start, buildMs: 0, cpuMs: childrenCpuMs() - cpu, maxRssKiB: hwmKiB };
}

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
    for (const c of input) fs.writeFileSync(path.join(job.outdir, c.file), c.docs.map(d => JSON.stringify(d)).join('\n'));
  } else {
    // The library's modules load inside the clock, as they do in every `cdk8s synth`.
    const load = createRequire(__filename);
    const { ApiObject, App, Chart } = load('cdk8s') as typeof import('cdk8s');
    const { FleetApp } = load('../src') as typeof import('../src');
    const fleet = load('./fleet') as typeof import('./fleet');
    const app = new (job.app === AppKind.FLEET ? FleetApp : App)({ outdir: job.outdir });
    if (job.mode === Mode.LIBRARY) {
      fleet.buildFleet(app, job.n, job.layout, job.fleet);
    } else {
      input = JSON.parse(text!);
      // Ids as distinct across charts as the library's: that is what the unique-ids layout measures.
      const id = (chart: string, i: number) => (job.layout === fleet.Layout.PER_SERVICE_UNIQUE_IDS ? `${chart}-${i}` : `Object${i}`);
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
  const job: Job = JSON.parse(process.argv[2]);
  void (job.mode === Mode.HELM ? helmTemplate(job) : Promise.resolve(run(job))).then(m => process.stdout.write(`${JSON.stringify(m)}\n`));
}

// The fleet benchmark: synthesizes N model services with the library and renders the same documents with
// `helm template` (a chart made from the library's output, bench/helm.ts) and with JSON.stringify (the floor),
// each run in a fresh process; prints a markdown table, writes JSON.
// Usage: npx projen bench [--n 100,1000,2000] [--runs 5] [--layouts single,per-service] [--fleets uniform,varied]
//        [--modes library,helm,floor(,raw)] [--app-max-n 100] [--reference-max-n 1000] [--json dist/bench/results.json]
//        [--results bench/RESULTS.md] [--note "..."]
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { Fleet, Layout, serviceChartName } from './fleet';
import { HelmChart, helmBinary, multisetDifference, parseDocuments, writeHelmChart } from './helm';
import { AppKind, ChartDocs, Job, Measurement, Mode } from './worker';

/** The targets of issue 22, on CPU time, checked at these sizes. */
const TARGETS = { atN: 1000, libraryPerHelm: 0.7, growth: 2.1, growthFrom: 1000, growthTo: 2000, rssMiB: 400 };
const EXTENSION = '.k8s.yaml';
/** Where `helm` is extracted once, and the charts are written. */
const CACHE = path.join('.tmp', 'bench-cache');

interface Options {
  readonly ns: number[];
  readonly runs: number;
  readonly layouts: Layout[];
  readonly fleets: Fleet[];
  /** The references measured besides the library. */
  readonly modes: Mode[];
  /** Largest N also measured with plain cdk8s `App` (one run; its output must be the library's, byte for byte). */
  readonly appMaxN: number;
  /** Largest N measured with the references as well (the growth target concerns the library alone). */
  readonly referenceMaxN: number;
  readonly json: string;
  readonly results?: string;
  readonly note?: string;
}

/** Medians over the runs of one mode at one size. */
interface Summary {
  readonly seconds: number;
  readonly buildSeconds: number;
  readonly cpuSeconds: number;
  /** The largest peak RSS of the runs, MiB. */
  readonly rssMiB: number;
  /** CPU seconds of every run, in order. */
  readonly runs: number[];
}

interface Row {
  readonly fleet: Fleet;
  readonly layout: Layout;
  readonly n: number;
  readonly files: number;
  readonly docs: number;
  readonly bytes: number;
  readonly library: Summary;
  /** The references, when measured at this N (helm's is the same run for every layout of a fleet). */
  readonly helm?: Summary;
  readonly floor?: Summary;
  readonly raw?: Summary;
  /** The library synthesized by plain cdk8s `App`, when measured. */
  readonly cdk8sApp?: Summary;
}

function parseArgs(argv: string[]): Options {
  const flags = new Map<string, string>();
  // `npx projen bench -- --n 1000` passes the `--` on; `--n=1000` is accepted too.
  const args = argv.filter(a => a !== '--').flatMap(a => (a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a]));
  for (let i = 0; i < args.length; i += 2) {
    if (!args[i].startsWith('--') || args[i + 1] === undefined) throw new Error(`bad argument ${args[i]}: expected --flag value (see bench/run.ts)`);
    flags.set(args[i].slice(2), args[i + 1]);
  }
  const known = ['n', 'runs', 'layouts', 'fleets', 'modes', 'app-max-n', 'reference-max-n', 'json', 'results', 'note'];
  for (const f of flags.keys()) if (!known.includes(f)) throw new Error(`unknown flag --${f}: use ${known.map(k => `--${k}`).join(', ')}`);
  const list = (name: string, fallback: string) => (flags.get(name) ?? fallback).split(',').map(s => s.trim()).filter(Boolean);
  const oneOf = <T extends string>(name: string, all: T[], fallback: T[]): T[] => {
    const values = list(name, fallback.join(',')) as T[];
    for (const v of values) if (!all.includes(v)) throw new Error(`unknown --${name} value ${v}: use ${all.join(', ')}`);
    return values;
  };
  const options = {
    ns: list('n', '100,1000,2000').map(Number),
    runs: Number(flags.get('runs') ?? 5),
    layouts: oneOf('layouts', Object.values(Layout), [Layout.SINGLE, Layout.PER_SERVICE]),
    fleets: oneOf('fleets', Object.values(Fleet), [Fleet.UNIFORM, Fleet.VARIED]),
    modes: [Mode.LIBRARY, ...oneOf('modes', Object.values(Mode), [Mode.LIBRARY, Mode.HELM, Mode.FLOOR]).filter(m => m !== Mode.LIBRARY)],
    appMaxN: Number(flags.get('app-max-n') ?? 100),
    referenceMaxN: Number(flags.get('reference-max-n') ?? 1000),
    json: flags.get('json') ?? 'dist/bench/results.json',
    results: flags.get('results'),
    note: flags.get('note'),
  };
  if (options.ns.some(n => !Number.isInteger(n) || n < 1) || !Number.isInteger(options.runs) || options.runs < 1) {
    throw new Error('--n takes whole numbers >= 1, --runs a whole number >= 1');
  }
  return options;
}

function measure(job: Job): Measurement {
  const child = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, 'worker.js'), JSON.stringify(job)], {
    encoding: 'utf8', maxBuffer: 64 * 2 ** 20,
  });
  if (child.status !== 0) throw new Error(`${job.mode} N=${job.n} ${job.fleet} ${job.layout} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

/** The YAML files of an output directory, by name. */
function outputFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter(f => f.endsWith(EXTENSION)).sort();
}

/** A digest of every file's name and content in a directory: equal digests, identical output. */
function digest(dir: string): string {
  const hash = createHash('sha256');
  for (const f of fs.readdirSync(dir).sort()) hash.update(`${f}\0`).update(fs.readFileSync(path.join(dir, f))).update('\0');
  return hash.digest('hex');
}

interface Output {
  readonly files: number;
  readonly docs: number;
  readonly bytes: number;
  /** The documents, per chart file, parsed back (when asked for). */
  readonly charts?: ChartDocs[];
}

/**
 * The files, documents and bytes of an output directory; with `parse`, also its documents parsed back, each file
 * checked to be what cdk8s `Yaml.stringify` writes for them (the emitter's output, byte for byte).
 */
function readOutput(dir: string, parse: boolean): Output {
  let docs = 0;
  let bytes = 0;
  const charts: ChartDocs[] = [];
  const files = outputFiles(dir);
  for (const file of files) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    bytes += Buffer.byteLength(text);
    // Every document is a block mapping, so a line that is just `---` can only be a document separator.
    const count = text.length === 0 ? 0 : text.split('\n---\n').length;
    docs += count;
    if (parse) {
      const parsed = parseDocuments(text);
      if (parsed.length !== count) throw new Error(`${file}: ${parsed.length} documents parsed, ${count} separated`);
      if (Yaml.stringify(...parsed) !== text) throw new Error(`${file}: not what cdk8s Yaml.stringify writes for its documents`);
      charts.push({ chart: file.slice(0, -EXTENSION.length), file, docs: parsed });
    }
  }
  return { files: files.length, docs, bytes, charts: parse ? charts : undefined };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function summarize(ms: Measurement[]): Summary {
  return {
    seconds: median(ms.map(m => m.ms)) / 1000,
    buildSeconds: median(ms.map(m => m.buildMs)) / 1000,
    cpuSeconds: median(ms.map(m => m.cpuMs)) / 1000,
    rssMiB: Math.max(...ms.map(m => m.maxRssKiB)) / 1024,
    runs: ms.map(m => Math.round(m.cpuMs) / 1000),
  };
}

/** One size of one layout of one fleet: the library's output and what every run must reproduce. */
interface Reference {
  readonly fleet: Fleet;
  readonly layout: Layout;
  readonly n: number;
  /** The parsed documents, for the raw and floor runs. */
  readonly docsFile: string;
  readonly digest: string;
  readonly output: Output;
}

/** The library's output, parsed, when the references are measured at this size. */
function reference(options: Options, fleet: Fleet, layout: Layout, n: number, tmp: string): Reference {
  const outdir = path.join(tmp, `reference-${fleet}-${layout}-${n}`);
  measure({ mode: Mode.LIBRARY, app: AppKind.FLEET, fleet, layout, n, outdir });
  const output = readOutput(outdir, n <= options.referenceMaxN);
  const docsFile = path.join(tmp, `docs-${fleet}-${layout}-${n}.json`);
  if (output.charts) fs.writeFileSync(docsFile, JSON.stringify(output.charts));
  const ref = { fleet, layout, n, docsFile, digest: digest(outdir), output };
  fs.rmSync(outdir, { recursive: true });
  log(`  reference ${fleet} ${layout} N=${n}: ${output.docs} documents${output.charts ? ', each file what Yaml.stringify writes' : ''}`);
  return ref;
}

/** The Helm reference of one fleet at one size: its chart and the digest of the output every run must reproduce. */
interface HelmReference {
  readonly fleet: Fleet;
  readonly n: number;
  readonly chart: HelmChart;
  readonly job: Job;
  readonly digest: string;
}

/**
 * A chart from the library's output of one chart per model (made here if that layout is not measured), rendered
 * once with `helm template`, whose documents must be those of every layout of the library, as multisets.
 */
function helmReference(options: Options, refs: Reference[], fleet: Fleet, n: number, binary: string, tmp: string): HelmReference {
  const same = refs.filter(r => r.fleet === fleet && r.n === n);
  const perService = same.find(r => r.layout === Layout.PER_SERVICE) ?? reference(options, fleet, Layout.PER_SERVICE, n, tmp);
  const byChart = new Map(perService.output.charts!.map(c => [c.chart, c.docs]));
  const models = Array.from({ length: n }, (_, i) => byChart.get(serviceChartName(i))!);
  const chart = writeHelmChart(models, path.join(tmp, `chart-${fleet}-${n}`));
  const outdir = path.join(tmp, `helm-${fleet}-${n}`);
  const helm = { binary, chart: chart.dir, values: chart.values, home: path.join(tmp, 'helm-home') };
  const job: Job = { mode: Mode.HELM, app: AppKind.FLEET, fleet, layout: Layout.PER_SERVICE, n, outdir, helm };
  measure(job);
  const rendered = parseDocuments(fs.readFileSync(path.join(outdir, 'helm.yaml'), 'utf8'));
  for (const r of [perService, ...same.filter(s => s !== perService)]) {
    const difference = multisetDifference(r.output.charts!.flatMap(c => c.docs), rendered);
    if (difference) throw new Error(`helm template and the library (${fleet}, ${r.layout}, N=${n}) differ: ${difference}`);
  }
  log(`  helm chart ${fleet} N=${n}: ${chart.templates} template(s), ${chart.valuesPerModel} values per model; same documents as the library`);
  const helmDigest = digest(outdir);
  fs.rmSync(outdir, { recursive: true });
  return { fleet, n, chart, job, digest: helmDigest };
}

function runOnce(ref: Reference, mode: Mode, app: AppKind, tmp: string): Measurement {
  const outdir = path.join(tmp, `${mode}-${app}`);
  const m = measure({ mode, app, fleet: ref.fleet, layout: ref.layout, n: ref.n, outdir, docs: mode === Mode.LIBRARY ? undefined : ref.docsFile });
  const got = digest(outdir);
  fs.rmSync(outdir, { recursive: true });
  // The floor writes JSON: the same documents, other bytes.
  if (mode !== Mode.FLOOR && got !== ref.digest) throw new Error(`${mode} (${app}) N=${ref.n} ${ref.fleet} ${ref.layout}: output differs from the library's`);
  log(`  ${ref.fleet} ${ref.layout} N=${ref.n} ${mode}${app === AppKind.CDK8S ? ' (cdk8s App)' : ''}: ${(m.cpuMs / 1000).toFixed(2)} s CPU, ${(m.ms / 1000).toFixed(2)} s, ${(m.maxRssKiB / 1024).toFixed(0)} MiB`);
  return m;
}

function runHelm(ref: HelmReference): Measurement {
  const m = measure(ref.job);
  const got = digest(ref.job.outdir);
  fs.rmSync(ref.job.outdir, { recursive: true });
  if (got !== ref.digest) throw new Error(`helm N=${ref.n} ${ref.fleet}: output differs from the checked one`);
  log(`  ${ref.fleet} N=${ref.n} helm: ${(m.cpuMs / 1000).toFixed(2)} s CPU, ${(m.ms / 1000).toFixed(2)} s, ${(m.maxRssKiB / 1024).toFixed(0)} MiB`);
  return m;
}

/** One measurement to repeat every round and where its results go. */
interface Unit {
  readonly run: () => Measurement;
  readonly results: Measurement[];
}

/**
 * Every mode at every size of every layout and fleet, round after round: machine speed drifts over minutes, and
 * interleaving makes the drift hit them alike. Every other round runs in reverse order, so that a steady drift
 * speeds up or slows down the small and the large sizes alike in the medians.
 */
function measureAll(options: Options, tmp: string): Row[] {
  const refs = options.fleets.flatMap(fleet => options.layouts.flatMap(layout => options.ns.map(n => reference(options, fleet, layout, n, tmp))));
  const withHelm = options.modes.includes(Mode.HELM);
  const binary = withHelm ? helmBinary(CACHE) : '';
  const helmNs = options.ns.filter(n => n <= options.referenceMaxN);
  const helmRefs = withHelm ? options.fleets.flatMap(fleet => helmNs.map(n => helmReference(options, refs, fleet, n, binary, tmp))) : [];
  // The parsed documents are on disk for the runs that need them: not kept in this process's heap.
  for (const ref of refs) delete (ref.output as { charts?: ChartDocs[] }).charts;
  const units = new Map<string, Unit>();
  for (const ref of refs) {
    for (const mode of ref.n <= options.referenceMaxN ? options.modes.filter(m => m !== Mode.HELM) : [Mode.LIBRARY]) {
      units.set(`${ref.fleet} ${ref.layout} ${ref.n} ${mode}`, { run: () => runOnce(ref, mode, AppKind.FLEET, tmp), results: [] });
    }
    const h = helmRefs.find(x => x.fleet === ref.fleet && x.n === ref.n);
    if (h && !units.has(`${h.fleet} ${h.n} helm`)) units.set(`${h.fleet} ${h.n} helm`, { run: () => runHelm(h), results: [] });
  }
  const order = [...units.values()];
  for (let r = 0; r < options.runs; r++) {
    for (const unit of r % 2 === 0 ? order : [...order].reverse()) unit.results.push(unit.run());
  }
  const summary = (key: string) => (units.get(key)?.results.length ? summarize(units.get(key)!.results) : undefined);
  return refs.map(ref => {
    const cdk8sApp = ref.n <= options.appMaxN ? summarize([runOnce(ref, Mode.LIBRARY, AppKind.CDK8S, tmp)]) : undefined;
    fs.rmSync(ref.docsFile, { force: true });
    const at = `${ref.fleet} ${ref.layout} ${ref.n}`;
    return {
      fleet: ref.fleet,
      layout: ref.layout,
      n: ref.n,
      files: ref.output.files,
      docs: ref.output.docs,
      bytes: ref.output.bytes,
      library: summary(`${at} ${Mode.LIBRARY}`)!,
      helm: summary(`${ref.fleet} ${ref.n} helm`),
      floor: summary(`${at} ${Mode.FLOOR}`),
      raw: summary(`${at} ${Mode.RAW}`),
      cdk8sApp,
    };
  });
}

interface Check {
  readonly what: string;
  readonly value: string;
  readonly ok: boolean;
}

function find(rows: Row[], fleet: Fleet, layout: Layout, n: number): Row | undefined {
  return rows.find(r => r.fleet === fleet && r.layout === layout && r.n === n);
}

/** t(growthTo)/t(growthFrom) of the library, CPU time or wall time. */
function growth(rows: Row[], fleet: Fleet, layout: Layout, cpu: boolean): number | undefined {
  const a = find(rows, fleet, layout, TARGETS.growthFrom)?.library;
  const b = find(rows, fleet, layout, TARGETS.growthTo)?.library;
  return a && b ? (cpu ? b.cpuSeconds / a.cpuSeconds : b.seconds / a.seconds) : undefined;
}

function checks(rows: Row[], options: Options): Check[] {
  return options.fleets.flatMap(fleet => options.layouts.flatMap(layout => {
    const at = find(rows, fleet, layout, TARGETS.atN);
    const name = `${fleet} ${layout}`;
    const out: Check[] = [];
    if (at?.helm) {
      const cpu = at.library.cpuSeconds / at.helm.cpuSeconds;
      const value = `library/helm ${cpu.toFixed(2)} (CPU time; wall time ${(at.library.seconds / at.helm.seconds).toFixed(2)})`;
      out.push({ what: `${name}: library/helm at N=${TARGETS.atN} <= ${TARGETS.libraryPerHelm}`, value, ok: cpu <= TARGETS.libraryPerHelm });
    }
    if (at) {
      out.push({ what: `${name}: library peak RSS at N=${TARGETS.atN} <= ${TARGETS.rssMiB} MiB`, value: `${at.library.rssMiB.toFixed(0)} MiB`, ok: at.library.rssMiB <= TARGETS.rssMiB });
    }
    const g = growth(rows, fleet, layout, true);
    if (g !== undefined) {
      const value = `${g.toFixed(2)} (CPU time; wall time ${growth(rows, fleet, layout, false)!.toFixed(2)})`;
      out.push({ what: `${name}: library t(${TARGETS.growthTo})/t(${TARGETS.growthFrom}) <= ${TARGETS.growth}`, value, ok: g <= TARGETS.growth });
    }
    return out;
  }));
}

function table(rows: Row[]): string {
  const cpu = (x?: Summary) => (x ? x.cpuSeconds.toFixed(2) : '-');
  const wall = (x?: Summary) => (x ? x.seconds.toFixed(2) : '-');
  const rss = (x?: Summary) => (x ? x.rssMiB.toFixed(0) : '-');
  const ratio = (a: number, b: number | undefined) => (b === undefined ? '-' : (a / b).toFixed(2));
  const hasRaw = rows.some(r => r.raw);
  const lines = [
    '| fleet | layout | N | docs | output MB | CPU s library | CPU s helm | CPU s floor | **library/helm CPU** | library/floor CPU '
      + `| ms/model CPU | wall s library (build) | wall s helm | library/helm wall | peak RSS MiB library / helm |${hasRaw ? ' CPU s raw |' : ''} cdk8s App s |`,
    `|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|${hasRaw ? '--:|' : ''}--:|`,
    ...rows.map(r => `| ${r.fleet} | ${r.layout} | ${r.n} | ${r.docs} | ${(r.bytes / 1e6).toFixed(1)} `
      + `| ${cpu(r.library)} | ${cpu(r.helm)} | ${cpu(r.floor)} | **${ratio(r.library.cpuSeconds, r.helm?.cpuSeconds)}** | ${ratio(r.library.cpuSeconds, r.floor?.cpuSeconds)} `
      + `| ${(r.library.cpuSeconds * 1000 / r.n).toFixed(1)} | ${wall(r.library)} (${r.library.buildSeconds.toFixed(2)}) | ${wall(r.helm)} | ${ratio(r.library.seconds, r.helm?.seconds)} `
      + `| ${rss(r.library)} / ${rss(r.helm)} |${hasRaw ? ` ${cpu(r.raw)} |` : ''} ${wall(r.cdk8sApp)} |`),
  ];
  const pairs = [...new Set(rows.map(r => `${r.fleet}\0${r.layout}`))].map(k => k.split('\0') as [Fleet, Layout]);
  const growthLines = pairs.map(([f, l]) => `| ${f} | ${l} | ${growth(rows, f, l, true)?.toFixed(2) ?? '-'} | ${growth(rows, f, l, false)?.toFixed(2) ?? '-'} |`);
  const runLines = rows.map(r => `| ${r.fleet} | ${r.layout} | ${r.n} | ${r.library.runs.map(x => x.toFixed(2)).join(', ')} | ${r.helm?.runs.map(x => x.toFixed(2)).join(', ') ?? '-'} |`);
  return [
    ...lines, '',
    `Growth of the library, t(${TARGETS.growthTo})/t(${TARGETS.growthFrom}) (2.00 is linear):`, '',
    '| fleet | layout | CPU time | wall time |', '|---|---|--:|--:|', ...growthLines, '',
    'CPU s of every run, round by round (the second, fourth, ... rounds ran in reverse order; helm is one run per fleet and N):', '',
    '| fleet | layout | N | library | helm |', '|---|---|--:|---|---|', ...runLines,
  ].join('\n');
}

function machine() {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    commit: `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? ' (with uncommitted changes)' : ''}`,
    cpu: cpus[0]?.model ?? 'unknown',
    nproc: cpus.length,
    ramGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadStart: os.loadavg().map(l => l.toFixed(2)).join(' '),
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function main(): void {
  const args = process.argv.slice(2);
  const options = parseArgs(args);
  const env = machine();
  const started = Date.now();
  log(`bench: N=${options.ns.join(',')} runs=${options.runs} fleets=${options.fleets.join(',')} layouts=${options.layouts.join(',')} modes=${options.modes.join(',')}; load average ${env.loadStart}`);
  fs.mkdirSync(CACHE, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mlops-bench-'));
  const rows: Row[] = [];
  try {
    rows.push(...measureAll(options, tmp));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const loadEnd = os.loadavg().map(l => l.toFixed(2)).join(' ');
  const results = checks(rows, options);
  const shown = args.filter(a => a !== '--');
  const command = `npx projen bench${shown.length ? ` -- ${shown.map(a => (/^[\w.,=/-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}` : ''}`;
  const header = [
    `Command: \`${command}\` (${((Date.now() - started) / 60000).toFixed(1)} min).`,
    `Machine: ${env.nproc} CPUs (${env.cpu}), ${env.ramGiB} GiB RAM, Node.js ${env.node}; load average (1/5/15 min) ${env.loadStart} at start, ${loadEnd} at end.`,
    `Date: ${env.date}. Commit: ${env.commit}. Runs per figure: ${options.runs} (medians; peak RSS the largest).`,
    ...(options.note ? [`Note: ${options.note}`] : []),
  ].join('\n');
  const targetLines = results.map(c => `- ${c.ok ? 'PASS' : 'FAIL'} ${c.what}: ${c.value}`).join('\n');
  const report = `${header}\n\n${table(rows)}\n\nTargets (CPU time):\n\n${targetLines}\n`;
  process.stdout.write(report);

  fs.mkdirSync(path.dirname(options.json), { recursive: true });
  fs.writeFileSync(options.json, `${JSON.stringify({ ...env, loadEnd, runs: options.runs, note: options.note, rows, targets: results }, undefined, 2)}\n`);
  if (options.results) fs.writeFileSync(options.results, resultsDocument(report));
}

function resultsDocument(report: string): string {
  return `# Fleet synth benchmark: results

See the README's "Fleets" section for what is measured. Every figure is a median over fresh processes, the
library's module load inside the clock. CPU s: user + system time of the measured work (for helm, of the helm
process), the figure the targets are set on, since wall time on a shared VM drifts by tens of percent. library:
load the library, build the fleet's constructs, write the YAML files with \`FleetApp\`. helm: \`helm template\`
of a chart made from the library's output for one model, its per-model scalars read from the values (checked to
render the same documents as the library, as multisets). floor: \`JSON.stringify\` of the same documents, a file
per chart. "cdk8s App": the library synthesized by plain \`App\` (one run; checked byte-identical).

${report}`;
}

main();

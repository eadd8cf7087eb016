// The fleet benchmark: synthesizes N model services with the library and, from the same documents, with raw
// cdk8s ApiObjects and with plain `yaml`, each run in a fresh process; prints a markdown table, writes JSON.
// Usage: npx projen bench [--n 100,500,1000,2000] [--runs 3] [--layouts single,per-service,per-service-unique-ids]
//        [--app-max-n 1000] [--reference-max-n N (default: every N)] [--json dist/bench/results.json]
//        [--results bench/RESULTS.md] [--note "..."]
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { Layout } from './fleet';
import { AppKind, ChartDocs, Job, Measurement, Mode } from './worker';

/** The targets of issue 7, checked at these sizes. */
const TARGETS = { atN: 1000, libraryPerRaw: 1.3, libraryPerFloor: 3, growth: 2.2, growthFrom: 1000, growthTo: 2000, rssMiB: 400 };
const EXTENSION = '.k8s.yaml';

interface Options {
  readonly ns: number[];
  readonly runs: number;
  readonly layouts: Layout[];
  /** Largest N measured with plain cdk8s `App` as well (quadratic with one chart per service). */
  readonly appMaxN: number;
  /** Largest N measured with the raw and floor references as well (the growth target concerns the library alone). */
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
  readonly runs: number[];
}

interface Row {
  readonly layout: Layout;
  readonly n: number;
  readonly files: number;
  readonly docs: number;
  readonly bytes: number;
  readonly library: Summary;
  /** The references, when measured at this N. */
  readonly raw?: Summary;
  readonly floor?: Summary;
  /** The library synthesized by plain cdk8s `App`, when measured. */
  readonly cdk8sApp?: Summary;
}

function parseArgs(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}: expected --flag value`);
    flags.set(argv[i].slice(2), argv[i + 1]);
  }
  const list = (name: string, fallback: string) => (flags.get(name) ?? fallback).split(',').map(s => s.trim()).filter(Boolean);
  const layouts = list('layouts', Object.values(Layout).join(',')) as Layout[];
  for (const l of layouts) {
    if (!Object.values(Layout).includes(l)) throw new Error(`unknown layout ${l}: use ${Object.values(Layout).join(', ')}`);
  }
  const options = {
    ns: list('n', '100,500,1000,2000').map(Number),
    runs: Number(flags.get('runs') ?? 3),
    layouts,
    appMaxN: Number(flags.get('app-max-n') ?? 1000),
    referenceMaxN: Number(flags.get('reference-max-n') ?? Infinity),
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
  if (child.status !== 0) throw new Error(`${job.mode} N=${job.n} ${job.layout} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

/** The YAML files of an output directory, by name. */
function outputFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter(f => f.endsWith(EXTENSION)).sort();
}

/** A digest of every output file's name and content: equal digests, identical output. */
function digest(dir: string): string {
  const hash = createHash('sha256');
  for (const f of outputFiles(dir)) hash.update(`${f}\0`).update(fs.readFileSync(path.join(dir, f))).update('\0');
  return hash.digest('hex');
}

/**
 * The files, documents and bytes of an output directory; with `dumpTo`, also its documents parsed back, per chart
 * file, for the raw and floor runs.
 */
function readOutput(dir: string, dumpTo?: string): { files: number; docs: number; bytes: number } {
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
    if (dumpTo !== undefined) {
      const parsed = YAML.parseAllDocuments(text, { version: '1.1' }).map(d => d.toJSON());
      if (parsed.length !== count) throw new Error(`${file}: ${parsed.length} documents parsed, ${count} separated`);
      charts.push({ chart: file.slice(0, -EXTENSION.length), file, docs: parsed });
    }
  }
  if (dumpTo !== undefined) fs.writeFileSync(dumpTo, JSON.stringify(charts));
  return { files: files.length, docs, bytes };
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
    runs: ms.map(m => Math.round(m.ms) / 1000),
  };
}

/** One size of one layout: the library's output, read back for the references, and what every run must reproduce. */
interface Reference {
  readonly layout: Layout;
  readonly n: number;
  readonly docsFile: string;
  readonly digest: string;
  readonly output: { files: number; docs: number; bytes: number };
}

/**
 * The reference run (a warm-up, not counted) gives the digest every run must reproduce and, for the sizes the
 * references measure, the documents they start from.
 */
function reference(options: Options, layout: Layout, n: number, tmp: string): Reference {
  const outdir = path.join(tmp, `reference-${layout}-${n}`);
  measure({ mode: Mode.LIBRARY, app: AppKind.FLEET, layout, n, outdir });
  const docsFile = path.join(tmp, `docs-${layout}-${n}.json`);
  const output = readOutput(outdir, n <= options.referenceMaxN ? docsFile : undefined);
  const ref = { layout, n, docsFile, digest: digest(outdir), output };
  fs.rmSync(outdir, { recursive: true });
  return ref;
}

function runOnce(ref: Reference, mode: Mode, app: AppKind, tmp: string): Measurement {
  const outdir = path.join(tmp, `${mode}-${app}`);
  const m = measure({ mode, app, layout: ref.layout, n: ref.n, outdir, docs: mode === Mode.LIBRARY ? undefined : ref.docsFile });
  const got = digest(outdir);
  fs.rmSync(outdir, { recursive: true });
  if (got !== ref.digest) throw new Error(`${mode} (${app}) N=${ref.n} ${ref.layout}: output differs from the library's`);
  log(`  ${ref.layout} N=${ref.n} ${mode}${mode === Mode.FLOOR ? '' : ` (${app})`}: ${(m.ms / 1000).toFixed(2)} s, ${(m.maxRssKiB / 1024).toFixed(0)} MiB`);
  return m;
}

function modes(options: Options, n: number): Mode[] {
  return n <= options.referenceMaxN ? [Mode.LIBRARY, Mode.RAW, Mode.FLOOR] : [Mode.LIBRARY];
}

/**
 * Every mode at every size of every layout, round after round: machine speed drifts over minutes (by 2x over
 * hours on the VM of the recorded results), and interleaving makes the drift hit the modes, sizes and layouts
 * alike. Every other round runs in reverse order, so that a steady drift speeds up or slows down the small and
 * the large sizes alike in the medians.
 */
function measureAll(options: Options, tmp: string): Row[] {
  const refs = options.layouts.flatMap(layout => options.ns.map(n => reference(options, layout, n, tmp)));
  const results = refs.map(() => ({ [Mode.LIBRARY]: [] as Measurement[], [Mode.RAW]: [] as Measurement[], [Mode.FLOOR]: [] as Measurement[] }));
  const order = refs.map((_, i) => i);
  for (let r = 0; r < options.runs; r++) {
    for (const i of r % 2 === 0 ? order : [...order].reverse()) {
      const ms = modes(options, refs[i].n);
      for (const mode of r % 2 === 0 ? ms : [...ms].reverse()) results[i][mode].push(runOnce(refs[i], mode, AppKind.FLEET, tmp));
    }
  }
  return refs.map((ref, i) => {
    const cdk8sApp = ref.n <= options.appMaxN ? summarize([runOnce(ref, Mode.LIBRARY, AppKind.CDK8S, tmp)]) : undefined;
    fs.rmSync(ref.docsFile, { force: true });
    return {
      layout: ref.layout,
      n: ref.n,
      ...ref.output,
      library: summarize(results[i][Mode.LIBRARY]),
      raw: results[i][Mode.RAW].length ? summarize(results[i][Mode.RAW]) : undefined,
      floor: results[i][Mode.FLOOR].length ? summarize(results[i][Mode.FLOOR]) : undefined,
      cdk8sApp,
    };
  });
}

interface Check {
  readonly what: string;
  readonly value: string;
  readonly ok: boolean;
}

function growth(rows: Row[], layout: Layout, pick: (r: Row) => Summary | undefined, cpu = false): number | undefined {
  const from = rows.find(r => r.layout === layout && r.n === TARGETS.growthFrom);
  const to = rows.find(r => r.layout === layout && r.n === TARGETS.growthTo);
  const a = from && pick(from);
  const b = to && pick(to);
  return a && b ? (cpu ? b.cpuSeconds / a.cpuSeconds : b.seconds / a.seconds) : undefined;
}

function checks(rows: Row[], layouts: Layout[]): Check[] {
  return layouts.flatMap(layout => {
    const at = rows.find(r => r.layout === layout && r.n === TARGETS.atN);
    const g = growth(rows, layout, r => r.library);
    const out: Check[] = [];
    if (at?.raw && at.floor) {
      const perRaw = at.library.seconds / at.raw.seconds;
      const perFloor = at.library.seconds / at.floor.seconds;
      const cpu = (ref: Summary) => `(CPU time: ${(at.library.cpuSeconds / ref.cpuSeconds).toFixed(2)})`;
      out.push(
        { what: `${layout}: library/raw at N=${TARGETS.atN} <= ${TARGETS.libraryPerRaw}`, value: `${perRaw.toFixed(2)} ${cpu(at.raw)}`, ok: perRaw <= TARGETS.libraryPerRaw },
        {
          what: `${layout}: library/floor at N=${TARGETS.atN} <= ${TARGETS.libraryPerFloor}`,
          value: `${perFloor.toFixed(2)} ${cpu(at.floor)}`,
          ok: perFloor <= TARGETS.libraryPerFloor,
        },
      );
    }
    if (at) {
      out.push({ what: `${layout}: library peak RSS at N=${TARGETS.atN} <= ${TARGETS.rssMiB} MiB`, value: `${at.library.rssMiB.toFixed(0)} MiB`, ok: at.library.rssMiB <= TARGETS.rssMiB });
    }
    if (g !== undefined) {
      const value = `${g.toFixed(2)} (CPU time: ${growth(rows, layout, r => r.library, true)!.toFixed(2)})`;
      out.push({ what: `${layout}: library t(${TARGETS.growthTo})/t(${TARGETS.growthFrom}) <= ${TARGETS.growth}`, value, ok: g <= TARGETS.growth });
    }
    return out;
  });
}

function table(rows: Row[]): string {
  const s = (x: Summary | undefined) => (x ? x.seconds.toFixed(2) : '-');
  const withBuild = (x: Summary | undefined) => (x ? `${s(x)} (${x.buildSeconds.toFixed(2)})` : '-');
  const ratio = (a: number, b: number | undefined) => (b === undefined ? '-' : (a / b).toFixed(2));
  const each = (r: Row, f: (x: Summary) => string) => [r.library, r.raw, r.floor].map(x => (x ? f(x) : '-')).join(' / ');
  const lines = [
    '| layout | N | docs | output MB | library s (build) | raw s (build) | floor s | library/raw | library/floor '
      + '| CPU s library / raw / floor | CPU library/raw | CPU library/floor | peak RSS MiB library / raw / floor | cdk8s App s |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(r => `| ${r.layout} | ${r.n} | ${r.docs} | ${(r.bytes / 1e6).toFixed(1)} `
      + `| ${withBuild(r.library)} | ${withBuild(r.raw)} | ${s(r.floor)} `
      + `| ${ratio(r.library.seconds, r.raw?.seconds)} | ${ratio(r.library.seconds, r.floor?.seconds)} `
      + `| ${each(r, x => x.cpuSeconds.toFixed(2))} `
      + `| ${ratio(r.library.cpuSeconds, r.raw?.cpuSeconds)} | ${ratio(r.library.cpuSeconds, r.floor?.cpuSeconds)} `
      + `| ${each(r, x => x.rssMiB.toFixed(0))} | ${s(r.cdk8sApp)} |`),
  ];
  const layouts = [...new Set(rows.map(r => r.layout))];
  const growthLines = layouts.map(l => {
    const fmt = (pick: (r: Row) => Summary | undefined, cpu = false) => growth(rows, l, pick, cpu)?.toFixed(2) ?? '-';
    return `| ${l} | ${fmt(r => r.library)} | ${fmt(r => r.library, true)} | ${fmt(r => r.raw)} | ${fmt(r => r.floor)} | ${fmt(r => r.cdk8sApp)} |`;
  });
  const runLines = rows.map(r => `| ${r.layout} | ${r.n} | ${r.library.runs.map(x => x.toFixed(2)).join(', ')} | ${r.raw?.runs.map(x => x.toFixed(2)).join(', ') ?? '-'} |`);
  const pairLines = layouts.map(l => {
    const from = rows.find(r => r.layout === l && r.n === TARGETS.growthFrom)?.library.runs;
    const to = rows.find(r => r.layout === l && r.n === TARGETS.growthTo)?.library.runs;
    return `| ${l} | ${from && to ? from.map((a, i) => (to[i] / a).toFixed(2)).join(', ') : '-'} |`;
  });
  return [
    ...lines, '',
    `Growth t(${TARGETS.growthTo})/t(${TARGETS.growthFrom}), wall time unless said (2.00 is linear):`, '',
    '| layout | library | library CPU | raw | floor | cdk8s App |', '|---|--:|--:|--:|--:|--:|', ...growthLines, '',
    'Every run, s, round by round (the second, fourth, ... rounds ran in reverse order):', '',
    '| layout | N | library | raw |', '|---|--:|---|---|', ...runLines, '',
    `Round by round, library t(${TARGETS.growthTo})/t(${TARGETS.growthFrom}):`, '',
    '| layout | rounds |', '|---|---|', ...pairLines,
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
  const options = parseArgs(process.argv.slice(2));
  const env = machine();
  log(`bench: N=${options.ns.join(',')} runs=${options.runs} layouts=${options.layouts.join(',')}; load average ${env.loadStart}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mlops-bench-'));
  const rows: Row[] = [];
  try {
    rows.push(...measureAll(options, tmp));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const loadEnd = os.loadavg().map(l => l.toFixed(2)).join(' ');
  const results = checks(rows, options.layouts);
  const header = [
    `Machine: ${env.nproc} CPUs (${env.cpu}), ${env.ramGiB} GiB RAM, Node.js ${env.node}; load average (1/5/15 min) ${env.loadStart} at start, ${loadEnd} at end.`,
    `Date: ${env.date}. Commit: ${env.commit}. Runs per figure: ${options.runs} (times are medians, peak RSS the largest).`,
    ...(options.note ? [`Note: ${options.note}`] : []),
  ].join('\n');
  const targetLines = results.map(c => `- ${c.ok ? 'PASS' : 'FAIL'} ${c.what}: ${c.value}`).join('\n');
  const report = `${header}\n\n${table(rows)}\n\nTargets:\n\n${targetLines}\n`;
  process.stdout.write(report);

  fs.mkdirSync(path.dirname(options.json), { recursive: true });
  fs.writeFileSync(options.json, `${JSON.stringify({ ...env, loadEnd, runs: options.runs, note: options.note, rows, targets: results }, undefined, 2)}\n`);
  if (options.results) fs.writeFileSync(options.results, resultsDocument(report));
}

function resultsDocument(report: string): string {
  return `# Fleet synth benchmark: results

Recorded with \`npx projen bench --results bench/RESULTS.md\` (see the README's "Fleets" section for what is measured).
Columns: wall time of building the constructs and writing the YAML files (library), of building the same
documents as raw \`ApiObject\`s and synthesizing them through the same \`FleetApp\` (raw), and of writing them with the \`yaml\` package alone
(floor); each a median of fresh processes. "cdk8s App" is the library synthesized by plain \`App\` instead of \`FleetApp\`.

${report}`;
}

main();

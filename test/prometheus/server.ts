/**
 * A real Prometheus (Debian's 2.42 `prometheus` and `promtool`) serving backfilled synthetic series,
 * so Argo Rollouts gates can be measured end to end: PromQL by Prometheus itself, conditions by
 * ./expr.ts, outcome by Argo's rules.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { argoOutcome, Outcome, Result } from './expr';
import { openMetrics, Scenario } from './openmetrics';

const READY_TIMEOUT_MS = 30_000;
const QUERY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** An instant query's result; Argo's Prometheus provider supports no other result types. */
export interface QueryResult {
  readonly resultType: 'vector' | 'scalar';
  /** Sample values parsed as Argo does: "NaN" → NaN, "+Inf"/"-Inf" → ±Infinity; one for a scalar. */
  readonly values: number[];
}

export interface PromServer {
  readonly url: string;
  /** Unix seconds of the last backfilled sample: every query is evaluated at this time. */
  readonly evalTime: number;
  /** Instant query at `time` (default `evalTime`); rejects with Prometheus' error, or for a matrix or string result. */
  query(promql: string, time?: number): Promise<QueryResult>;
  stop(): Promise<void>;
}

/** `result` as Argo exposes it to conditions: a float for a scalar, floats ([] if empty) for a vector. */
export function argoResult(r: QueryResult): Result {
  return r.resultType === 'scalar' ? r.values[0] : r.values;
}

/**
 * Backfills `openMetrics` into a fresh TSDB and starts Prometheus on it, bound to 127.0.0.1 with no
 * scrape jobs. Call `stop()` when done (see {@link useScenarioServer}); the process is also killed
 * when the test worker exits.
 */
export async function startPrometheus(openMetricsText: string): Promise<PromServer> {
  const prometheus = process.env.PROMETHEUS ?? 'prometheus';
  const promtool = process.env.PROMTOOL ?? 'promtool';
  for (const bin of [prometheus, promtool]) {
    if (spawnSync(bin, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status !== 0) {
      throw new Error(`${bin} not found or not runnable: install Debian's prometheus package (apt-get install prometheus), or set PROMETHEUS/PROMTOOL`);
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-gates-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'prometheus.log');
  let proc: ChildProcess | undefined;
  // Safety net for a test that never reaches stop(): a child outlives its parent otherwise.
  const killOnExit = () => proc?.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (proc) await terminate(proc);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const input = path.join(dir, 'series.om');
    fs.writeFileSync(input, openMetricsText);
    const backfill = spawnSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', input, dataDir], { encoding: 'utf8', timeout: 120_000 });
    if (backfill.status !== 0) throw new Error(`promtool backfill failed: ${backfill.error ?? ''}${backfill.stderr}${backfill.stdout}`);
    fs.rmSync(input);
    const config = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(config, 'global: {}\n');

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const log = fs.openSync(logFile, 'w');
    proc = spawn(prometheus, [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      // Retention counts back from the newest block, so old data loads anyway; this rules deletion out.
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
    ], { stdio: ['ignore', 'ignore', log] });
    fs.closeSync(log);
    await waitReady(url, proc, () => fs.readFileSync(logFile, 'utf8'));

    const evalTime = lastTimestamp(openMetricsText);
    return { url, evalTime, query: (promql, time) => instantQuery(url, promql, time ?? evalTime), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Prometheus holding every scenario of {@link openMetrics}, one `namespace` label value each. */
export function startScenarioServer(scenarios?: readonly Scenario[]): Promise<PromServer> {
  return startPrometheus(openMetrics(scenarios));
}

/**
 * Starts a scenario server before the enclosing `describe` block's tests and stops it after them.
 * Returns a getter, since the server only exists once `beforeAll` has run.
 */
export function useScenarioServer(scenarios?: readonly Scenario[]): () => PromServer {
  let server: PromServer | undefined;
  beforeAll(async () => {
    server = await startScenarioServer(scenarios);
  });
  afterAll(() => server?.stop());
  return () => {
    if (!server) throw new Error('scenario server not started: call the getter inside a test');
    return server;
  };
}

/** The fields of an Argo Rollouts `Metric` that decide a Prometheus measurement. */
export interface PrometheusMetric {
  readonly successCondition?: string;
  readonly failureCondition?: string;
  readonly provider: { readonly prometheus?: { readonly query?: string } };
}

export interface Measurement {
  readonly phase: Outcome;
  /** `result` as the conditions saw it; absent when the query failed. */
  readonly value?: Result;
  /** Why the phase is `Error`, when the query failed. */
  readonly message?: string;
}

/**
 * One measurement of `metric` as Argo Rollouts takes it (at `time`, default the data's end): resolve `{{args.NAME}}` in the query and
 * conditions, run the query, evaluate the conditions. Argo's AnalysisRun then aggregates
 * measurements with `count`, `failureLimit` etc., which is out of scope here.
 */
export async function measure(server: PromServer, metric: PrometheusMetric, args: Record<string, string> = {}, time?: number): Promise<Measurement> {
  const query = metric.provider.prometheus?.query;
  if (!query) throw new Error('metric has no provider.prometheus.query');
  let value: Result;
  try {
    value = argoResult(await server.query(resolveArgs(query, args), time));
  } catch (e) {
    return { phase: 'Error', message: (e as Error).message };
  }
  const condition = (c?: string) => (c === undefined ? undefined : resolveArgs(c, args));
  return { phase: argoOutcome(condition(metric.successCondition), condition(metric.failureCondition), value), value };
}

/**
 * Substitutes `{{args.NAME}}` like Argo (`utils/template`: the tag is trimmed of spaces); any
 * other or unknown `{{…}}` tag throws, as Argo fails to resolve it.
 */
export function resolveArgs(template: string, args: Record<string, string>): string {
  return template.replace(/\{\{([\s\S]*?)\}\}/g, (tag, inner: string) => {
    const name = inner.trim().match(/^args\.(.+)$/)?.[1];
    if (name === undefined || !Object.prototype.hasOwnProperty.call(args, name)) throw new Error(`failed to resolve ${tag}`);
    return args[name];
  });
}

async function instantQuery(url: string, promql: string, time: number): Promise<QueryResult> {
  const response = await fetch(`${url}/api/v1/query`, {
    method: 'POST',
    body: new URLSearchParams({ query: promql, time: String(time) }),
    signal: AbortSignal.timeout(QUERY_TIMEOUT_MS),
  });
  const body = await response.json() as any;
  if (body.status !== 'success') throw new Error(`Prometheus ${body.errorType}: ${body.error} (query: ${promql})`);
  const { resultType, result } = body.data;
  if (resultType === 'scalar') return { resultType, values: [sampleValue(result[1])] };
  if (resultType === 'vector') return { resultType, values: result.map((s: any) => sampleValue(s.value[1])) };
  // Argo's provider: "Prometheus metric type not supported".
  throw new Error(`Prometheus metric type not supported: ${resultType} (query: ${promql})`);
}

/** Go's strconv.ParseFloat on Prometheus' formatting; Number() would turn "+Inf" into NaN. */
function sampleValue(text: string): number {
  return text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
}

function lastTimestamp(text: string): number {
  let last = -Infinity;
  for (const line of text.split('\n')) {
    if (line && !line.startsWith('#')) last = Math.max(last, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  if (!Number.isFinite(last)) throw new Error('OpenMetrics text has no timestamped samples');
  return last;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`prometheus exited during startup:\n${log()}`);
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`prometheus not ready after ${READY_TIMEOUT_MS} ms:\n${log()}`);
}

async function terminate(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise(r => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * `cdk8s-mlops check-gates` against the real Prometheus of the test suite (test/prometheus/server.ts),
 * backfilled with the gate scenarios plus a namespace whose series lack the version-hash label (a
 * PodMonitor without the relabeling). Every query is evaluated at the data's end time (`--time`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart, Duration, Yaml } from 'cdk8s';
import { llama70b } from '../../examples/llama-70b-vllm';
import { Comparison, Gate, GateAnalysisTemplate, Percentile } from '../../src';
import { GateChecker, MetricCheck, TemplateCheck } from '../../src/cli/check-gates';
import { expectConformant } from '../conformance';
import { CANARY_HASH, END_TIME, openMetrics, STABLE_HASH } from '../prometheus/openmetrics';
import { PromServer, startPrometheus } from '../prometheus/server';

const REPO = path.resolve(__dirname, '../..');
const VERSIONS = ['--arg', `canary-hash=${CANARY_HASH}`, '--arg', `stable-hash=${STABLE_HASH}`];

/** Copies the stable series of `canary-absent` into namespace `no-relabel`, without the hash label. */
function withoutRelabeling(text: string): string {
  const out: string[] = [];
  let copies: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      out.push(...copies);
      copies = [];
    } else if (line.includes('namespace="canary-absent"')) {
      copies.push(line.replace('namespace="canary-absent"', 'namespace="no-relabel"').replace(/,?rollouts_pod_template_hash="[^"]*"/, ''));
    }
    out.push(line);
  }
  return out.join('\n');
}

let server: PromServer;
let tmp: string;
beforeAll(async () => {
  server = await startPrometheus(withoutRelabeling(openMetrics()));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'check-gates-'));
}, 180_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const GATES = [
  Gate.errorRate({ maxRatio: 0.02, stableTolerance: 0.01 }),
  Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(5) }),
  Gate.timeToFirstToken({ threshold: Duration.millis(800) }),
  Gate.kvCacheUsage({ maxUsage: 0.95 }),
];

/** Synthesizes the library's gates for the service in `namespace` into a directory of YAML. */
async function synthGates(namespace: string, gates: Gate[] = GATES): Promise<string> {
  const outdir = path.join(tmp, `${namespace}-${fs.readdirSync(tmp).length}`);
  const app = new App({ outdir });
  const chart = new Chart(app, namespace, { namespace });
  new GateAnalysisTemplate(chart, 'Gates', { service: llama70b(chart), gates, name: 'gates' });
  await expectConformant(chart);
  app.synth();
  return outdir;
}

async function check(inputs: string[], args: { [name: string]: string } = { 'canary-hash': CANARY_HASH, 'stable-hash': STABLE_HASH }): Promise<TemplateCheck[]> {
  return new GateChecker({ inputs, prometheus: server.url, args, time: END_TIME, hashLabel: 'rollouts_pod_template_hash' }).run();
}

const verdicts = (t: TemplateCheck) => Object.fromEntries(t.metrics.map(m => [m.name, m.verdict]));
const metric = (t: TemplateCheck, name: string): MetricCheck => t.metrics.find(m => m.name === name)!;

test('healthy: every gate measures and passes; the absent 5xx series is explained, not fatal', async () => {
  const [t] = await check([await synthGates('healthy')]);
  expect(t.args).toEqual({ 'namespace': 'healthy', 'canary-hash': CANARY_HASH, 'stable-hash': STABLE_HASH });
  expect(verdicts(t)).toEqual({ 'error-rate': 'pass', 'error-rate-vs-stable': 'pass', 'latency-p95': 'pass', 'ttft-p95': 'pass', 'kv-cache-usage': 'pass' });
  expect(metric(t, 'ttft-p95').value).toEqual([expect.closeTo(0.3, 3)]);
  expect(metric(t, 'ttft-p95').phase).toBe('Successful');
  const errors = metric(t, 'error-rate');
  expect(errors.value).toEqual([0]);
  const fiveXx = errors.selectors.find(s => s.selector.includes('status="5xx"'))!;
  expect(fiveXx).toMatchObject({ series: 0, never: false });
  expect(fiveXx.diagnosis).toMatch(/(^|; )status="5xx" matches none of the \d+ series without it \(status values: 2xx\)(;|$)/);
  expect(errors.selectors.filter(s => !s.selector.includes('5xx')).every(s => s.series > 0)).toBe(true);
}, 60_000);

test('errors-5x fails the error-rate gates; no-traffic is inconclusive, with no data now', async () => {
  const [errors] = await check([await synthGates('errors-5x')]);
  expect(verdicts(errors)).toMatchObject({ 'error-rate': 'fail', 'error-rate-vs-stable': 'fail', 'latency-p95': 'pass' });
  expect(metric(errors, 'error-rate').value).toEqual([expect.closeTo(0.05, 6)]);
  const [idle] = await check([await synthGates('no-traffic')]);
  expect(metric(idle, 'latency-p95')).toMatchObject({ verdict: 'inconclusive', phase: 'Inconclusive', value: [NaN] });
  expect(metric(idle, 'latency-p95').detail).toMatch(/^no data now/);
}, 60_000);

test('without version args, the running version is found in Prometheus and fills them', async () => {
  const [t] = await check([await synthGates('canary-absent')], {});
  expect(t.args).toMatchObject({ 'canary-hash': STABLE_HASH, 'stable-hash': STABLE_HASH });
  expect(t.notes).toEqual([expect.stringMatching(new RegExp(`^version hash ${STABLE_HASH} \\(the running version, on \\d+ series\\) fills every rollouts_pod_template_hash arg$`))]);
  expect(verdicts(t)).toEqual({ 'error-rate': 'pass', 'error-rate-vs-stable': 'pass', 'latency-p95': 'pass', 'ttft-p95': 'pass', 'kv-cache-usage': 'pass' });
}, 60_000);

test('series without the hash label: every gate can never measure, and the missing relabeling is named', async () => {
  const [t] = await check([await synthGates('no-relabel')], {});
  expect(t.notes).toEqual(['no series of these queries carries rollouts_pod_template_hash: the version args cannot be filled (see the selectors below)']);
  expect(new Set(Object.values(verdicts(t)))).toEqual(new Set(['never measures']));
  // The 5xx selector finds nothing with either matcher dropped alone: dropping both names the missing label.
  const fiveXx = metric(t, 'error-rate').selectors.find(sel => sel.selector.includes('status="5xx"'))!;
  expect(fiveXx).toMatchObject({ series: 0, never: true });
  expect(fiveXx.diagnosis).toMatch(/^none of the 1 series of http_requests_total\{namespace="no-relabel",handler=~"[^"]+"\} has the label rollouts_pod_template_hash /);
  expect(metric(t, 'kv-cache-usage').detail).toBe('2 of its selectors can never find series (below)');
  expect(metric(t, 'kv-cache-usage').selectors.map(sel => sel.diagnosis)).toEqual([
    'none of the 1 series of vllm:kv_cache_usage_perc{namespace="no-relabel"} has the label rollouts_pod_template_hash'
    + " (does the PodMonitor relabel the pod's hash label to rollouts_pod_template_hash?)",
    'none of the 1 series of vllm:e2e_request_latency_seconds_count{namespace="no-relabel"} has the label rollouts_pod_template_hash'
    + " (does the PodMonitor relabel the pod's hash label to rollouts_pod_template_hash?)",
  ]);
}, 60_000);

test('a wrong metric name can never measure; a custom gate on a real one passes', async () => {
  const custom = (name: string, metricName: string) => Gate.custom({
    name,
    query: `sum(rate(${metricName}{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}"}[5m]))`,
    comparison: Comparison.AT_LEAST,
    threshold: 1,
  });
  const [t] = await check([await synthGates('healthy', [custom('typo', 'vllm:request_succes_total'), custom('throughput', 'vllm:request_success_total')])]);
  expect(verdicts(t)).toEqual({ typo: 'never measures', throughput: 'pass' });
  expect(metric(t, 'typo').selectors[0].diagnosis).toBe('metric vllm:request_succes_total{} has no series at all: a wrong metric name, or nothing scrapes it');
}, 60_000);

test('hand-written templates: an arg without a value and a query Prometheus rejects can never measure; unknown conditions are not guessed', async () => {
  const file = path.join(tmp, 'hand-written.yaml');
  const prom = (query: string) => ({ prometheus: { address: 'http://prometheus:9090', query } });
  Yaml.save(file, [{
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'hand-written', namespace: 'healthy' },
    spec: {
      args: [{ name: 'model' }],
      metrics: [
        { name: 'by-model', successCondition: 'result[0] > 0', provider: prom('sum(rate(vllm:request_success_total{model_name="{{args.model}}"}[5m]))') },
        { name: 'broken', successCondition: 'result[0] > 0', provider: prom('sum(rate(vllm:request_success_total[5m])') },
        { name: 'ternary', successCondition: 'result[0] > 0 ? true : false', provider: prom('sum(rate(vllm:request_success_total[5m]))') },
        { name: 'job', provider: { job: { spec: {} } } },
      ],
    },
  }]);
  const [t] = await check([file], {});
  expect(verdicts(t)).toEqual({ 'by-model': 'never measures', 'broken': 'never measures', 'ternary': 'unknown' });
  expect(metric(t, 'by-model').detail).toBe('arg model has no value: pass --arg model=<value>');
  expect(metric(t, 'broken').detail).toMatch(/^the query fails, so every measurement is an Error: Prometheus bad_data: /);
  const [given] = await check([file], { model: 'llama-70b' });
  expect(metric(given, 'by-model')).toMatchObject({ verdict: 'pass', phase: 'Successful' });
}, 60_000);

describe('the command line', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(REPO, 'src/cli/main.ts'), ...args], {
    cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'test/tsconfig.json') },
  });

  test('exit 1 and a report per metric when a gate can never measure; exit 0 when all can', async () => {
    const bad = cli('check-gates', await synthGates('no-relabel'), '--prometheus', server.url, '--time', String(END_TIME));
    expect(bad.stderr).toBe('');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('NEVER MEASURES  kv-cache-usage: value []: 2 of its selectors can never find series (below)\n'
      + '      NO SERIES  vllm:kv_cache_usage_perc{namespace="no-relabel",rollouts_pod_template_hash="no-version-found"}\n'
      + '          none of the 1 series of vllm:kv_cache_usage_perc{namespace="no-relabel"} has the label rollouts_pod_template_hash');
    expect(bad.stdout).toMatch(/5 metrics in 1 templates: 0 pass, 0 fail, 0 inconclusive, 0 unknown, 5 never measure\n$/);
    const good = cli('check-gates', await synthGates('healthy'), '--prometheus', server.url, '--time', new Date(END_TIME * 1000).toISOString(), ...VERSIONS);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('PASS            ttft-p95: value [0.3] (Argo: Successful)');
  }, 60_000);

  test('exit 2 when Prometheus cannot be reached', async () => {
    const port = await new Promise<number>(resolve => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const run = cli('check-gates', await synthGates('healthy'), '--prometheus', `http://127.0.0.1:${port}`, ...VERSIONS);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`check-gates: fetch failed (Error: connect ECONNREFUSED 127.0.0.1:${port})\n`);
    expect(run.stdout).toBe('');
  }, 60_000);

  test.each([
    [['check-gates', 'dist/'], '--prometheus <url> is required'],
    [['check-gates', '--prometheus', 'http://x'], 'give the synthesized YAML'],
    [['check-gates', 'dist/', '--prometheus', 'http://x', '--arg', 'novalue'], '--arg novalue: expected name=value'],
    [['check-gates', 'dist/', '--prometheus', 'http://x', '--time', 'yesterday'], '--time yesterday: expected Unix seconds or an RFC 3339 date'],
    [['gates'], 'unknown command: gates'],
  ])('%j: exit 2, %s', (args, message) => {
    const run = cli(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: cdk8s-mlops check-gates');
  });
});

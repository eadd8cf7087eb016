import { App } from 'cdk8s';
import { Llama405bMultiNodeChart } from '../../examples/llama-405b-multi-node';
import { expectConformant } from '../conformance';
import { analysisRun, ScheduledMetric, startEndingAt } from '../prometheus/analysis-run';
import { CANARY_HASH, END_TIME, openMetrics, Scenario, SCENARIOS, STABLE_HASH } from '../prometheus/openmetrics';
import { PromServer, startPrometheus } from '../prometheus/server';

// The staged update of the 405B example, measured by the real Prometheus of test/prometheus with the AnalysisRun
// the library renders (scenarios: test/prometheus/openmetrics.ts). The example gives no stable release: its gates
// select the stable series as the service's (`job`) series of every release but the run's canary-hash. The scenario
// data is relabelled the way the PodMonitor labels the groups' leaders (the first test proves the relabelling): the
// canary series get this commit's release, the stable ones an older release, all `job="llama-405b"`. Beside them
// sit series the stable selector must leave out (another service in the namespace, which would fail the latency
// comparison if counted) and must take in (a group left on an even older release).
const STABLE_RELEASE = '3f9c2d7a1b';
const OLDER_RELEASE = '0a1b2c3d4e';
const SERVICE = 'llama-405b';

/** The 405B example: 2 groups of 2 x 8 H100, its canary stage on one group, gated on error rate, p95 latency and TTFT. */
async function staged() {
  const chart = new Llama405bMultiNodeChart(new App(), 'llama-405b');
  expect(chart.update.partition).toBe(1);
  return expectConformant(chart) as Promise<any[]>;
}

/** Prometheus's `replace` relabelling (the only action the PodMonitor uses): anchored regex, `$1` by default, empty deletes. */
function relabel(labels: Record<string, string>, rules: any[]): Record<string, string> {
  const out = { ...labels };
  for (const r of rules) {
    const value = r.sourceLabels.map((l: string) => out[l] ?? '').join(r.separator ?? ';');
    const match = new RegExp(`^(?:${r.regex ?? '(.*)'})$`).exec(value);
    if (!match) continue;
    const replaced = (r.replacement ?? '$1').replace(/\$(\d+)/g, (_: string, i: string) => match[Number(i)] ?? '');
    if (replaced === '') delete out[r.targetLabel];
    else out[r.targetLabel] = replaced;
  }
  return out;
}

const podMeta = (labels: Record<string, string>) => Object.fromEntries(Object.entries(labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`, v]));

/**
 * Extra series in a scenario's namespace, written as `<namespace>~<job>~<release>`: the stable profile of the entry
 * becomes that job's series of that release.
 */
const EXTRA: Scenario[] = [
  // Another service of the namespace, fast and busy: counted as stable, it would make the canary 10x slower than "stable".
  { namespace: 'healthy~other-model~bbbbbbbbbb', canary: 'absent', stable: { rate: 1000, latencyScale: 0.1 } },
  // A group that kept an even older release (an earlier canary that was never finished): a stable group too.
  { namespace: `healthy~${SERVICE}~${OLDER_RELEASE}`, canary: 'absent', stable: { rate: 8 } },
];

/** The scenarios' series as the PodMonitor labels the groups' leaders: `job`, and each version's release. */
function groupSeries(canaryRelease: string): string {
  return openMetrics([...Object.values(SCENARIOS), ...EXTRA]).split('\n').map(line => {
    const ns = /namespace="([^"]+)"/.exec(line);
    if (!ns) return line;
    const [namespace, job = SERVICE, release] = ns[1].split('~');
    const releases: Record<string, string> = { [CANARY_HASH]: canaryRelease, [STABLE_HASH]: release ?? STABLE_RELEASE };
    return line.replace(ns[0], `namespace="${namespace}",job="${job}"`)
      .replace(/rollouts_pod_template_hash="([^"]+)"/, (_, hash: string) => `rollouts_pod_template_hash="${releases[hash]}"`);
  }).join('\n');
}

describe('a staged multi-node update gated against a real Prometheus', () => {
  let docs: any[];
  let metrics: Array<ScheduledMetric & { name: string }>;
  let args: Record<string, string>;
  let prometheus: PromServer | undefined;
  const server = () => prometheus!;
  afterAll(() => prometheus?.stop());
  beforeAll(async () => {
    docs = await staged();
    const run = docs.find(d => d.kind === 'AnalysisRun');
    // The evaluator's job metric runs a Job, not a query: the gates are the Prometheus metrics.
    expect(run.spec.metrics.filter((m: any) => m.provider.job).map((m: any) => m.name)).toEqual(['validation']);
    metrics = run.spec.metrics.filter((m: any) => m.provider.prometheus);
    expect(metrics.length).toBe(5);
    args = Object.fromEntries(run.spec.args.map((a: any) => [a.name, a.value]));
    expect(args['stable-hash']).toBeUndefined();
    prometheus = await startPrometheus(groupSeries(args['canary-hash']));
  });

  test('the scrape labels the new groups\' leaders with the run\'s canary-hash, the old groups\' with their own release, all with the service\'s job', () => {
    const lws = docs.find(d => d.kind === 'LeaderWorkerSet');
    const monitor = docs.find(d => d.kind === 'PodMonitor');
    const rules = monitor.spec.podMetricsEndpoints[0].relabelings;
    const newLeader = { ...lws.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels, 'leaderworkerset.sigs.k8s.io/worker-index': '0' };
    const oldLeader = { ...newLeader, 'mlops.cdk8s.io/release': STABLE_RELEASE };
    expect(relabel(podMeta(newLeader), rules).rollouts_pod_template_hash).toBe(args['canary-hash']);
    expect(relabel(podMeta(oldLeader), rules).rollouts_pod_template_hash).toBe(STABLE_RELEASE);
    // prometheus-operator sets `job` from the pod label named by jobLabel.
    expect(newLeader[monitor.spec.jobLabel]).toBe(SERVICE);
    // The stable matcher (`!~"<canary-hash>|"`, anchored) takes the old release and neither the new one nor a series without one.
    const stable = new RegExp(`^(?:${args['canary-hash']}|)$`);
    expect([STABLE_RELEASE, OLDER_RELEASE, args['canary-hash'], ''].map(r => !stable.test(r))).toEqual([true, true, false, false]);
    // A Rollout's pod (no release label) keeps its own hash.
    expect(relabel(podMeta({ 'rollouts-pod-template-hash': '6d4f8b7c9' }), rules).rollouts_pod_template_hash).toBe('6d4f8b7c9');
  });

  /** Whole AnalysisRuns as Argo Rollouts runs them, the last measurement at the data's end. */
  const runs = (scenario: string) =>
    Promise.all(metrics.map(m => analysisRun(server(), m, { ...args, namespace: scenario }, startEndingAt(m, END_TIME))));

  test('new groups healthy: every gate passes (another service\'s series left out, an older release of this one taken in)', async () => {
    expect((await runs('healthy')).map(r => r.phase)).toEqual(metrics.map(() => 'Successful'));
    // The stable side really reads both old releases of the service and nothing else: 8 + 8 req/s.
    const stableRate = `sum(rate(vllm:e2e_request_latency_seconds_count{namespace="healthy",rollouts_pod_template_hash!~"${args['canary-hash']}|",job="${SERVICE}"}[5m]))`;
    expect((await server().query(stableRate)).values[0]).toBeCloseTo(16, 1);
    // Without the job matcher the other service's series would count as stable, and the comparison would fail.
    const vsStable = metrics.find(m => m.name === 'latency-p95-vs-stable')!;
    expect(vsStable.provider.prometheus!.query).toContain(`,job="${SERVICE}"`);
    const query = vsStable.provider.prometheus!.query!.split(`,job="${SERVICE}"`).join('');
    const unscoped = { ...vsStable, provider: { prometheus: { ...vsStable.provider.prometheus, query } } };
    expect((await analysisRun(server(), unscoped, { ...args, namespace: 'healthy' }, startEndingAt(vsStable, END_TIME))).phase).toBe('Failed');
  });

  test('no stable series (the update is complete, or the commit changed no pod): no comparison with the stable passes', async () => {
    const result = await runs('stable-absent');
    const phase = (name: string) => result[metrics.findIndex(m => m.name === name)].phase;
    expect(metrics.filter(m => m.name.endsWith('-vs-stable')).map(m => phase(m.name))).toEqual(['Inconclusive', 'Inconclusive']);
    expect(phase('error-rate')).toBe('Successful');
  });

  test.each(['errors-5x', 'errors-relative', 'slow-p99'])('new groups degraded (%s): the run fails', async scenario => {
    expect((await runs(scenario)).map(r => r.phase)).toContain('Failed');
  });

  test.each(['no-traffic', 'only-non-inference', 'canary-absent', 'scraped-once'])('no traffic or no data (%s): never passes', async scenario => {
    const phases = (await runs(scenario)).map(r => r.phase);
    expect(phases.some(p => p !== 'Successful')).toBe(true);
    // The error-rate gates read requests only: without any, neither of them may pass.
    expect(phases.slice(0, 2).every(p => p === 'Inconclusive' || p === 'Failed')).toBe(true);
  });
});

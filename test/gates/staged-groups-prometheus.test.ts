import { App } from 'cdk8s';
import { Llama405bMultiNodeChart } from '../../examples/llama-405b-multi-node';
import { expectConformant } from '../conformance';
import { analysisRun, ScheduledMetric, startEndingAt } from '../prometheus/analysis-run';
import { CANARY_HASH, END_TIME, STABLE_HASH } from '../prometheus/openmetrics';
import { useScenarioServer } from '../prometheus/server';

// The staged update of the 405B example, measured by the real Prometheus of test/prometheus with the AnalysisRun
// the library renders (scenarios: test/prometheus/openmetrics.ts). The scenario data labels the canary and stable
// series `rollouts_pod_template_hash="canary-hash"` / `"stable-hash"`; the first test proves that the PodMonitor's
// relabelling gives the new and the old groups' leaders exactly the run's canary-hash and stable-hash values, so
// the data stands for them.
const STABLE_RELEASE = '3f9c2d7a1b';

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

const server = useScenarioServer();

describe('a staged multi-node update gated against a real Prometheus', () => {
  let docs: any[];
  let metrics: ScheduledMetric[];
  let args: Record<string, string>;
  beforeAll(async () => {
    docs = await staged();
    const run = docs.find(d => d.kind === 'AnalysisRun');
    // The evaluator's job metric runs a Job, not a query: the gates are the Prometheus metrics.
    expect(run.spec.metrics.filter((m: any) => m.provider.job).map((m: any) => m.name)).toEqual(['validation']);
    metrics = run.spec.metrics.filter((m: any) => m.provider.prometheus);
    expect(metrics.length).toBe(5);
    args = Object.fromEntries(run.spec.args.map((a: any) => [a.name, a.value]));
  });

  test('the scrape labels the new groups\' leaders with the run\'s canary-hash and the old groups\' with its stable-hash', () => {
    const lws = docs.find(d => d.kind === 'LeaderWorkerSet');
    const rules = docs.find(d => d.kind === 'PodMonitor').spec.podMetricsEndpoints[0].relabelings;
    const newLeader = { ...lws.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels, 'leaderworkerset.sigs.k8s.io/worker-index': '0' };
    const oldLeader = { ...newLeader, 'mlops.cdk8s.io/release': STABLE_RELEASE };
    expect(relabel(podMeta(newLeader), rules).rollouts_pod_template_hash).toBe(args['canary-hash']);
    expect(relabel(podMeta(oldLeader), rules).rollouts_pod_template_hash).toBe(args['stable-hash']);
    expect(args['canary-hash']).not.toBe(args['stable-hash']);
    // A Rollout's pod (no release label) keeps its own hash.
    expect(relabel(podMeta({ 'rollouts-pod-template-hash': '6d4f8b7c9' }), rules).rollouts_pod_template_hash).toBe('6d4f8b7c9');
  });

  /** Whole AnalysisRuns as Argo Rollouts runs them, the last measurement at the data's end. */
  const runs = (scenario: string) => Promise.all(metrics.map(m => analysisRun(server(), m, { ...args, 'namespace': scenario, 'canary-hash': CANARY_HASH, 'stable-hash': STABLE_HASH }, startEndingAt(m, END_TIME))));

  test('new groups healthy: every gate passes', async () => {
    expect((await runs('healthy')).map(r => r.phase)).toEqual(metrics.map(() => 'Successful'));
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

import { Duration } from 'cdk8s';
import { AlertPreset, AlertSeverity, ModelAlerts, ModelRuntime, Percentile, PredictionDistribution } from '../../src';
import { expectConformant } from '../conformance';
import { expectRulesPass, promtoolTestRules, RuleScenario } from './promtool-rules';
import { service, SHA } from '../serving/helpers';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** The synthesized PrometheusRule of a service `llm` in namespace `llm` with the given presets (conformance-checked). */
async function rules(...alerts: AlertPreset[]): Promise<any> {
  const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
  new ModelAlerts(chart, 'Alerts', { service: svc, alerts });
  const docs = await expectConformant(chart);
  return docs.find((d: any) => d.kind === 'PrometheusRule');
}

/** Series labels as the library's PodMonitor writes them, for a stable (v1) and a canary (v2) pod. */
const POD = {
  v1: 'namespace="llm",job="llm",pod="llm-5d8f7c9b4-x7k2p",model_version="v1",rollouts_pod_template_hash="5d8f7c9b4"',
  v2: 'namespace="llm",job="llm",pod="llm-7c9b4d6f5-hqz2w",model_version="v2",rollouts_pod_template_hash="7c9b4d6f5"',
};
const VERSION = {
  v1: { namespace: 'llm', job: 'llm', model_version: 'v1', rollouts_pod_template_hash: '5d8f7c9b4' },
  v2: { namespace: 'llm', job: 'llm', model_version: 'v2', rollouts_pod_template_hash: '7c9b4d6f5' },
};
/** DCGM series of a GPU of the v1 pod as the library's ServiceMonitor keeps them. */
const GPU = (pod = 'llm-5d8f7c9b4-x7k2p', gpu = '0', job = 'llm-gpu') =>
  `namespace="llm",pod="${pod}",container="server",gpu="${gpu}",UUID="GPU-${gpu}",Hostname="node-1",job="${job}"`;
const GPU_ALERT = (gpu = '0') => ({ namespace: 'llm', pod: 'llm-5d8f7c9b4-x7k2p', gpu, UUID: `GPU-${gpu}`, Hostname: 'node-1' });

describe('request alerts', () => {
  test('errorRate: fires on 5% errors, silent at 0.5% and without traffic', async () => {
    const doc = await rules(AlertPreset.errorRate({ maxRatio: 0.01 }));
    const alert = doc.spec.groups[0].rules[0];
    expect(alert).toMatchObject({ alert: 'ModelHighErrorRate', for: '5m', labels: { severity: 'critical', service: 'llm' } });
    expect(alert.annotations.description).toContain(MODEL);
    expectRulesPass(doc, [
      {
        name: 'firing',
        series: { [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="2xx"}`]: '0+570x30', [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="5xx"}`]: '0+30x30' },
        evalTime: '20m',
        alerts: { ModelHighErrorRate: [{ labels: VERSION.v1, value: '5%' }] },
      },
      {
        name: 'healthy',
        series: { [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="2xx"}`]: '0+597x30', [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="5xx"}`]: '0+3x30' },
        evalTime: '20m',
        alerts: { ModelHighErrorRate: [] },
      },
      {
        name: 'healthy without any error series (vLLM writes status="5xx" only once one failed)',
        series: { [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="2xx"}`]: '0+600x30' },
        evalTime: '20m',
        alerts: { ModelHighErrorRate: [] },
      },
      { name: 'no traffic', series: { [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="2xx"}`]: '1000x30' }, evalTime: '20m', alerts: { ModelHighErrorRate: [] } },
      {
        name: 'failures of a route that is not inference (/tokenize) do not count',
        series: {
          [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="2xx"}`]: '0+600x30',
          [`http_requests_total{${POD.v1},handler="/tokenize",status="5xx"}`]: '0+300x30',
        },
        evalTime: '20m',
        alerts: { ModelHighErrorRate: [] },
      },
    ]);
  });

  test('the helper fails when an expectation is wrong', async () => {
    const doc = await rules(AlertPreset.errorRate({ maxRatio: 0.01 }));
    const wrong: RuleScenario = {
      name: 'healthy data expected to fire',
      series: { [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="2xx"}`]: '0+600x30' },
      evalTime: '20m',
      alerts: { ModelHighErrorRate: [{ labels: VERSION.v1, value: '5%' }] },
    };
    const result = promtoolTestRules(doc, [wrong]);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/FAILED/);
    expect(() => expectRulesPass(doc, [wrong])).toThrow(/promtool test rules failed/);
  });
});

describe('latency alerts', () => {
  const histogram = (metric: string, pod: string, buckets: Record<string, string>) =>
    Object.fromEntries(Object.entries(buckets).map(([le, values]) => [`${metric}_bucket{${pod},le="${le}"}`, values]));

  test('latency p95: fires per version when the canary is slow, silent when fast and without traffic', async () => {
    const doc = await rules(AlertPreset.latency({ threshold: Duration.seconds(8) }));
    const m = 'vllm:e2e_request_latency_seconds';
    const fast = { '1.0': '0+60x30', '5.0': '0+60x30', '10.0': '0+60x30', '+Inf': '0+60x30' };
    const slow = { '1.0': '0x30', '5.0': '0x30', '10.0': '0+60x30', '+Inf': '0+60x30' };
    expectRulesPass(doc, [
      {
        name: 'canary slow, stable fast',
        series: { ...histogram(m, POD.v1, fast), ...histogram(m, POD.v2, slow) },
        evalTime: '20m',
        // Requests between 5 s and 10 s: p95 = 5 + 0.95 * 5 = 9.75 s.
        alerts: { ModelHighLatencyP95: [{ labels: VERSION.v2, value: '9.75s' }] },
      },
      { name: 'healthy', series: histogram(m, POD.v1, fast), evalTime: '20m', alerts: { ModelHighLatencyP95: [] } },
      {
        name: 'no traffic',
        series: histogram(m, POD.v1, { '1.0': '10x30', '5.0': '10x30', '10.0': '10x30', '+Inf': '10x30' }),
        evalTime: '20m',
        alerts: { ModelHighLatencyP95: [] },
      },
    ]);
  });

  test('time to first token p99 with a custom for: fires after it, not before', async () => {
    const doc = await rules(AlertPreset.timeToFirstToken({ percentile: Percentile.P99, threshold: Duration.millis(500), for: Duration.minutes(10) }));
    expect(doc.spec.groups[0].rules[0]).toMatchObject({ alert: 'ModelHighTimeToFirstTokenP99', for: '10m' });
    const m = 'vllm:time_to_first_token_seconds';
    const slow = histogram(m, POD.v1, { '0.1': '0x30', '0.5': '0x30', '1.0': '0+60x30', '+Inf': '0+60x30' });
    expectRulesPass(doc, [
      // p99 = 0.5 + 0.99 * 0.5 = 0.995 s
      { name: 'slow, after for', series: slow, evalTime: '20m', alerts: { ModelHighTimeToFirstTokenP99: [{ labels: VERSION.v1, value: '995ms' }] } },
      { name: 'slow, before for', series: slow, evalTime: '8m', alerts: { ModelHighTimeToFirstTokenP99: [] } },
      {
        name: 'healthy',
        series: histogram(m, POD.v1, { '0.1': '0+60x30', '0.5': '0+60x30', '1.0': '0+60x30', '+Inf': '0+60x30' }),
        evalTime: '20m',
        alerts: { ModelHighTimeToFirstTokenP99: [] },
      },
      { name: 'no traffic', series: histogram(m, POD.v1, { '0.1': '0x30', '+Inf': '0x30' }), evalTime: '20m', alerts: { ModelHighTimeToFirstTokenP99: [] } },
    ]);
  });

  test('latency SLO: fast and slow burn, Go- and Python-style le labels, a missing bucket', async () => {
    const doc = await rules(AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(10) }));
    expect(doc.spec.groups[0].rules.filter((r: any) => r.record).map((r: any) => r.record)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map(w => `model:request_slow_ratio:rate${w}`));
    const m = 'vllm:e2e_request_latency_seconds';
    const job = { namespace: 'llm', job: 'llm' };
    const traffic = (pod: string, le: string, fast: string, all: string) => ({
      [`${m}_bucket{${pod},le="${le}"}`]: fast, [`${m}_bucket{${pod},le="+Inf"}`]: all, [`${m}_count{${pod}}`]: all,
    });
    const silent = { ModelLatencyBudgetBurnFast: [], ModelLatencyBudgetBurnSlow: [], ModelLatencySloBucketMissing: [] };
    expectRulesPass(doc, [
      {
        name: 'half the requests slower than 10 s: both burn alerts',
        series: traffic(POD.v1, '10.0', '0+30x180', '0+60x180'),
        evalTime: '2h',
        alerts: { ...silent, ModelLatencyBudgetBurnFast: [{ labels: job, value: '50%' }], ModelLatencyBudgetBurnSlow: [{ labels: job, value: '50%' }] },
      },
      {
        name: '2% slow (2x the budget) for hours, Go-style le="10": slow burn only',
        interval: '5m',
        series: traffic(POD.v1, '10', '0+294x100', '0+300x100'),
        evalTime: '7h',
        alerts: { ...silent, ModelLatencyBudgetBurnSlow: [{ labels: job, value: '2%' }] },
      },
      { name: 'healthy: 0.5% slow', interval: '5m', series: traffic(POD.v1, '10.0', '0+597x100', '0+600x100'), evalTime: '7h', alerts: silent },
      { name: 'no traffic', series: traffic(POD.v1, '10.0', '100x180', '100x180'), evalTime: '2h', alerts: silent },
      {
        name: 'no bucket at the threshold: the SLO cannot be measured',
        series: { ...traffic(POD.v1, '5.0', '0+30x60', '0+60x60'), [`${m}_bucket{${POD.v1},le="20.0"}`]: '0+60x60' },
        evalTime: '30m',
        alerts: { ...silent, ModelLatencySloBucketMissing: [{ labels: job }] },
      },
    ]);
  });
});

describe('availability SLO', () => {
  test('multi-window multi-burn-rate: fast burn pages, slow burn tickets, healthy and idle stay silent', async () => {
    const doc = await rules(AlertPreset.availabilitySlo({ objective: 0.999, runbookUrl: 'https://runbooks.example.com/availability' }));
    const alerts = doc.spec.groups[0].rules.filter((r: any) => r.alert);
    expect(alerts.map((r: any) => [r.alert, r.labels.severity, r.for])).toEqual([
      ['ModelAvailabilityBudgetBurnFast', 'critical', '2m'], ['ModelAvailabilityBudgetBurnSlow', 'warning', '15m'],
    ]);
    // 14.4x and 6x, 3x and 1x the 0.1% budget.
    expect(alerts[0].expr).toContain('model:request_error_ratio:rate1h{namespace="llm",job="llm"} > 0.0144 and model:request_error_ratio:rate5m{namespace="llm",job="llm"} > 0.0144');
    expect(alerts[1].expr).toContain('model:request_error_ratio:rate3d{namespace="llm",job="llm"} > 0.001 and model:request_error_ratio:rate6h{namespace="llm",job="llm"} > 0.001');
    expect(alerts[0].annotations.runbook_url).toBe('https://runbooks.example.com/availability');
    const job = { namespace: 'llm', job: 'llm' };
    const requests = (ok: string, failed: string) => ({ [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="2xx"}`]: ok, [`http_requests_total{${POD.v1},handler="/v1/chat/completions",status="5xx"}`]: failed });
    const silent = { ModelAvailabilityBudgetBurnFast: [], ModelAvailabilityBudgetBurnSlow: [] };
    expectRulesPass(doc, [
      {
        name: '5% errors: fast and slow burn',
        series: requests('0+950x180', '0+50x180'),
        evalTime: '2h',
        alerts: { ModelAvailabilityBudgetBurnFast: [{ labels: job, value: '5%' }], ModelAvailabilityBudgetBurnSlow: [{ labels: job, value: '5%' }] },
      },
      {
        name: '0.2% errors for hours: slow burn only',
        interval: '5m',
        series: requests('0+2495x100', '0+5x100'),
        evalTime: '7h',
        alerts: { ...silent, ModelAvailabilityBudgetBurnSlow: [{ labels: job, value: '0.2%' }] },
      },
      { name: 'healthy: 0.05% errors', interval: '5m', series: requests('0+1999x100', '0+1x100'), evalTime: '7h', alerts: silent },
      { name: 'no traffic', series: requests('500x180', '5x180'), evalTime: '2h', alerts: silent },
    ]);
  });
});

describe('vLLM saturation', () => {
  test('queue depth: the busiest replica of a version', async () => {
    const doc = await rules(AlertPreset.queueDepth({ maxWaiting: 10 }));
    const q = (pod: string) => `vllm:num_requests_waiting{${pod}}`;
    expectRulesPass(doc, [
      { name: 'backlog on the canary', series: { [q(POD.v1)]: '2x30', [q(POD.v2)]: '25x30' }, evalTime: '20m', alerts: { ModelQueueBacklog: [{ labels: VERSION.v2, value: '25' }] } },
      { name: 'healthy', series: { [q(POD.v1)]: '2x30' }, evalTime: '20m', alerts: { ModelQueueBacklog: [] } },
      { name: 'no traffic', series: { [q(POD.v1)]: '0x30' }, evalTime: '20m', alerts: { ModelQueueBacklog: [] } },
    ]);
  });

  test('KV cache usage', async () => {
    const doc = await rules(AlertPreset.kvCacheUsage({ maxUsage: 0.9 }));
    const kv = `vllm:kv_cache_usage_perc{${POD.v1}}`;
    expectRulesPass(doc, [
      { name: 'nearly full', series: { [kv]: '0.97x30' }, evalTime: '20m', alerts: { ModelKvCacheNearFull: [{ labels: VERSION.v1, value: '97%' }] } },
      { name: 'healthy', series: { [kv]: '0.5x30' }, evalTime: '20m', alerts: { ModelKvCacheNearFull: [] } },
      { name: 'no traffic', series: { [kv]: '0x30' }, evalTime: '20m', alerts: { ModelKvCacheNearFull: [] } },
    ]);
  });
});

describe('GPU health (DCGM)', () => {
  const util = (pod?: string, gpu?: string, job?: string) => `DCGM_FI_DEV_GPU_UTIL{${GPU(pod, gpu, job)}}`;

  test('underutilized: the model\'s GPUs only, deduplicated across scrapes; no DCGM data is silent', async () => {
    const doc = await rules(AlertPreset.gpuUnderutilized());
    expectRulesPass(doc, [
      {
        name: 'idle GPUs, also scraped by a cluster-wide job',
        series: { [util()]: '5x120', [util(undefined, '1')]: '5x120', [util(undefined, '0', 'nvidia-dcgm-exporter')]: '5x120' },
        evalTime: '90m',
        alerts: { ModelGpuUnderutilized: [{ labels: { namespace: 'llm' }, value: '5' }] },
      },
      {
        name: 'busy GPUs beside idle GPUs of other workloads whose pod names start alike',
        series: { [util()]: '30x120', [util('llm-other-5d8f7c9b4-x7k2p')]: '0x120', [util('llm-5d8f7c9b4-x7k2p-x')]: '0x120' },
        evalTime: '90m',
        alerts: { ModelGpuUnderutilized: [] },
      },
      { name: 'no DCGM data', series: { [`up{${POD.v1}}`]: '1x120' }, evalTime: '90m', alerts: { ModelGpuUnderutilized: [] } },
    ]);
  });

  test('saturated, per pod', async () => {
    const doc = await rules(AlertPreset.gpuSaturated({ maxUtilization: 0.95 }));
    expectRulesPass(doc, [
      { name: 'saturated', series: { [util()]: '100x40' }, evalTime: '30m', alerts: { ModelGpuSaturated: [{ labels: { namespace: 'llm', pod: 'llm-5d8f7c9b4-x7k2p' }, value: '100' }] } },
      { name: 'healthy', series: { [util()]: '70x40' }, evalTime: '30m', alerts: { ModelGpuSaturated: [] } },
      { name: 'no DCGM data', series: {}, evalTime: '30m', alerts: { ModelGpuSaturated: [] } },
    ]);
  });

  test('framebuffer memory near full, per GPU', async () => {
    const doc = await rules(AlertPreset.gpuMemoryNearFull());
    const fb = (used: string, free: string) => ({ [`DCGM_FI_DEV_FB_USED{${GPU()}}`]: used, [`DCGM_FI_DEV_FB_FREE{${GPU()}}`]: free });
    expectRulesPass(doc, [
      { name: 'full', series: fb('79500x30', '400x30'), evalTime: '20m', alerts: { ModelGpuMemoryNearFull: [{ labels: GPU_ALERT(), value: '99.5%' }] } },
      { name: 'vLLM\'s usual 90%', series: fb('72000x30', '7900x30'), evalTime: '20m', alerts: { ModelGpuMemoryNearFull: [] } },
      { name: 'no DCGM data', series: {}, evalTime: '20m', alerts: { ModelGpuMemoryNearFull: [] } },
    ]);
  });

  test('XID errors: a new code fires, a code that stays set from before does not', async () => {
    const doc = await rules(AlertPreset.gpuXidErrors());
    const xid = `DCGM_FI_DEV_XID_ERRORS{${GPU()}}`;
    expectRulesPass(doc, [
      { name: 'XID 79 at minute 11', series: { [xid]: '0x10 79x20' }, evalTime: '15m', alerts: { ModelGpuXidError: [{ labels: GPU_ALERT(), value: '79' }] } },
      { name: 'the same code 20 minutes later', series: { [xid]: '0x10 79x20' }, evalTime: '30m', alerts: { ModelGpuXidError: [] } },
      { name: 'healthy', series: { [xid]: '0x30' }, evalTime: '15m', alerts: { ModelGpuXidError: [] } },
      { name: 'no DCGM data', series: {}, evalTime: '15m', alerts: { ModelGpuXidError: [] } },
    ]);
  });

  test('the no-data alerts: GPU metrics missing while the server is up, all metrics missing', async () => {
    const doc = await rules(AlertPreset.gpuMetricsMissing(), AlertPreset.metricsMissing());
    const up = `up{${POD.v1}}`;
    expectRulesPass(doc, [
      {
        name: 'server up, no DCGM series',
        series: { [up]: '1x30', [util('other-5d8f7c9b4-x7k2p')]: '50x30' },
        evalTime: '20m',
        alerts: { ModelGpuMetricsMissing: [{ labels: { namespace: 'llm' } }], ModelMetricsMissing: [] },
      },
      { name: 'healthy (no traffic is fine)', series: { [up]: '1x30', [util()]: '0x30' }, evalTime: '20m', alerts: { ModelGpuMetricsMissing: [], ModelMetricsMissing: [] } },
      { name: 'server down', series: { [up]: '0x30' }, evalTime: '20m', alerts: { ModelGpuMetricsMissing: [], ModelMetricsMissing: [{}] } },
      { name: 'never scraped', series: {}, evalTime: '20m', alerts: { ModelGpuMetricsMissing: [], ModelMetricsMissing: [{}] } },
    ]);
  });
});

describe('model behaviour', () => {
  test('data drift on a published score, with the missing-score alert', async () => {
    const doc = await rules(AlertPreset.dataDrift({ metric: 'model_drift_score', threshold: 0.3 }));
    const drift = `model_drift_score{${POD.v1},feature="prompt_length"}`;
    const up = `up{${POD.v1}}`;
    expectRulesPass(doc, [
      {
        name: 'drifted',
        series: { [drift]: '0.45x30' },
        evalTime: '20m',
        alerts: { ModelDataDrift: [{ labels: { ...VERSION.v1, feature: 'prompt_length' }, value: '0.45' }], ModelDataDriftMissing: [] },
      },
      { name: 'healthy', series: { [drift]: '0.1x30' }, evalTime: '20m', alerts: { ModelDataDrift: [], ModelDataDriftMissing: [] } },
      { name: 'score not published', series: { [up]: '1x90' }, evalTime: '80m', alerts: { ModelDataDrift: [], ModelDataDriftMissing: [{ labels: { namespace: 'llm', job: 'llm' } }] } },
    ]);
  });

  test('data drift from a separate exporter (selector)', async () => {
    const doc = await rules(AlertPreset.dataDrift({ metric: 'feature_drift', threshold: 0.3, selector: 'job="drift-exporter",model="llm"', severity: AlertSeverity.CRITICAL }));
    expect(doc.spec.groups[0].rules[0].labels.severity).toBe('critical');
    const drift = 'feature_drift{namespace="monitoring",job="drift-exporter",model="llm",pod="drift-1",instance="10.0.0.1:8080"}';
    expectRulesPass(doc, [
      {
        name: 'drifted',
        series: { [drift]: '0.5x30', 'feature_drift{namespace="monitoring",job="drift-exporter",model="other"}': '0.9x30' },
        evalTime: '20m',
        alerts: { ModelDataDrift: [{ labels: { namespace: 'monitoring', job: 'drift-exporter', model: 'llm' }, value: '0.5' }] },
      },
      { name: 'healthy', series: { [drift]: '0.2x30' }, evalTime: '20m', alerts: { ModelDataDrift: [] } },
    ]);
  });

  test('prediction shift between canary and stable (class shares): only when both serve', async () => {
    const doc = await rules(AlertPreset.predictionShift({ distribution: PredictionDistribution.classes('predictions_total', 'class'), maxDistance: 0.2 }));
    expect(doc.spec.groups[0].rules[0].record).toBe('model:prediction_share:rate30m');
    const p = (pod: string, cls: string) => `predictions_total{${pod},class="${cls}"}`;
    const job = { namespace: 'llm', job: 'llm' };
    expectRulesPass(doc, [
      {
        name: 'canary predicts cat 90%, stable 50%',
        series: { [p(POD.v1, 'cat')]: '0+50x60', [p(POD.v1, 'dog')]: '0+50x60', [p(POD.v2, 'cat')]: '0+90x60', [p(POD.v2, 'dog')]: '0+10x60' },
        evalTime: '50m',
        alerts: { ModelPredictionShift: [{ labels: job, value: '0.4' }] },
      },
      {
        name: 'a class only the canary predicts',
        series: { [p(POD.v1, 'cat')]: '0+100x60', [p(POD.v2, 'bird')]: '0+100x60' },
        evalTime: '50m',
        alerts: { ModelPredictionShift: [{ labels: job, value: '1' }] },
      },
      {
        name: 'same distribution',
        series: { [p(POD.v1, 'cat')]: '0+50x60', [p(POD.v1, 'dog')]: '0+50x60', [p(POD.v2, 'cat')]: '0+10x60', [p(POD.v2, 'dog')]: '0+10x60' },
        evalTime: '50m',
        alerts: { ModelPredictionShift: [] },
      },
      { name: 'stable only', series: { [p(POD.v1, 'cat')]: '0+90x60', [p(POD.v1, 'dog')]: '0+10x60' }, evalTime: '50m', alerts: { ModelPredictionShift: [] } },
      {
        name: 'canary without traffic',
        series: { [p(POD.v1, 'cat')]: '0+50x60', [p(POD.v1, 'dog')]: '0+50x60', [p(POD.v2, 'cat')]: '7x60' },
        evalTime: '50m',
        alerts: { ModelPredictionShift: [] },
      },
    ]);
  });

  test('prediction shift of a score histogram (Kolmogorov-Smirnov)', async () => {
    const doc = await rules(AlertPreset.predictionShift({ distribution: PredictionDistribution.histogram('prediction_score'), maxDistance: 0.2 }));
    const h = (pod: string, below: string) => ({
      [`prediction_score_bucket{${pod},le="0.5"}`]: below,
      [`prediction_score_bucket{${pod},le="1.0"}`]: '0+100x60',
      [`prediction_score_bucket{${pod},le="+Inf"}`]: '0+100x60',
      [`prediction_score_count{${pod}}`]: '0+100x60',
    });
    expectRulesPass(doc, [
      { name: 'shifted', series: { ...h(POD.v1, '0+50x60'), ...h(POD.v2, '0+90x60') }, evalTime: '50m', alerts: { ModelPredictionShift: [{ labels: { namespace: 'llm', job: 'llm' }, value: '0.4' }] } },
      { name: 'same', series: { ...h(POD.v1, '0+50x60'), ...h(POD.v2, '0+50x60') }, evalTime: '50m', alerts: { ModelPredictionShift: [] } },
      { name: 'stable only', series: h(POD.v1, '0+50x60'), evalTime: '50m', alerts: { ModelPredictionShift: [] } },
      {
        name: 'no traffic',
        series: Object.fromEntries(Object.keys({ ...h(POD.v1, ''), ...h(POD.v2, '') }).map(k => [k, '100x60'])),
        evalTime: '50m',
        alerts: { ModelPredictionShift: [] },
      },
    ]);
  });

  test('quality below the validated baseline, with the missing-metric alert', async () => {
    const doc = await rules(AlertPreset.qualityBelowBaseline({ metric: 'model_accuracy', baseline: 0.87, tolerance: 0.02 }));
    expect(doc.spec.groups[0].rules[0].expr).toBe('min without (instance, pod, container, endpoint) (model_accuracy{namespace="llm",job="llm"}) < 0.85');
    const acc = `model_accuracy{${POD.v1}}`;
    expectRulesPass(doc, [
      { name: 'degraded', series: { [acc]: '0.8x30' }, evalTime: '20m', alerts: { ModelQualityBelowBaseline: [{ labels: VERSION.v1, value: '0.8' }], ModelQualityBelowBaselineMissing: [] } },
      { name: 'within tolerance', series: { [acc]: '0.86x30' }, evalTime: '20m', alerts: { ModelQualityBelowBaseline: [], ModelQualityBelowBaselineMissing: [] } },
      {
        name: 'not published',
        series: { [`up{${POD.v1}}`]: '1x90' },
        evalTime: '80m',
        alerts: { ModelQualityBelowBaseline: [], ModelQualityBelowBaselineMissing: [{ labels: { namespace: 'llm', job: 'llm' } }] },
      },
    ]);
  });
});

describe('ModelAlerts', () => {
  test('every preset in one PrometheusRule: recording rules first and shared, severity/service labels, annotations name model and version', async () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
    const alerts = new ModelAlerts(chart, 'Alerts', {
      service: svc,
      runbookBaseUrl: 'https://runbooks.example.com/llm/',
      alertLabels: { team: 'ml-platform' },
      ruleLabels: { release: 'kube-prometheus-stack' },
      evaluationInterval: Duration.seconds(30),
      alerts: [
        AlertPreset.errorRate({ maxRatio: 0.01 }),
        AlertPreset.latency({ threshold: Duration.seconds(8) }),
        AlertPreset.latency({ percentile: Percentile.P99, threshold: Duration.seconds(20), labels: { team: 'llm-serving' } }),
        AlertPreset.timeToFirstToken({ threshold: Duration.millis(500) }),
        AlertPreset.queueDepth({ maxWaiting: 10 }),
        AlertPreset.kvCacheUsage({ maxUsage: 0.95 }),
        AlertPreset.availabilitySlo({ objective: 0.999 }),
        AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(10) }),
        AlertPreset.gpuUnderutilized(),
        AlertPreset.gpuSaturated(),
        AlertPreset.gpuMemoryNearFull(),
        AlertPreset.gpuXidErrors(),
        AlertPreset.gpuMetricsMissing(),
        AlertPreset.metricsMissing(),
        AlertPreset.dataDrift({ metric: 'model_drift_score', threshold: 0.3 }),
        AlertPreset.predictionShift({ distribution: PredictionDistribution.classes('predictions_total', 'class'), maxDistance: 0.2 }),
        AlertPreset.predictionShift({ distribution: PredictionDistribution.classes('predictions_total', 'class'), maxDistance: 0.5, alertName: 'ModelPredictionShiftLarge' }),
        AlertPreset.qualityBelowBaseline({ metric: 'model_accuracy', baseline: 0.87 }),
      ],
    });
    const docs = await expectConformant(chart);
    const doc = docs.find((d: any) => d.kind === 'PrometheusRule') as any;
    expect(doc.metadata).toMatchObject({ name: 'llm-alerts', namespace: 'llm', labels: { release: 'kube-prometheus-stack' } });
    const group = doc.spec.groups[0];
    expect(group).toMatchObject({ name: 'llm.model', interval: '30s' });
    const kinds = group.rules.map((r: any) => (r.record ? 'record' : 'alert'));
    expect(kinds.indexOf('alert')).toBe(kinds.lastIndexOf('record') + 1);
    // 7 + 7 SLO windows, one prediction share recorded once for both shift alerts.
    expect(kinds.filter((k: string) => k === 'record')).toHaveLength(15);
    expect(alerts.alertNames).toHaveLength(23);
    for (const r of group.rules.filter((x: any) => x.alert)) {
      expect(Object.keys(r.labels)).toEqual(expect.arrayContaining(['severity', 'service', 'team']));
      expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
      expect(r.annotations.runbook_url).toBe(`https://runbooks.example.com/llm/${r.alert.toLowerCase()}`);
      expect(r.annotations.description).toContain(MODEL);
      expect(r.annotations.description).toMatch(new RegExp(`version (${SHA}|\\{\\{ \\$labels.model_version \\}\\})`));
      expect(r.annotations.summary).toMatch(/^llm: /);
    }
    expect(group.rules.find((r: any) => r.alert === 'ModelHighLatencyP99').labels.team).toBe('llm-serving');
  });

  test('TGI: error and latency presets read its counters and histogram', async () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm', runtime: ModelRuntime.tgi() });
    new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.errorRate({ maxRatio: 0.01 }), AlertPreset.latency({ threshold: Duration.seconds(8) })] });
    const doc = (await expectConformant(chart)).find((d: any) => d.kind === 'PrometheusRule') as any;
    const [errors, latency] = doc.spec.groups[0].rules;
    expect(errors.expr).toContain('tgi_request_failure{namespace="llm",job="llm"}');
    expect(latency.expr).toContain('tgi_request_duration_bucket{namespace="llm",job="llm"}');
    const tgi = 'namespace="llm",job="llm",pod="llm-5d8f7c9b4-x7k2p",model_version="v1"';
    expectRulesPass(doc, [{
      name: 'TGI errors',
      series: { [`tgi_request_count{${tgi}}`]: '0+100x30', [`tgi_request_failure{${tgi}}`]: '0+10x30' },
      evalTime: '20m',
      alerts: { ModelHighErrorRate: [{ labels: { namespace: 'llm', job: 'llm', model_version: 'v1' }, value: '10%' }] },
    }]);
  });
});

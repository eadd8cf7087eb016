import { App, Testing, YamlOutputType } from 'cdk8s';
import { expectConformant } from './conformance';
import { examples } from './example-charts';
import { expectRulesPass } from './monitoring/promtool-rules';
import { Llama70bCanaryChart } from '../examples/llama-70b-canary';
import { llama70bPipeline } from '../examples/llama-70b-pipeline';
import { Llama70bChart } from '../examples/llama-70b-vllm';

describe.each(Object.entries(examples))('example %s', (_name, build) => {
  test('synthesizes conformant manifests (snapshot)', async () => {
    const app = new App({ outdir: '.tmp/examples' });
    build(app);
    const docs = await expectConformant(app, { sampleArgs: SAMPLE_ARGS });
    expect(docs).toMatchSnapshot();
  });
});

const SAMPLE_ARGS = { 'namespace': 'llm', 'candidate-service': 'llama-70b-canary', 'canary-hash': '6d4f8b7c9', 'stable-hash': '5c8d7e6f4' };

test('example llama-70b-pipeline synthesizes conformant manifests (snapshot)', async () => {
  const app = new App({ outdir: '.tmp/examples', yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
  const pipeline = llama70bPipeline(app);
  const docs = await expectConformant(app, { sampleArgs: SAMPLE_ARGS });
  expect(docs.filter((d: any) => d.kind === 'Application').map((d: any) => d.metadata.name)).toEqual(['llama-70b-staging', 'llama-70b-production']);
  expect(pipeline.production.rollout!.gpuPlan.peakGpus).toBe(48);
  expect(pipeline.staging.rollout!.gpuPlan.peakGpus).toBe(16);
  expect(docs).toMatchSnapshot();
});

test('the 70B example is TP=8 on H100 SXM with vLLM', async () => {
  const app = new App();
  const chart = new Llama70bChart(app, 'llama-70b');
  expect(chart.service.gpusPerReplica).toBe(8);
  expect(chart.service.totalGpus).toBe(16);
  expect(chart.service.accelerator.gfdProduct).toBe('NVIDIA-H100-80GB-HBM3');
});

test('the 70B canary validates one pod before traffic, then gates every traffic step on error rate, p95 latency and TTFT within its GPU budget', () => {
  const chart = new Llama70bCanaryChart(new App(), 'c');
  expect(chart.rollout.gpuPlan.peakGpus).toBe(48);
  const docs = Testing.synth(chart);
  const steps = docs.find((d: any) => d.kind === 'Rollout').spec.strategy.canary.steps;
  const firstTraffic = steps.findIndex((s: any) => s.setWeight !== undefined);
  const validation = steps.findIndex((s: any) => s.analysis?.templates[0].templateName === chart.validation.templateName);
  expect(validation).toBeGreaterThan(-1);
  expect(validation).toBeLessThan(firstTraffic);
  const templates = docs.filter((d: any) => d.kind === 'AnalysisTemplate');
  expect(templates[0].spec.metrics[0].provider.job).toBeDefined();
  expect(templates[1].spec.metrics.map((m: any) => m.name)).toEqual(['error-rate', 'error-rate-vs-stable', 'latency-p95', 'latency-p95-vs-stable', 'ttft-p95']);
});

describe('the 70B canary is monitored from the first request', () => {
  const pod = (name: string, version: string, hash: string) => `namespace="llm",job="llama-70b",pod="${name}",model_version="${version}",rollouts_pod_template_hash="${hash}"`;
  const stable = pod('llama-70b-5d8f7c9b4-x7k2p', 'v1', '5d8f7c9b4');
  const canary = pod('llama-70b-7c9b4d6f5-hqz2w', 'v2', '7c9b4d6f5');
  const server = (p: string, requests: number, failed = 0): Record<string, string> => ({
    [`up{${p}}`]: '1x40',
    [`http_requests_total{${p},handler="/v1/chat/completions",status="2xx"}`]: `0+${requests - failed}x40`,
    ...(failed ? { [`http_requests_total{${p},handler="/v1/chat/completions",status="5xx"}`]: `0+${failed}x40` } : {}),
    ...Object.fromEntries(['5.0', '10.0', '+Inf'].map(le => [`vllm:e2e_request_latency_seconds_bucket{${p},le="${le}"}`, `0+${requests}x40`])),
    [`vllm:e2e_request_latency_seconds_count{${p}}`]: `0+${requests}x40`,
    ...Object.fromEntries(['0.5', '+Inf'].map(le => [`vllm:time_to_first_token_seconds_bucket{${p},le="${le}"}`, `0+${requests}x40`])),
    ...Object.fromEntries(['256', '+Inf'].map(le => [`vllm:request_generation_tokens_bucket{${p},le="${le}"}`, `0+${requests}x40`])),
    [`vllm:request_generation_tokens_count{${p}}`]: `0+${requests}x40`,
    [`vllm:num_requests_waiting{${p}}`]: '2x40',
    [`vllm:kv_cache_usage_perc{${p}}`]: '0.5x40',
  });
  const gpus = (name: string): Record<string, string> => Object.fromEntries(['0', '1'].flatMap(gpu => {
    const l = `namespace="llm",pod="${name}",gpu="${gpu}",UUID="GPU-${name}-${gpu}",Hostname="node-1",job="llama-70b-gpu"`;
    return [[`DCGM_FI_DEV_GPU_UTIL{${l}}`, '60x40'], [`DCGM_FI_DEV_FB_USED{${l}}`, '72000x40'], [`DCGM_FI_DEV_FB_FREE{${l}}`, '7900x40'], [`DCGM_FI_DEV_XID_ERRORS{${l}}`, '0x40']];
  }));
  const published = {
    'prompt_embedding_drift_score{job="drift-exporter",model="llama-70b"}': '0.1x40',
    'llm_judge_score{job="online-eval",model="llama-70b"}': '0.85x40',
  };

  test('scraping, alerts, KEDA autoscaling on the Rollout and the dashboard', () => {
    const docs = Testing.synth(new Llama70bCanaryChart(new App(), 'c'));
    const kinds = docs.map((d: any) => d.kind);
    expect(kinds).toEqual(expect.arrayContaining(['PodMonitor', 'ServiceMonitor', 'PrometheusRule', 'ScaledObject', 'ConfigMap']));
    expect(docs.find((d: any) => d.kind === 'ScaledObject').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'llama-70b' });
  });

  test('its alerts pass promtool test rules: silent on a healthy canary, paging on a failing one', () => {
    const rule = Testing.synth(new Llama70bCanaryChart(new App(), 'c')).find((d: any) => d.kind === 'PrometheusRule');
    const names: string[] = rule.spec.groups[0].rules.filter((r: any) => r.alert).map((r: any) => r.alert);
    expect(names).toHaveLength(21);
    const silent = Object.fromEntries(names.map(n => [n, []]));
    const healthy = { ...server(stable, 600), ...server(canary, 150), ...gpus('llama-70b-5d8f7c9b4-x7k2p'), ...gpus('llama-70b-7c9b4d6f5-hqz2w'), ...published };
    const job = { namespace: 'llm', job: 'llama-70b' };
    expectRulesPass(rule, [
      { name: 'healthy canary', series: healthy, evalTime: '30m', alerts: silent },
      {
        name: 'the canary fails 10% of its requests: 2% overall',
        series: { ...healthy, ...server(canary, 150, 15) },
        evalTime: '30m',
        alerts: {
          ...silent,
          ModelHighErrorRate: [{ labels: { ...job, model_version: 'v2', rollouts_pod_template_hash: '7c9b4d6f5' }, value: '10%' }],
          ModelAvailabilityBudgetBurnFast: [{ labels: job, value: '2%' }],
          ModelAvailabilityBudgetBurnSlow: [{ labels: job, value: '2%' }],
        },
      },
    ]);
  });
});

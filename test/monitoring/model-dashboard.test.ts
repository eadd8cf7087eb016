import { App } from 'cdk8s';
import { Llama405bMultiNodeChart } from '../../examples/llama-405b-multi-node';
import { CudaVersion, ModelDashboard, ModelRuntime, ModelSource, PreStopHandler } from '../../src';
import { expectConformant } from '../conformance';
import { expectPromqlResults } from './promtool-rules';
import { service } from '../serving/helpers';

async function dashboard(overrides = {}, props = {}): Promise<{ configMap: any; json: any; dash: ModelDashboard }> {
  const { chart, svc } = service({ name: 'llm', namespace: 'llm', ...overrides });
  const dash = new ModelDashboard(chart, 'Dashboard', { service: svc, ...props });
  const docs = await expectConformant(chart);
  const configMap = docs.find((d: any) => d.kind === 'ConfigMap') as any;
  return { configMap, json: JSON.parse(configMap.data['llm.json']), dash };
}

const exprs = (json: any): string[] => json.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));

describe('ModelDashboard', () => {
  test('a sidecar-discoverable ConfigMap with the on-call panels of a vLLM service, per version', async () => {
    const { configMap, json, dash } = await dashboard({}, { folder: 'LLM serving' });
    expect(configMap.metadata).toMatchObject({
      name: 'llm-dashboard',
      namespace: 'llm',
      labels: { grafana_dashboard: '1' },
      annotations: { 'k8s-sidecar-target-directory': 'LLM serving' },
    });
    expect(dash.panelTitles).toEqual(['Request rate', 'Error ratio', 'Request latency', 'Time to first token', 'Requests waiting and running',
      'KV cache usage (fullest replica)', 'GPU utilization', 'GPU memory used']);
    expect(json).toMatchObject({ uid: dash.uid, title: 'llm (meta-llama/Llama-3.1-8B-Instruct)', templating: { list: [{ name: 'datasource', type: 'datasource' }] } });
    expect(dash.uid.length).toBeLessThanOrEqual(40);
    for (const panel of json.panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of panel.targets) expect(t.legendFormat).toContain('{{model_version}} {{rollouts_pod_template_hash}}');
    }
    expect(json.panels.find((p: any) => p.title === 'Request latency').targets.map((t: any) => t.legendFormat.split(' ')[0])).toEqual(['p50', 'p95', 'p99']);
  });

  test('every panel query is valid PromQL', async () => {
    const { parser } = await import('@prometheus-io/lezer-promql');
    const { json } = await dashboard();
    for (const expr of exprs(json)) {
      let error: number | undefined;
      parser.parse(expr.split('$__rate_interval').join('5m')).iterate({ enter: n => { error ??= n.type.isError ? n.from : undefined; } });
      expect({ expr, error }).toEqual({ expr, error: undefined });
    }
  });

  test('the queries split canary and stable, GPU series joined to their pods\' versions', async () => {
    const { json } = await dashboard();
    const panel = (title: string) => json.panels.find((p: any) => p.title === title).targets[0].expr.split('$__rate_interval').join('5m');
    const pod = (name: string, version: string, hash: string) => `namespace="llm",job="llm",pod="${name}",model_version="${version}",rollouts_pod_template_hash="${hash}"`;
    const stable = pod('llm-5d8f7c9b4-x7k2p', 'v1', '5d8f7c9b4');
    const canary = pod('llm-7c9b4d6f5-hqz2w', 'v2', '7c9b4d6f5');
    const gpu = (name: string, g: string, metric = 'DCGM_FI_DEV_GPU_UTIL') => `${metric}{namespace="llm",pod="${name}",gpu="${g}",UUID="GPU-${name}-${g}",Hostname="n",job="llm-gpu"}`;
    expectPromqlResults({
      [`up{${stable}}`]: '1x20',
      [`up{${canary}}`]: '1x20',
      [`http_requests_total{${stable},handler="/v1/chat/completions",status="2xx"}`]: '0+600x20',
      [`http_requests_total{${canary},handler="/v1/chat/completions",status="2xx"}`]: '0+90x20',
      [`http_requests_total{${canary},handler="/v1/chat/completions",status="5xx"}`]: '0+10x20',
      [gpu('llm-5d8f7c9b4-x7k2p', '0')]: '80x20',
      [gpu('llm-5d8f7c9b4-x7k2p', '1')]: '60x20',
      [gpu('llm-7c9b4d6f5-hqz2w', '0')]: '10x20',
      [gpu('other-5d8f7c9b4-x7k2p', '0')]: '99x20',
    }, [
      {
        expr: panel('Error ratio'),
        evalTime: '10m',
        samples: { '{model_version="v1",rollouts_pod_template_hash="5d8f7c9b4"}': 0, '{model_version="v2",rollouts_pod_template_hash="7c9b4d6f5"}': 0.1 },
      },
      {
        expr: panel('GPU utilization'),
        evalTime: '10m',
        samples: { '{model_version="v1",rollouts_pod_template_hash="5d8f7c9b4"}': 70, '{model_version="v2",rollouts_pod_template_hash="7c9b4d6f5"}': 10 },
      },
    ]);
  });

  test('Triton: request panels from its counters, no vLLM panels; custom runtime without counters: GPU panels only', async () => {
    const s3 = ModelSource.s3({ uri: 's3://models/clf/1/', modelName: 'clf', version: '1' });
    const triton = await dashboard({ runtime: ModelRuntime.triton(), model: s3 });
    expect(triton.dash.panelTitles).toEqual(['Request rate', 'Error ratio', 'GPU utilization', 'GPU memory used']);
    expect(exprs(triton.json)[1]).toContain('nv_inference_request_failure{namespace="llm",job="llm"}');
    const custom = await dashboard(
      { model: s3, runtime: ModelRuntime.custom({ image: 'ghcr.io/acme/server:1.2.3', port: 8080, livenessPath: '/healthz', cudaVersion: CudaVersion.CUDA_12_4 }), drain: { preStopHandler: PreStopHandler.execSleep() } },
      { sidecarLabel: 'dashboards', sidecarLabelValue: 'llm', namespace: 'monitoring' });
    expect(custom.dash.panelTitles).toEqual(['GPU utilization', 'GPU memory used']);
    expect(custom.configMap.metadata).toMatchObject({ namespace: 'monitoring', labels: { dashboards: 'llm' } });
    const withCounters = await dashboard(
      { model: s3, runtime: ModelRuntime.custom({ image: 'ghcr.io/acme/server:1.2.3', port: 8080, livenessPath: '/healthz', cudaVersion: CudaVersion.CUDA_12_4 }), drain: { preStopHandler: PreStopHandler.execSleep() } },
      { requestsMetric: 'http_requests_total', errorsMatcher: 'code=~"5.."', latencyHistogram: 'http_request_duration_seconds' });
    expect(withCounters.dash.panelTitles).toEqual(['Request rate', 'Error ratio', 'Request latency', 'GPU utilization', 'GPU memory used']);
  });

  test('multi-node (LeaderWorkerSet): the GPU panels count the workers\' GPUs, under their group\'s leader', async () => {
    // Only the leader runs the server, so only it has `up` and the version labels; a worker's DCGM series name the
    // worker pod (`<name>-<group>-<index>`). Joined on their own pod name, the workers' GPUs would drop out.
    const docs = await expectConformant(new Llama405bMultiNodeChart(new App(), 'llama-405b')) as any[];
    const json = JSON.parse(Object.values(docs.find(d => d.kind === 'ConfigMap' && d.metadata.name === 'llama-405b-dashboard').data)[0] as string);
    const panel = (title: string) => json.panels.find((p: any) => p.title === title).targets[0].expr;
    const leader = (name: string, version: string, hash: string) => `namespace="llm",job="llama-405b",pod="${name}",model_version="${version}",rollouts_pod_template_hash="${hash}"`;
    const gpu = (pod: string, g: string, metric: string) => `${metric}{namespace="llm",pod="${pod}",gpu="${g}",UUID="GPU-${pod}-${g}",Hostname="${pod}",job="llama-405b-gpu"}`;
    const series: Record<string, string> = {
      [`up{${leader('llama-405b-0', 'v1', 'aaaaaaaaaa')}}`]: '1x20',
      [`up{${leader('llama-405b-1', 'v2', 'bbbbbbbbbb')}}`]: '1x20',
    };
    // Group 0 (v1): leader GPUs 80% busy and half full, its worker's 40% and empty; group 1 (v2): leader 90%, worker
    // 10%, all a quarter full. Leaders alone would read 80 and 0.5 for v1, 90 for v2.
    for (const [pod, util, used] of [['llama-405b-0', 80, 50], ['llama-405b-0-1', 40, 0], ['llama-405b-1', 90, 25], ['llama-405b-1-1', 10, 25]] as const) {
      for (const g of ['0', '1']) {
        series[gpu(pod, g, 'DCGM_FI_DEV_GPU_UTIL')] = `${util}x20`;
        series[gpu(pod, g, 'DCGM_FI_DEV_FB_USED')] = `${used}x20`;
        series[gpu(pod, g, 'DCGM_FI_DEV_FB_FREE')] = `${100 - used}x20`;
      }
    }
    const v1 = '{model_version="v1",rollouts_pod_template_hash="aaaaaaaaaa"}';
    const v2 = '{model_version="v2",rollouts_pod_template_hash="bbbbbbbbbb"}';
    expectPromqlResults(series, [
      { expr: panel('GPU utilization'), evalTime: '10m', samples: { [v1]: 60, [v2]: 50 } },
      { expr: panel('GPU memory used'), evalTime: '10m', samples: { [v1]: 0.25, [v2]: 0.25 } },
    ]);
  });
});

import { App } from 'cdk8s';
import { Llama405bMultiNodeChart } from '../../examples/llama-405b-multi-node';
import { ModelAutoscaler, ScalingMetric } from '../../src';
import { errorRatio } from '../../src/metrics/promql-builders';
import { expectConformant } from '../conformance';
import { expectPromqlResults } from '../monitoring/promtool-rules';

// The builders' semantics, evaluated by promtool: what gates, alerts, the autoscaler and the dashboard rely on.
describe('PromQL builders', () => {
  const counters = { errors: (sel: (...m: string[]) => string) => `req_total${sel('code="500"')}`, total: (sel: (...m: string[]) => string) => `req_total${sel()}` };
  const sel = (...m: string[]) => `{${['job="llm"', ...m].join(',')}}`;

  test('error ratio: a version without error series counts 0, a version without requests has no ratio, with and without grouping', () => {
    expectPromqlResults({
      'req_total{job="llm",v="a",code="200"}': '0+60x20',
      'req_total{job="llm",v="a",code="500"}': '0+20x20',
      'req_total{job="llm",v="b",code="200"}': '0+80x20',
      'req_total{job="other",v="c",code="200"}': '0+80x20',
    }, [
      { expr: errorRatio(counters, sel, '5m', 'v'), evalTime: '10m', samples: { '{v="a"}': 0.25, '{v="b"}': 0 } },
      { expr: errorRatio(counters, (...m) => sel('v="b"', ...m), '5m'), evalTime: '10m', samples: { '{}': 0 } },
      { expr: errorRatio(counters, (...m) => sel('v="none"', ...m), '5m'), evalTime: '10m', samples: {} },
    ]);
  });

  test('GPU utilization to scale on: one average per multi-node replica (leader and workers), summed over replicas', async () => {
    const chart = new Llama405bMultiNodeChart(new App(), 'llama-405b');
    new ModelAutoscaler(chart, 'Autoscaler', { service: chart.service, maxReplicas: 4, metrics: [ScalingMetric.gpuUtilization({ target: 0.8 })] });
    const docs = await expectConformant(chart) as any[];
    const [trigger] = docs.find(d => d.kind === 'ScaledObject').spec.triggers;
    const gpu = (pod: string, g: string) => `DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod="${pod}",gpu="${g}",UUID="GPU-${pod}-${g}",Hostname="${pod}"}`;
    // Group 0: leader 80, worker 40 (60 per replica); group 1: leader 90, worker 10 (50). KEDA divides the sum by the 2
    // replicas: 55 against the target 80. Summed per pod it would read 220, twice the load.
    expectPromqlResults({
      [gpu('llama-405b-0', '0')]: '80x20',
      [gpu('llama-405b-0-1', '0')]: '40x20',
      [gpu('llama-405b-1', '0')]: '90x20',
      [gpu('llama-405b-1-1', '0')]: '10x20',
    }, [{ expr: trigger.metadata.query, evalTime: '10m', samples: { '{}': 110 } }]);
    expect(trigger.metadata.threshold).toBe('80');
  });
});

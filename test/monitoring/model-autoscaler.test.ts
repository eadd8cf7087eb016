import { Duration, Testing } from 'cdk8s';
import { BlueGreenRollout, CanaryRollout, CanaryStep, Gate, ModelAutoscaler, PrometheusSettings, ScalingMetric } from '../../src';
import { expectConformant } from '../conformance';
import { expectPromqlResults } from './promtool-rules';
import { service } from '../serving/helpers';

const of = (docs: any[], kind: string) => docs.filter(d => d.kind === kind);
const gates = [Gate.errorRate({ maxRatio: 0.01 })];

describe('ModelAutoscaler', () => {
  test('KEDA ScaledObject on queue depth for the Deployment (snapshot)', async () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
    PrometheusSettings.configure(chart, { address: 'http://prometheus.monitoring.svc:9090' });
    new ModelAutoscaler(chart, 'Autoscaler', { service: svc, maxReplicas: 6, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 5 })] });
    const docs = await expectConformant(chart);
    const [so] = of(docs, 'ScaledObject');
    expect(so.metadata).toMatchObject({ name: 'llm', namespace: 'llm' });
    expect(so.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' },
      minReplicaCount: 1,
      maxReplicaCount: 6,
      cooldownPeriod: 300,
      pollingInterval: 30,
      advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } } },
      triggers: [{
        type: 'prometheus',
        name: 'queue-depth',
        metricType: 'AverageValue',
        metadata: {
          serverAddress: 'http://prometheus.monitoring.svc:9090',
          query: 'sum(vllm:num_requests_waiting{namespace="llm",job="llm"})',
          threshold: '5',
          // Missing pod metrics freeze the replica count instead of scaling GPUs away.
          ignoreNullValues: 'false',
        },
      }],
    });
    expect(docs).toMatchSnapshot();
  });

  test.each([['before', true], ['after', false]])('the scale target is the Argo Rollout, created %s the autoscaler', async (_when, rolloutFirst) => {
    const { chart, svc } = service({ name: 'llm' });
    const rollout = () => new CanaryRollout(chart, 'Canary', { service: svc, steps: [CanaryStep.weight(50), CanaryStep.analysis({ gates }), CanaryStep.weight(100)] });
    if (rolloutFirst) rollout();
    new ModelAutoscaler(chart, 'Autoscaler', { service: svc, minReplicas: 2, maxReplicas: 4, metrics: [ScalingMetric.gpuUtilization({ target: 0.8 })] });
    if (!rolloutFirst) rollout();
    const docs = await expectConformant(chart);
    const [so] = of(docs, 'ScaledObject');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'llm' });
    expect(of(docs, 'Rollout')[0].metadata.name).toBe('llm');
    expect(so.spec.triggers[0]).toMatchObject({
      name: 'gpu-utilization',
      metadata: { threshold: '80', query: 'sum(avg by (namespace, pod) (max by (namespace, pod, Hostname, gpu, UUID) (DCGM_FI_DEV_GPU_UTIL{pod=~"llm-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}"})))' },
    });
  });

  test('the scaling queries return the total KEDA divides by the replicas', () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
    new ModelAutoscaler(chart, 'Autoscaler', {
      service: svc, maxReplicas: 4, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 5 }), ScalingMetric.gpuUtilization({ target: 0.8 })],
    });
    const [queue, gpu] = of(Testing.synth(chart), 'ScaledObject')[0].spec.triggers.map((t: any) => t.metadata.query);
    const pod = (name: string, hash: string) => `namespace="llm",job="llm",pod="${name}",model_version="v1",rollouts_pod_template_hash="${hash}"`;
    const dcgm = (name: string, g: string, job = 'llm-gpu') => `DCGM_FI_DEV_GPU_UTIL{namespace="llm",pod="${name}",gpu="${g}",UUID="GPU-${name}-${g}",Hostname="n",job="${job}"}`;
    expectPromqlResults({
      [`vllm:num_requests_waiting{${pod('llm-5d8f7c9b4-x7k2p', '5d8f7c9b4')}}`]: '12x10',
      [`vllm:num_requests_waiting{${pod('llm-5d8f7c9b4-hqz2w', '5d8f7c9b4')}}`]: '3x10',
      'vllm:num_requests_waiting{namespace="llm",job="other",pod="other-5d8f7c9b4-x7k2p"}': '100x10',
      // Two replicas of two GPUs each, one GPU also scraped by a cluster-wide job; another workload's GPU.
      [dcgm('llm-5d8f7c9b4-x7k2p', '0')]: '90x10',
      [dcgm('llm-5d8f7c9b4-x7k2p', '1')]: '70x10',
      [dcgm('llm-5d8f7c9b4-x7k2p', '1', 'nvidia-dcgm-exporter')]: '70x10',
      [dcgm('llm-5d8f7c9b4-hqz2w', '0')]: '40x10',
      [dcgm('llm-5d8f7c9b4-hqz2w', '1')]: '20x10',
      [dcgm('embed-5d8f7c9b4-x7k2p', '0')]: '100x10',
    }, [
      { expr: queue, evalTime: '5m', samples: { '{}': 15 } },
      // (90 + 70) / 2 + (40 + 20) / 2 = 110: KEDA aims at 80 per replica, so 2 replicas.
      { expr: gpu, evalTime: '5m', samples: { '{}': 110 } },
    ]);
  });

  test('scale to zero: idleReplicaCount 0 with an activation signal from outside the pods', async () => {
    const { chart, svc } = service({ name: 'llm' });
    new CanaryRollout(chart, 'Canary', { service: svc, steps: [CanaryStep.weight(50), CanaryStep.pause(Duration.minutes(10)), CanaryStep.weight(100)], backgroundAnalysis: gates });
    new ModelAutoscaler(chart, 'Autoscaler', {
      service: svc,
      maxReplicas: 3,
      scaleToZero: true,
      cooldown: Duration.minutes(30),
      metrics: [
        ScalingMetric.queueDepth({ targetPerReplica: 5 }),
        ScalingMetric.prometheus({ name: 'gateway-requests', query: 'sum(rate(istio_requests_total{destination_service_name="llm"}[2m]))', threshold: 2, activationThreshold: 0.1 }),
      ],
    });
    const docs = await expectConformant(chart);
    const [so] = of(docs, 'ScaledObject');
    expect(so.spec).toMatchObject({ minReplicaCount: 1, idleReplicaCount: 0, cooldownPeriod: 1800 });
    expect(so.spec.triggers[0].metadata.ignoreNullValues).toBeUndefined();
    expect(so.spec.triggers[1]).toMatchObject({ name: 'gateway-requests', metadata: { threshold: '2', activationThreshold: '0.1' } });
  });

  test('scale to zero is fine with a blue-green rollout analysed only after promotion', async () => {
    const { chart, svc } = service({ name: 'llm' });
    new BlueGreenRollout(chart, 'BlueGreen', { service: svc, postPromotionAnalysis: { gates } });
    new ModelAutoscaler(chart, 'Autoscaler', {
      service: svc, maxReplicas: 2, scaleToZero: true, metrics: [ScalingMetric.prometheus({ name: 'gateway', query: 'sum(rate(gateway_requests_total[2m]))', threshold: 1 })],
    });
    const docs = await expectConformant(chart);
    expect(of(docs, 'ScaledObject')[0].spec.scaleTargetRef.kind).toBe('Rollout');
  });
});

import { Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Accelerator, AlertPreset, CanaryRollout, CanaryStep, CudaVersion, Gate, GpuModelService, ModelAlerts, ModelAutoscaler, ModelDashboard, ModelRuntime,
  ModelScrape, ModelSource, PreStopHandler, PrometheusSettings, ScalingMetric,
} from '../../src';
import { expectConformant } from '../conformance';
import { hfSource, service } from '../serving/helpers';

const of = (docs: any[], kind: string) => docs.filter(d => d.kind === kind);

describe('ModelScrape, created by GpuModelService', () => {
  test('by default: a PodMonitor on the metrics port and a DCGM ServiceMonitor (snapshot)', async () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
    const docs = await expectConformant(chart);
    expect(svc.metricsScrape?.podMonitorName).toBe('llm');
    const [pm] = of(docs, 'PodMonitor');
    expect(pm.metadata).toMatchObject({ name: 'llm', namespace: 'llm' });
    expect(pm.spec.selector.matchLabels).toEqual(svc.selectorLabels);
    // job = the service name, which every alert and dashboard query selects on.
    expect(pm.spec.jobLabel).toBe('app.kubernetes.io/name');
    expect(pm.spec.podMetricsEndpoints).toEqual([{
      port: 'http',
      path: '/metrics',
      relabelings: [
        // What the canary gates query: rollouts_pod_template_hash (plus namespace, which the operator adds).
        { sourceLabels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], targetLabel: 'rollouts_pod_template_hash' },
        { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_version'], targetLabel: 'model_version' },
      ],
    }]);
    const [sm] = of(docs, 'ServiceMonitor');
    expect(sm.metadata.name).toBe('llm-gpu');
    expect(sm.spec).toEqual({
      namespaceSelector: { matchNames: ['gpu-operator'] },
      selector: { matchLabels: { app: 'nvidia-dcgm-exporter' } },
      endpoints: [{
        port: 'gpu-metrics',
        honorLabels: true,
        relabelings: [{ targetLabel: 'job', replacement: 'llm-gpu' }],
        metricRelabelings: [{ action: 'keep', sourceLabels: ['namespace', 'pod'], regex: 'llm;llm-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}' }],
      }],
    });
    expect(docs).toMatchSnapshot();
  });

  test('the DCGM keep rule matches the pods of Deployments and Rollouts of the service only', () => {
    const { chart } = service({ name: 'llm', namespace: 'llm' });
    const [sm] = of(Testing.synth(chart), 'ServiceMonitor');
    // Prometheus anchors relabel regexes.
    const keep = new RegExp(`^(?:${sm.spec.endpoints[0].metricRelabelings[0].regex})$`);
    expect(keep.test('llm;llm-5d8f7c9b4-x7k2p')).toBe(true);
    expect(keep.test('llm;llm-7c9b4d6f5b-hqz2w')).toBe(true);
    const others = ['llm;llm-canary-5d8f7c9b4-x7k2p', 'llm;llm-embed-0', 'llm;llm-gpu-x7k2p', 'other;llm-5d8f7c9b4-x7k2p', 'llm;nvidia-dcgm-exporter-x7k2p', 'llm;'];
    for (const other of others) {
      expect(keep.test(other)).toBe(false);
    }
  });

  test('the gates\' label names from PrometheusSettings, interval and selector labels, no GPU monitor', async () => {
    const chart = Testing.chart();
    PrometheusSettings.configure(chart, { podTemplateHashLabel: 'pod_template_hash', namespaceLabel: 'kubernetes_namespace' });
    new GpuModelService(chart, 'Svc', {
      model: hfSource(),
      runtime: ModelRuntime.vllm(),
      accelerator: Accelerator.H100_SXM,
      scrapeOptions: { interval: Duration.seconds(15), gpuMetrics: false, labels: { release: 'kube-prometheus-stack' } },
    });
    const docs = await expectConformant(chart);
    expect(of(docs, 'ServiceMonitor')).toHaveLength(0);
    const [pm] = of(docs, 'PodMonitor');
    expect(pm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(pm.spec.podMetricsEndpoints[0].interval).toBe('15s');
    expect(pm.spec.podMetricsEndpoints[0].relabelings).toEqual([
      { sourceLabels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], targetLabel: 'pod_template_hash' },
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_version'], targetLabel: 'model_version' },
      { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'kubernetes_namespace' },
    ]);
  });

  test('PrometheusSettings created after the service, its gates, rollout, alerts, autoscaler and dashboard: all of them use it', async () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
    const rollout = new CanaryRollout(chart, 'Rollout', {
      service: svc,
      steps: [
        CanaryStep.weight(20),
        CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 }), Gate.latency({ threshold: Duration.seconds(2) })] }),
        CanaryStep.weight(100),
      ],
    });
    new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.errorRate({ maxRatio: 0.01 })] });
    new ModelAutoscaler(chart, 'Autoscaler', { service: svc, maxReplicas: 4, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 5 })] });
    new ModelDashboard(chart, 'Dashboard', { service: svc });
    expect(rollout.node.path).toBe('test/Rollout');
    // Last: with the defaults, every one of these would render 30s scrapes, rollouts_pod_template_hash and namespace.
    new PrometheusSettings(chart, 'Prometheus', {
      address: 'http://prom.example:9090',
      podTemplateHashLabel: 'pod_template_hash',
      namespaceLabel: 'kubernetes_namespace',
      scrapeInterval: Duration.seconds(10),
    });
    const docs = await expectConformant(chart);
    const [template] = of(docs, 'AnalysisTemplate');
    for (const m of template.spec.metrics) {
      expect(m.provider.prometheus.address).toBe('http://prom.example:9090');
      // The default initialDelay is two scrapes of the configured interval.
      expect(m.initialDelay).toBe('20s');
      expect(m.provider.prometheus.query).toContain('{kubernetes_namespace="{{args.namespace}}",pod_template_hash="{{args.canary-hash}}"');
      expect(m.provider.prometheus.query).not.toMatch(/rollouts_pod_template_hash|[{,]namespace=/);
    }
    expect(of(docs, 'PodMonitor')[0].spec.podMetricsEndpoints[0].relabelings).toEqual([
      { sourceLabels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], targetLabel: 'pod_template_hash' },
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_version'], targetLabel: 'model_version' },
      { sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'kubernetes_namespace' },
    ]);
    const [rule] = of(docs, 'PrometheusRule')[0].spec.groups[0].rules;
    expect(rule.expr).toContain('sum by (namespace, job, model_version, pod_template_hash) (rate(');
    expect(of(docs, 'ScaledObject')[0].spec.triggers[0].metadata.serverAddress).toBe('http://prom.example:9090');
    const dashboard = JSON.parse(Object.values(of(docs, 'ConfigMap').find(d => d.metadata.name === 'llm-dashboard').data)[0] as string);
    for (const panel of dashboard.panels) expect(panel.targets[0].legendFormat).toContain('{{pod_template_hash}}');
  });

  test('a window shorter than two scrapes of PrometheusSettings created later: refused at synth', () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
    new CanaryRollout(chart, 'Rollout', {
      service: svc,
      steps: [CanaryStep.weight(20), CanaryStep.analysis({ gates: [Gate.queueDepth({ maxWaiting: 5, window: Duration.minutes(1) })] }),
        CanaryStep.weight(100)],
    });
    PrometheusSettings.configure(chart, { scrapeInterval: Duration.minutes(1) });
    expect(() => Testing.synth(chart))
      .toThrow(/\[test\/Rollout\/Analysis1\] queue-depth.window: must span at least two scrape intervals \(PrometheusSettings scrapeInterval 1 minute\)/);
  });

  test.each([
    ['configure() twice', (c: Chart) => { PrometheusSettings.configure(c, {}); PrometheusSettings.configure(c, {}); },
      /\[test\] PrometheusSettings: already configured for this chart \(got "test\/PrometheusSettings"\)/],
    ['configure() after new', (c: Chart) => { new PrometheusSettings(c, 'Prom', {}); PrometheusSettings.configure(c, {}); },
      /\[test\] PrometheusSettings: already configured for this chart \(got "test\/Prom"\)/],
    ['new after configure()', (c: Chart) => { PrometheusSettings.configure(c, {}); new PrometheusSettings(c, 'Prom', {}); },
      /\[test\/Prom\] PrometheusSettings: the chart already has PrometheusSettings at test\/PrometheusSettings/],
    ['two new', (c: Chart) => { new PrometheusSettings(c, 'A', {}); new PrometheusSettings(c, 'B', {}); }, /\[test\/B\] PrometheusSettings: the chart already has PrometheusSettings at test\/A/],
    ['not in the chart itself', (c: Chart) => new PrometheusSettings(new Construct(c, 'Group'), 'Prom', {}), /\[test\/Group\/Prom\] scope: is not a chart/],
  ])('one PrometheusSettings per chart, directly in it: %s is refused', (_, build, message) => {
    const { chart } = service();
    expect(() => build(chart)).toThrow(message);
  });

  test('switched off with scrape: false; scrapeOptions without scraping is refused', async () => {
    const { chart, svc } = service({ scrape: false });
    const docs = await expectConformant(chart);
    expect(svc.metricsScrape).toBeUndefined();
    expect(of(docs, 'PodMonitor')).toHaveLength(0);
    expect(of(docs, 'ServiceMonitor')).toHaveLength(0);
    expect(() => service({ scrape: false, scrapeOptions: { gpuMetrics: false } })).toThrow(/scrapeOptions: is set while scrape is false/);
  });

  test('Triton and custom runtimes: the separate metrics port by name', async () => {
    const s3 = ModelSource.s3({ uri: 's3://models/clf/1/', modelName: 'clf', version: '1' });
    const triton = service({ runtime: ModelRuntime.triton(), model: s3 });
    expect(of(await expectConformant(triton.chart), 'PodMonitor')[0].spec.podMetricsEndpoints[0].port).toBe('metrics');
    const custom = service({
      model: s3,
      runtime: ModelRuntime.custom({ image: 'ghcr.io/acme/server:1.2.3', port: 8080, livenessPath: '/healthz', metricsPort: 9090, metricsPath: '/prom', cudaVersion: CudaVersion.CUDA_12_4 }),
      drain: { preStopHandler: PreStopHandler.execSleep() },
    });
    const docs = await expectConformant(custom.chart);
    const container = of(docs, 'Deployment')[0].spec.template.spec.containers[0];
    expect(container.ports).toContainEqual({ name: 'metrics', containerPort: 9090, protocol: 'TCP' });
    expect(of(docs, 'PodMonitor')[0].spec.podMetricsEndpoints[0]).toMatchObject({ port: 'metrics', path: '/prom' });
  });

  test('a rollout keeps scraping the same pods; a standalone ModelScrape for a service created without one', async () => {
    const { chart, svc } = service({ name: 'llm', scrape: false });
    new CanaryRollout(chart, 'Canary', { service: svc, steps: [CanaryStep.weight(50), CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 })] }), CanaryStep.weight(100)] });
    new ModelScrape(chart, 'Scrape', { service: svc, gpuMetrics: false });
    const docs = await expectConformant(chart);
    const [pm] = of(docs, 'PodMonitor');
    expect(pm.spec.selector.matchLabels).toEqual(of(docs, 'Rollout')[0].spec.selector.matchLabels);
    // The gates select series by the label the PodMonitor writes.
    expect(of(docs, 'AnalysisTemplate')[0].spec.metrics[0].provider.prometheus.query).toContain('rollouts_pod_template_hash="{{args.canary-hash}}"');
  });
});

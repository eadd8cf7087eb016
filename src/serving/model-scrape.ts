import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { MODEL_VERSION_LABEL, modelSeries } from './model-series';
import type { IModelService } from './model-service';
import { RELEASE_LABEL, releaseOf } from './multi-node';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsRelabelings } from '../imports/podmonitor-monitoring.coreos.com';
import { ServiceMonitor, ServiceMonitorSpecEndpointsMetricRelabelingsAction } from '../imports/servicemonitor-monitoring.coreos.com';
import { shortDuration } from '../internal/duration';
import { bindInputs, check } from '../internal/errors';
import { LabelKeys } from '../internal/labels';
import { childName } from '../internal/names';
import { PrometheusSettings, ResolvedPrometheusSettings } from '../metrics/prometheus-settings';

/** Where the DCGM exporter runs (the NVIDIA GPU Operator's defaults). */
export interface DcgmExporterOptions {
  /**
   * The namespace of the dcgm-exporter Service.
   * @default 'gpu-operator'
   * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-telemetry/latest/kube-prometheus.html
   */
  readonly namespace?: string;
  /**
   * Labels selecting the dcgm-exporter Service.
   * @default { app: 'nvidia-dcgm-exporter' }
   */
  readonly selector?: { [key: string]: string };
  /**
   * The Service port name of the metrics endpoint.
   * @default 'gpu-metrics'
   */
  readonly port?: string;
}

/** How a model service is scraped. */
export interface ModelScrapeOptions {
  /**
   * Scrape interval of both monitors.
   * @default - the Prometheus global scrape interval
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMetricsEndpoint
   */
  readonly interval?: Duration;
  /**
   * Also scrape the DCGM exporter for the GPUs of the service's pods.
   * @default true
   */
  readonly gpuMetrics?: boolean;
  /**
   * Where the DCGM exporter runs.
   * @default - see DcgmExporterOptions
   */
  readonly dcgmExporter?: DcgmExporterOptions;
  /**
   * Extra labels on the PodMonitor and ServiceMonitor, for the Prometheus resource's `podMonitorSelector`
   * and `serviceMonitorSelector` (kube-prometheus-stack selects `release: <release name>` by default).
   * @default - none
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec
   */
  readonly labels?: { [key: string]: string };
}

/** Properties of a ModelScrape. */
export interface ModelScrapeProps extends ModelScrapeOptions {
  /** The service whose pods are scraped. */
  readonly service: IModelService;
}

/**
 * Prometheus scraping of a model service: a PodMonitor for the runtime's metrics endpoint, and a
 * ServiceMonitor on the DCGM exporter keeping only the GPU series of the service's pods.
 *
 * `GpuModelService` creates one by default (`scrape: false` switches it off). The series it produces are
 * what the gates, `ModelAlerts`, `ModelAutoscaler` and `ModelDashboard` query:
 *
 * - runtime series: `job` = the service name (`jobLabel: app.kubernetes.io/name`), `namespace`, `pod`,
 *   `model_version` (the pod's `app.kubernetes.io/version`) and `rollouts_pod_template_hash` (the pod's
 *   `rollouts-pod-template-hash`, named as in PrometheusSettings), so canary and stable can be told apart;
 * - DCGM series: dcgm-exporter's Kubernetes mapping labels each GPU with its consumer's `namespace`, `pod`
 *   and `container`. The ServiceMonitor uses `honorLabels` so those win over the exporter pod's own, keeps
 *   only series whose `namespace`/`pod` are this service's pods (`<name>-<hash>-<suffix>`), and sets
 *   `job` to `<name>-gpu` so its samples never collide with a cluster-wide DCGM scrape. Queries join them
 *   to the runtime series on `namespace` and `pod` (no kube-state-metrics needed).
 *
 * Child ids: `Resource` (the PodMonitor), `GpuMetrics` (the ServiceMonitor).
 * @see https://prometheus-operator.dev/docs/developer/getting-started/#using-podmonitors
 * @see https://github.com/NVIDIA/dcgm-exporter
 */
export class ModelScrape extends Construct {
  /** The PodMonitor's name. */
  public readonly podMonitorName: string;
  /** The DCGM ServiceMonitor's name, when GPU metrics are scraped. */
  public readonly gpuServiceMonitorName?: string;

  constructor(scope: Construct, id: string, props: ModelScrapeProps) {
    super(scope, id);
    bindInputs(this, props);
    const svc = props.service;
    const interval = props.interval ? shortDuration(this, 'interval', props.interval, 1) : undefined;
    const metadata = (name: string) => {
      const meta = svc.metadata(name);
      return { ...meta, labels: { ...meta.labels, ...props.labels } };
    };

    const port = svc.servicePorts.find(p => p.port === svc.metricsPort)?.name;
    check(port !== undefined, this, 'service.metricsPort', svc.metricsPort, 'is not a named port of the server container, so no PodMonitor can select it',
      'declare the metrics port on the runtime (custom runtimes: metricsPort)');

    const fromPodLabel = (label: string, targetLabel: string): PodMonitorSpecPodMetricsEndpointsRelabelings => ({
      sourceLabels: [`__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, '_')}`], targetLabel,
    });
    const relabelings = (settings: ResolvedPrometheusSettings): PodMonitorSpecPodMetricsEndpointsRelabelings[] => [
      // The gates select canary and stable by this label; a Deployment's pods simply have none.
      fromPodLabel('rollouts-pod-template-hash', settings.podTemplateHashLabel),
      // A LeaderWorkerSet's revision hash is the controller's, unknown at synth: its pods carry the release
      // (the rendered template's hash) instead. `(.+)` leaves pods without it untouched.
      ...releaseOf(svc.podTemplate) ? [{ ...fromPodLabel(RELEASE_LABEL, settings.podTemplateHashLabel), regex: '(.+)' }] : [],
      fromPodLabel(LabelKeys.VERSION, MODEL_VERSION_LABEL),
      // prometheus-operator always writes `namespace`; the gates may read another name.
      ...settings.namespaceLabel === 'namespace' ? [] : [{ sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: settings.namespaceLabel }],
    ];
    this.podMonitorName = svc.name;
    // Plain JSON rather than the typed L1, which converts the whole spec again at synth: a fleet's cost.
    new ApiObject(this, 'Resource', {
      ...PodMonitor.GVK,
      metadata: metadata(this.podMonitorName),
      spec: {
        selector: { matchLabels: svc.selectorLabels },
        jobLabel: LabelKeys.NAME,
        podMetricsEndpoints: [{
          port,
          path: svc.metricsPath,
          interval,
          // The label names the gates read: the chart's PrometheusSettings, wherever it was created.
          relabelings: Lazy.any({ produce: () => relabelings(PrometheusSettings.of(this)) }),
        }],
      },
    });

    if (props.gpuMetrics === false) return;
    const dcgm = props.dcgmExporter ?? {};
    const series = modelSeries(this, svc);
    this.gpuServiceMonitorName = childName(svc.name, 'gpu');
    new ApiObject(this, 'GpuMetrics', {
      ...ServiceMonitor.GVK,
      metadata: metadata(this.gpuServiceMonitorName),
      spec: {
        namespaceSelector: { matchNames: [dcgm.namespace ?? 'gpu-operator'] },
        selector: { matchLabels: dcgm.selector ?? { app: 'nvidia-dcgm-exporter' } },
        endpoints: [{
          port: dcgm.port ?? 'gpu-metrics',
          interval,
          // The exporter's pod/namespace/container labels name the GPU's consumer, not the exporter pod.
          honorLabels: true,
          relabelings: [{ targetLabel: 'job', replacement: this.gpuServiceMonitorName }],
          metricRelabelings: [series.namespace
            ? { action: ServiceMonitorSpecEndpointsMetricRelabelingsAction.KEEP, sourceLabels: ['namespace', 'pod'], regex: `${series.namespace};${series.podPattern}` }
            : { action: ServiceMonitorSpecEndpointsMetricRelabelingsAction.KEEP, sourceLabels: ['pod'], regex: series.podPattern }],
        }],
      },
    });
  }
}

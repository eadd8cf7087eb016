import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';
import { RequestMetricOptions } from '../gates/gate';
import { bindInputs } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { childName, dnsLabel } from '../internal/names';
import { metricName, requestMetricFragments } from '../internal/promql';
import { annotationKey, dns1123Label, labelKey as checkLabelKey, labelValue, nonEmpty } from '../internal/validate';
import {
  acrossReplicas, errorRatio, fullestReplica, gpuMemoryUsed, gpuUtilization, histogramQuantile, PERCENTILES, sumRate,
} from '../metrics/promql-builders';
import { requestCounters } from '../metrics/runtime-metrics';
import { MODEL_VERSION_LABEL, modelSeries } from '../serving/model-series';
import { IModelService } from '../serving/model-service';

/** Properties of a ModelDashboard. */
export interface ModelDashboardProps extends RequestMetricOptions {
  /** The service shown. */
  readonly service: IModelService;
  /**
   * The dashboard title.
   * @default - `<service name> (<model name>)`
   */
  readonly title?: string;
  /**
   * The namespace of the ConfigMap: the Grafana sidecar watches its own namespace unless told otherwise.
   * @default - the service's namespace
   * @see https://github.com/grafana/helm-charts/tree/main/charts/grafana#sidecar-for-dashboards
   */
  readonly namespace?: string;
  /**
   * The label the Grafana sidecar discovers dashboard ConfigMaps by (`sidecar.dashboards.label`).
   * @default 'grafana_dashboard'
   */
  readonly sidecarLabel?: string;
  /**
   * The value of that label (`sidecar.dashboards.labelValue`).
   * @default '1'
   */
  readonly sidecarLabelValue?: string;
  /**
   * The Grafana folder, written to the sidecar's folder annotation (needs `foldersFromFilesStructure`).
   * @default - the sidecar's default folder
   */
  readonly folder?: string;
  /**
   * The sidecar's folder annotation (`sidecar.dashboards.folderAnnotation`).
   * @default 'k8s-sidecar-target-directory'
   * @see https://github.com/kiwigrid/k8s-sidecar
   */
  readonly folderAnnotation?: string;
  /**
   * The request-latency histogram (seconds, without `_bucket`).
   * @default - the runtime's end-to-end latency; no latency panel when unknown
   */
  readonly latencyHistogram?: string;
}

interface Target {
  readonly expr: string;
  readonly legend: string;
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly targets: Target[];
}

/**
 * A Grafana dashboard of a model service in a ConfigMap the Grafana sidecar discovers: request rate,
 * latency percentiles, errors, and for vLLM time to first token, queue and KV cache, then GPU utilization
 * and memory, every panel split by version (`model_version` and the pod-template hash, so canary and stable
 * show side by side). GPU series are joined to the runtime's `up` series on `namespace` and `pod` to get
 * the version labels. Panels whose metrics the runtime does not publish are left out.
 *
 * Child ids: `Resource` (the ConfigMap).
 * @see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
 */
export class ModelDashboard extends Construct {
  /** The dashboard's uid. */
  public readonly uid: string;
  /** The panel titles, in order. */
  public readonly panelTitles: string[];

  constructor(scope: Construct, id: string, props: ModelDashboardProps) {
    super(scope, id);
    bindInputs(this, props);
    this.checkProps(props);
    const svc = props.service;
    // The series' labels follow the chart's PrometheusSettings: read when the ConfigMap is rendered.
    const panels = () => modelPanels(this, props);
    this.panelTitles = panels().map(p => p.title);
    this.uid = dnsLabel(`${DOMAIN}-${svc.name}`, 40);
    const dashboard = () => ({
      uid: this.uid,
      title: props.title ?? `${svc.name} (${svc.lineage.modelName})`,
      tags: ['cdk8s-mlops', 'model-serving'],
      editable: false,
      schemaVersion: 39,
      time: { from: 'now-6h', to: 'now' },
      refresh: '30s',
      templating: { list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus' }] },
      panels: panels().map(({ title, unit, targets }, i) => ({
        id: i + 1,
        type: 'timeseries',
        title,
        datasource: { type: 'prometheus', uid: '${datasource}' },
        gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
        fieldConfig: { defaults: { unit }, overrides: [] },
        targets: targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend })),
      })),
    });

    const labelKey = checkLabelKey(this, 'sidecarLabel', props.sidecarLabel ?? 'grafana_dashboard');
    const meta = svc.metadata(childName(svc.name, 'dashboard'), props.folder ? { [props.folderAnnotation ?? 'k8s-sidecar-target-directory']: props.folder } : undefined);
    // A plain ApiObject: the typed L1 would copy the large dashboard JSON through its converter at synth.
    new ApiObject(this, 'Resource', {
      ...k8s.KubeConfigMap.GVK,
      metadata: { ...meta, namespace: props.namespace ?? meta.namespace, labels: { ...meta.labels, [labelKey]: props.sidecarLabelValue ?? '1' } },
      // The sidecar needs a file name unique per service, so the data key differs per service. Built at synth and
      // dropped right after: kept in the tree, 2,000 such keys exhausted V8's hidden-class transitions from `{}`
      // and made synth of 2,000 services 2.5x slower than of 1,000 (bench/RESULTS.md).
      data: Lazy.any({ produce: () => ({ [`${svc.name}.json`]: JSON.stringify(dashboard(), undefined, 2) }) }),
    });
  }

  private checkProps(props: ModelDashboardProps): void {
    if (props.title !== undefined) nonEmpty(this, 'title', props.title, "e.g. title: 'Llama 3.1 8B'");
    if (props.namespace !== undefined) dns1123Label(this, 'namespace', props.namespace, "'monitoring'");
    if (props.sidecarLabelValue !== undefined) labelValue(this, 'sidecarLabelValue', props.sidecarLabelValue);
    if (props.folderAnnotation !== undefined) annotationKey(this, 'folderAnnotation', props.folderAnnotation);
    if (props.folder !== undefined) nonEmpty(this, 'folder', props.folder, "e.g. folder: '/tmp/dashboards/ml'");
    if (props.latencyHistogram !== undefined) metricName(this, 'latencyHistogram', props.latencyHistogram, "'http_request_duration_seconds'");
    requestMetricFragments('', props, this);
  }
}

/** The panels of the service's dashboard: those whose series the runtime publishes, every query split by version. */
function modelPanels(scope: IConstruct, props: ModelDashboardProps): Panel[] {
  const svc = props.service;
  const series = modelSeries(scope, svc);
  const sel = series.runtime;
  const by = `${MODEL_VERSION_LABEL}, ${series.hashLabel}`;
  const version = `{{${MODEL_VERSION_LABEL}}} {{${series.hashLabel}}}`;
  const window = '$__rate_interval';
  const percentiles = (h: string) => PERCENTILES.map(p => ({ expr: histogramQuantile(p, h, sel(), window, by), legend: `${p} ${version}` }));
  // DCGM series carry no pod labels: take the version labels from the runtime's `up` series of the same pod (a
  // multi-node group's workers: of their leader).
  const perVersion = (gpuExpr: string) =>
    `avg by (${by}) (${series.scrapedPod(gpuExpr)} * on (namespace, pod) group_left (${by}) group by (namespace, pod, ${by}) (up${sel()}))`;

  const panels: Panel[] = [];
  const catalog = svc._metricCatalog;
  const counters = requestCounters(catalog, props, scope, 'requestsMetric');
  if (counters) {
    panels.push({ title: 'Request rate', unit: 'reqps', targets: [{ expr: sumRate(counters.total(sel), window, by), legend: version }] });
    panels.push({ title: 'Error ratio', unit: 'percentunit', targets: [{ expr: errorRatio(counters, sel, window, by), legend: version }] });
  }
  const latency = props.latencyHistogram ?? catalog.requestLatency;
  if (latency) panels.push({ title: 'Request latency', unit: 's', targets: percentiles(latency) });
  if (catalog.timeToFirstToken) panels.push({ title: 'Time to first token', unit: 's', targets: percentiles(catalog.timeToFirstToken) });
  const queue = [['waiting', catalog.queueDepth], ['running', catalog.requestsRunning]].filter(([, m]) => m !== undefined);
  if (queue.length > 0) {
    panels.push({
      title: 'Requests waiting and running',
      unit: 'short',
      targets: queue.map(([what, m]) => ({ expr: acrossReplicas(m!, sel(), by), legend: `${what} ${version}` })),
    });
  }
  if (catalog.kvCacheUsage) {
    panels.push({ title: 'KV cache usage (fullest replica)', unit: 'percentunit', targets: [{ expr: fullestReplica(catalog.kvCacheUsage, sel(), by), legend: version }] });
  }
  panels.push({ title: 'GPU utilization', unit: 'percent', targets: [{ expr: perVersion(gpuUtilization(series.gpu())), legend: version }] });
  panels.push({ title: 'GPU memory used', unit: 'percentunit', targets: [{ expr: perVersion(gpuMemoryUsed(series.gpu())), legend: version }] });
  return panels;
}

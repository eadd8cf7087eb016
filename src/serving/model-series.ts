import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { IModelService } from './model-service';
import { releaseOf } from './multi-node';
import { PrometheusSettings } from '../metrics/prometheus-settings';
import { renamePod } from '../metrics/promql-builders';
import { SeriesSelector } from '../metrics/runtime-metrics';

/** The series label the PodMonitor copies the pod's `app.kubernetes.io/version` (the model version) into. */
export const MODEL_VERSION_LABEL = 'model_version';

/**
 * How the library's own scrape labels a model service's series, in one place for the PodMonitor, the
 * alerts, the autoscaler and the dashboard.
 *
 * - Runtime series: `job` is the service name (the PodMonitor's `jobLabel` is `app.kubernetes.io/name`),
 *   `namespace` and `pod` are the pod's, `model_version` and the pod-template-hash label (PrometheusSettings)
 *   come from pod labels.
 * - DCGM series: `namespace` and `pod` are those of the GPU's consumer (dcgm-exporter's Kubernetes mapping,
 *   scraped with `honorLabels`); the model's pods are matched by name: `<service>-<pod-template-hash>-<suffix>`,
 *   the names Deployments and Argo Rollouts give their pods, in Kubernetes' random-string alphabet.
 */
export interface ModelSeries {
  /** The service name (the `job` label). */
  readonly name: string;
  /** The namespace, when known at synth time. */
  readonly namespace?: string;
  /** Runtime series of the service. */
  readonly runtime: SeriesSelector;
  /** DCGM series of the service's pods, with extra matchers. */
  readonly gpu: SeriesSelector;
  /** The labels that tell versions apart, for `by (...)`. */
  readonly versionLabels: string;
  /** The pod-template-hash label (stable vs canary). */
  readonly hashLabel: string;
  /** Anchored regular expression matching the names of the service's pods. */
  readonly podPattern: string;
  /**
   * DCGM series of the service's pods, each under the name of the pod whose runtime series (`up`, the version
   * labels) describe it: the pod itself, or for a multi-node group the group's leader, the only pod with a
   * metrics port (its workers run Ray, not the server).
   */
  scrapedPod(gpuExpr: string): string;
}

export function modelSeries(scope: IConstruct, svc: IModelService): ModelSeries {
  const settings = PrometheusSettings.of(scope);
  const namespace = svc.namespace ?? Chart.of(svc).namespace;
  const ns = namespace ? [`namespace="${namespace}"`] : [];
  // Kubernetes writes pod-template hashes and pod suffixes in this alphabet (no vowels, no 0, 1, 3):
  // a StatefulSet's `<name>-embed-0` or a Deployment `<name>-canary`'s pods never match.
  const safe = '[bcdfghjklmnpqrstvwxz2456789]';
  // A LeaderWorkerSet's pods are StatefulSet pods: leaders `<name>-<group>`, workers `<name>-<group>-<index>`.
  const multiNode = releaseOf(svc.podTemplate) !== undefined;
  const podPattern = multiNode ? `${svc.name}-[0-9]+(-[0-9]+)?` : `${svc.name}-${safe}{1,10}-${safe}{5}`;
  const selector = (base: string[]) => (...extra: string[]) => `{${[...base, ...extra].join(',')}}`;
  return {
    name: svc.name,
    namespace,
    runtime: selector([...ns, `job="${svc.name}"`]),
    gpu: selector([...ns, `pod=~"${podPattern}"`]),
    versionLabels: `namespace, job, ${MODEL_VERSION_LABEL}, ${settings.podTemplateHashLabel}`,
    hashLabel: settings.podTemplateHashLabel,
    podPattern,
    // A worker `<name>-<group>-<index>` becomes its leader `<name>-<group>`; label_replace anchors the regex.
    scrapedPod: gpuExpr => (multiNode ? renamePod(gpuExpr, `(${svc.name}-[0-9]+)(-[0-9]+)?`) : gpuExpr),
  };
}

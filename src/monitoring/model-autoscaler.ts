import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ScalingMetric } from './scaling-metric';
import { ScaledObject } from '../imports/scaledobject-keda.sh';
import { wholeSeconds } from '../internal/duration';
import { bindInputs, check } from '../internal/errors';
import { duration, int, INT32_MAX } from '../internal/validate';
import { PrometheusSettings } from '../metrics/prometheus-settings';
import { IModelService } from '../serving/model-service';

// Marks a service that has an autoscaler already (KEDA admits one ScaledObject per workload).
const SCALED_BY = Symbol.for('cdk8s-mlops.scaled-by');

/** Properties of a ModelAutoscaler. */
export interface ModelAutoscalerProps {
  /** The service whose workload (Deployment or Argo Rollout) is scaled. */
  readonly service: IModelService;
  /** What to scale on; the replica count is the highest any metric asks for. */
  readonly metrics: ScalingMetric[];
  /** The most replicas (each holds the service's GPUs per replica). */
  readonly maxReplicas: number;
  /**
   * The fewest replicas while there is load.
   * @default 1
   */
  readonly minReplicas?: number;
  /**
   * Scale to zero replicas when no metric is active (KEDA `idleReplicaCount: 0`), and back to
   * `minReplicas` when one is. Needs a metric that exists without the model's pods (`ScalingMetric.prometheus`),
   * and is refused for a rollout whose updates wait on an analysis of the new version.
   * @default false
   * @see https://keda.sh/docs/latest/reference/scaledobject-spec/#idlereplicacount
   */
  readonly scaleToZero?: boolean;
  /**
   * How long load must stay low before replicas are removed: the HPA's scale-down stabilization window
   * and, with `scaleToZero`, KEDA's `cooldownPeriod` before going to zero.
   * @default Duration.minutes(5)
   * @see https://keda.sh/docs/latest/reference/scaledobject-spec/#cooldownperiod
   */
  readonly cooldown?: Duration;
  /**
   * How often KEDA queries the metrics.
   * @default Duration.seconds(30)
   */
  readonly pollingInterval?: Duration;
}

/**
 * Autoscaling of a model service with a KEDA ScaledObject on Prometheus metrics (queue depth, GPU
 * utilization or any query). The scale target follows the service's workload: its Deployment, or the Argo
 * Rollout that took it over (`argoproj.io/v1alpha1` `Rollout`, scaled through its `/scale` subresource),
 * whichever construct order the app uses.
 *
 * Without scale-to-zero, metrics read from the model's pods set KEDA's `ignoreNullValues: "false"`: when
 * the series vanish (a scrape failure, every pod restarting) the HPA keeps the current replicas instead of
 * scaling GPUs away.
 *
 * With GitOps, ignore the workload's `spec.replicas` in the diff: KEDA's HPA owns it.
 *
 * Child ids: `Resource` (the ScaledObject).
 * @see https://keda.sh/docs/latest/scalers/prometheus/
 */
export class ModelAutoscaler extends Construct {
  /** The ScaledObject's name. */
  public readonly scaledObjectName: string;

  constructor(scope: Construct, id: string, props: ModelAutoscalerProps) {
    super(scope, id);
    bindInputs(this, props);
    const svc = props.service;
    const min = props.minReplicas ?? 1;
    int(this, 'maxReplicas', props.maxReplicas, 1, INT32_MAX, 'e.g. maxReplicas: 4');
    int(this, 'minReplicas', min, 1, INT32_MAX, 'to scale to zero when idle set scaleToZero: true (minReplicas is then the count it wakes up to)');
    // KEDA admits one ScaledObject per workload: a second one is refused by its webhook, or fights the first.
    const scaledBy = (svc as { [SCALED_BY]?: string })[SCALED_BY];
    check(scaledBy === undefined, this, 'service', svc.node.path, `already has the autoscaler ${scaledBy}`, 'give each service one ModelAutoscaler, with all its metrics');
    check(min <= props.maxReplicas, this, 'minReplicas', min, `is above maxReplicas (${props.maxReplicas})`, `lower minReplicas to at most ${props.maxReplicas} or raise maxReplicas`);
    check(props.metrics.length > 0, this, 'metrics', [], 'is empty, so KEDA would have nothing to scale on', 'e.g. metrics: [ScalingMetric.queueDepth({ targetPerReplica: 5 })]');

    const triggers = props.metrics.map(m => m.bind(this, svc));
    const names = triggers.map(t => t.name);
    check(new Set(names).size === names.length, this, 'metrics', names, 'has two metrics with the same name', 'use each metric once, and give custom metrics distinct names');
    const scaleToZero = props.scaleToZero === true;
    check(!scaleToZero || triggers.some(t => !t.fromModelPods), this, 'scaleToZero', true,
      `every metric (${names.join(', ')}) is read from the model's own pods, which do not exist at zero replicas, so nothing could ever scale it back up`,
      'add a ScalingMetric.prometheus() on series that exist without the pods (e.g. the gateway\'s request rate), or drop scaleToZero');
    if (props.cooldown !== undefined) duration(this, 'cooldown', props.cooldown, { max: Duration.days(1) });
    if (props.pollingInterval !== undefined) duration(this, 'pollingInterval', props.pollingInterval, { max: Duration.hours(1) });
    const cooldown = wholeSeconds(this, 'cooldown', props.cooldown ?? Duration.minutes(5));

    this.scaledObjectName = svc.name;
    // Plain JSON rather than the typed L1, which converts the whole spec again at synth: a fleet's cost.
    new ApiObject(this, 'Resource', {
      ...ScaledObject.GVK,
      metadata: svc.metadata(this.scaledObjectName),
      spec: {
        // The service's workload is decided by the whole app: read when rendered, a rollout created after the
        // autoscaler is the target.
        scaleTargetRef: Lazy.any({ produce: () => ({ ...svc.workload }) }),
        minReplicaCount: min,
        maxReplicaCount: props.maxReplicas,
        idleReplicaCount: scaleToZero ? 0 : undefined,
        cooldownPeriod: cooldown,
        pollingInterval: wholeSeconds(this, 'pollingInterval', props.pollingInterval ?? Duration.seconds(30), 1),
        advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: cooldown } } } },
        triggers: triggers.map(t => ({
          type: 'prometheus',
          name: t.name,
          metricType: 'AverageValue',
          metadata: {
            // Read when rendered: the chart's PrometheusSettings may come after the autoscaler.
            serverAddress: Lazy.any({ produce: () => PrometheusSettings.of(this).address }),
            query: t.query,
            threshold: String(t.threshold),
            ...(t.activationThreshold !== undefined ? { activationThreshold: String(t.activationThreshold) } : {}),
            ...(t.fromModelPods && !scaleToZero ? { ignoreNullValues: 'false' } : {}),
          },
        })),
      },
    });
    if (scaleToZero) this.node.addValidation({ validate: () => this.validateScaleToZero(svc) });
    // Marked last: an autoscaler whose props were refused does not hold the workload.
    Object.defineProperty(svc, SCALED_BY, { value: this.node.path, configurable: true });
  }

  /** Only known once the tree is complete: which rollout took the workload over, and how it analyses. */
  private validateScaleToZero(svc: IModelService): string[] {
    // The service knows its rollout: a search of the whole app per autoscaler would make synth quadratic in fleet size.
    const rollout = svc.workloadOwner;
    if (rollout === undefined || !('hasBlockingAnalysis' in rollout) || !(rollout as AnalysedWorkloadOwner).hasBlockingAnalysis) return [];
    return [`scaleToZero: the workload is the Rollout ${rollout.node.path}, whose updates wait on an analysis of the new version `
      + '(an analysis step or a pre-promotion analysis). Scaled to zero while idle, an update has no pods and no traffic to measure: the gates '
      + 'get no data and the update stalls Inconclusive (or, where Argo skips the steps of a rollout at zero replicas, ships unanalysed) '
      + '(got true). Fix: keep minReplicas >= 1 without scaleToZero for this service, or use background analysis only.'];
  }
}

/**
 * What the autoscaler reads of the rollout that took the workload over (a ProgressiveRollout): delivery sits above
 * monitoring, so the autoscaler knows the rollout by this shape, as the NetworkPolicy knows it by IServiceClients.
 */
interface AnalysedWorkloadOwner {
  readonly hasBlockingAnalysis: boolean;
}

import { ApiObject, Chart, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AnalysisStepOptions } from './canary-step';
import { analysisGpus, capacityPlan, GpuCapacityPlan } from './gpu-capacity-plan';
import { ProgressiveRollout, ProgressiveRolloutProps } from './progressive-rollout';
import { wholeSeconds } from '../internal/duration';
import { check } from '../internal/errors';
import { dns1035Label, duration as checkDuration, int, INT32_MAX } from '../internal/validate';

/** Properties of a BlueGreenRollout. */
export interface BlueGreenRolloutProps extends ProgressiveRolloutProps {
  /**
   * The Service that sends live traffic to the active version.
   * @default - the service's own Service
   */
  readonly activeService?: string;
  /**
   * Analysis of the preview version before it takes traffic; a failure aborts the update.
   * @default - none
   */
  readonly prePromotionAnalysis?: AnalysisStepOptions;
  /**
   * Analysis after the switch; a failure switches traffic back.
   * @default - none
   */
  readonly postPromotionAnalysis?: AnalysisStepOptions;
  /**
   * Promote automatically once the preview is ready and the pre-promotion analysis passed.
   * @default true
   */
  readonly autoPromotionEnabled?: boolean;
  /**
   * Promote automatically this long after the preview is ready.
   * @default - at once (when auto-promotion is enabled)
   */
  readonly autoPromotionDelay?: Duration;
  /**
   * How long the old version keeps running after the switch, for a fast rollback.
   * @default Duration.seconds(30)
   */
  readonly scaleDownDelay?: Duration;
  /**
   * Replicas of the preview before promotion (it scales to full size at promotion).
   * @default - the service's replicas
   */
  readonly previewReplicaCount?: number;
}

/**
 * An Argo Rollouts blue-green of a GpuModelService: the new version runs in full beside the old one behind
 * a preview Service, is analysed, and takes all traffic at once. It holds twice the GPUs during an update.
 *
 * Child ids: `Resource`, `PreviewService`, `PrePromotionAnalysis`, `PostPromotionAnalysis`.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/bluegreen/
 */
export class BlueGreenRollout extends ProgressiveRollout {
  public readonly gpuPlan: GpuCapacityPlan;
  /** The Service in front of the active version. */
  public readonly activeServiceName: string;
  /** The Service in front of the preview version. */
  public readonly previewServiceName: string;

  constructor(scope: Construct, id: string, props: BlueGreenRolloutProps) {
    super(scope, id, props);
    const svc = this.service;
    if (props.previewReplicaCount !== undefined) {
      int(this, 'previewReplicaCount', props.previewReplicaCount, 1, INT32_MAX, 'e.g. previewReplicaCount: 1 to analyse on one replica before scaling up');
    }
    if (props.activeService !== undefined) dns1035Label(this, 'activeService', props.activeService);
    if (props.autoPromotionDelay !== undefined) checkDuration(this, 'autoPromotionDelay', props.autoPromotionDelay, { max: Duration.days(7) });
    if (props.scaleDownDelay !== undefined) checkDuration(this, 'scaleDownDelay', props.scaleDownDelay, { max: Duration.days(1) });
    // Argo Rollouts: "If the AutoPromotionEnabled field is set to false, this field will be ignored".
    check(props.autoPromotionDelay === undefined || props.autoPromotionEnabled !== false, this, 'autoPromotionDelay', props.autoPromotionDelay,
      'is ignored with autoPromotionEnabled: false', 'drop autoPromotionDelay, or enable auto-promotion');
    this.gpuPlan = capacityPlan(svc.gpusPerReplica, svc.replicas, 2 * svc.replicas,
      `blue-green runs the new version at ${svc.replicas} replicas beside the old one before switching`,
      Math.max(analysisGpus(props.prePromotionAnalysis?.templates), analysisGpus(props.postPromotionAnalysis?.templates)));
    this.activeServiceName = props.activeService ?? svc.name;
    this.previewServiceName = this._variantService('PreviewService', 'preview');
    // The service's own Service always exists; only a name given here can miss.
    if (props.activeService !== undefined) this.node.addValidation({ validate: () => this.validateActiveService() });

    this._renderRollout({
      blueGreen: {
        activeService: this.activeServiceName,
        previewService: this.previewServiceName,
        autoPromotionEnabled: props.autoPromotionEnabled ?? true,
        autoPromotionSeconds: props.autoPromotionDelay ? wholeSeconds(this, 'autoPromotionDelay', props.autoPromotionDelay, 1) : undefined,
        scaleDownDelaySeconds: wholeSeconds(this, 'scaleDownDelay', props.scaleDownDelay ?? Duration.seconds(30)),
        previewReplicaCount: props.previewReplicaCount,
        prePromotionAnalysis: props.prePromotionAnalysis ? this._renderAnalysis('PrePromotionAnalysis', props.prePromotionAnalysis.name ?? 'pre-promotion', props.prePromotionAnalysis, this.previewServiceName, true) : undefined,
        postPromotionAnalysis: props.postPromotionAnalysis ? this._renderAnalysis('PostPromotionAnalysis', props.postPromotionAnalysis.name ?? 'post-promotion', props.postPromotionAnalysis, this.activeServiceName, false) : undefined,
      },
    });
  }

  /** @internal */
  protected _budgetAdvice(budget: number): string {
    const svc = this.service;
    const canary = (svc.replicas + 1) * svc.gpusPerReplica;
    return canary <= budget
      ? `blue-green always doubles; use a CanaryRollout without a traffic router (maxSurge: 1), which peaks at ${canary} GPUs`
      : `no strategy fits ${budget} GPUs for ${svc.replicas} replicas of ${svc.gpusPerReplica} GPUs; raise the budget`;
  }

  /**
   * The active Service must exist in the app: Argo cannot switch traffic on a Service that is not there.
   * Looked up in the rollout's chart first: searching the whole app for every rollout is quadratic in fleet size.
   */
  private validateActiveService(): string[] {
    const hasService = (scope: IConstruct) => scope.node.findAll().some(c => ApiObject.isApiObject(c) && c.kind === 'Service' && c.name === this.activeServiceName);
    return hasService(Chart.of(this)) || hasService(this.node.root) ? [] : [
      `activeService: no Service of that name in the app (got ${JSON.stringify(this.activeServiceName)}). Fix: leave activeService unset to use the service's own Service, or create it.`,
    ];
  }
}

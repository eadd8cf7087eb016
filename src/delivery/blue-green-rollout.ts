import { Chart, Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AnalysisStepOptions } from './canary-step';
import { analysisGpus, capacityPlan, GpuCapacityPlan } from './gpu-capacity-plan';
import { ProgressiveRollout, ProgressiveRolloutProps } from './progressive-rollout';
import { wholeSeconds } from '../internal/duration';
import { check } from '../internal/errors';
import { dns1035Label, duration as checkDuration, int, INT32_MAX } from '../internal/validate';
import { IServiceRef } from '../serving/model-service';

/** Properties of a BlueGreenRollout. */
export interface BlueGreenRolloutProps extends ProgressiveRolloutProps {
  /**
   * The Service that sends live traffic to the active version (Argo points its selector at the active pods): another
   * Service of the app in the rollout's namespace, e.g. a cdk8s-plus `Service`.
   * @default - the service's own Service
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/bluegreen/#activeservice
   */
  readonly activeService?: IServiceRef;
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
  public readonly activeService: IServiceRef;
  /** The Service in front of the preview version. */
  public readonly previewService: IServiceRef;

  constructor(scope: Construct, id: string, props: BlueGreenRolloutProps) {
    super(scope, id, props);
    const svc = this.service;
    if (props.previewReplicaCount !== undefined) {
      int(this, 'previewReplicaCount', props.previewReplicaCount, 1, INT32_MAX, 'e.g. previewReplicaCount: 1 to analyse on one replica before scaling up');
    }
    if (props.activeService !== undefined) this.checkActiveService(props.activeService);
    if (props.autoPromotionDelay !== undefined) checkDuration(this, 'autoPromotionDelay', props.autoPromotionDelay, { max: Duration.days(7) });
    if (props.scaleDownDelay !== undefined) checkDuration(this, 'scaleDownDelay', props.scaleDownDelay, { max: Duration.days(1) });
    // Argo Rollouts: "If the AutoPromotionEnabled field is set to false, this field will be ignored".
    check(props.autoPromotionDelay === undefined || props.autoPromotionEnabled !== false, this, 'autoPromotionDelay', props.autoPromotionDelay,
      'is ignored with autoPromotionEnabled: false', 'drop autoPromotionDelay, or enable auto-promotion');
    this.gpuPlan = capacityPlan(svc.gpusPerReplica, svc.replicas, 2 * svc.replicas,
      `blue-green runs the new version at ${svc.replicas} replicas beside the old one before switching`,
      Math.max(analysisGpus(props.prePromotionAnalysis?.templates), analysisGpus(props.postPromotionAnalysis?.templates)));
    this.activeService = props.activeService ?? svc;
    this.previewService = this._variantService('PreviewService', 'preview');

    this._renderRollout({
      blueGreen: {
        activeService: this.activeService.name,
        previewService: this.previewService.name,
        autoPromotionEnabled: props.autoPromotionEnabled ?? true,
        autoPromotionSeconds: props.autoPromotionDelay ? wholeSeconds(this, 'autoPromotionDelay', props.autoPromotionDelay, 1) : undefined,
        scaleDownDelaySeconds: wholeSeconds(this, 'scaleDownDelay', props.scaleDownDelay ?? Duration.seconds(30)),
        previewReplicaCount: props.previewReplicaCount,
        prePromotionAnalysis: props.prePromotionAnalysis ? this._renderAnalysis('PrePromotionAnalysis', props.prePromotionAnalysis.name ?? 'pre-promotion', props.prePromotionAnalysis, this.previewService.name, true) : undefined,
        postPromotionAnalysis: props.postPromotionAnalysis ? this._renderAnalysis('PostPromotionAnalysis', props.postPromotionAnalysis.name ?? 'post-promotion', props.postPromotionAnalysis, this.activeService.name, false) : undefined,
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
   * Argo looks the active Service up by name in the Rollout's namespace: it must be synthesized with this app, into
   * that namespace.
   */
  private checkActiveService(ref: IServiceRef): void {
    dns1035Label(this, 'activeService', ref.name);
    check(ref.node.root === this.node.root, this, 'activeService', ref.node.path, 'is not part of this app, so it would not be deployed with the Rollout',
      'leave activeService unset to use the service\'s own Service, or create it in the same app');
    const namespaceOf = (c: IConstruct, own?: string) => own ?? Chart.of(c).namespace;
    const expected = namespaceOf(this, this.service.namespace);
    check(namespaceOf(ref, ref.namespace) === expected, this, 'activeService', ref.node.path,
      `is in the namespace ${JSON.stringify(namespaceOf(ref, ref.namespace))}, and Argo looks it up in the Rollout's (${JSON.stringify(expected)})`,
      'create the Service in the rollout\'s namespace');
  }
}

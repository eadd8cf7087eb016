import { ApiObject, Duration, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { AnalysisStepOptions } from './canary-step';
import { GpuCapacityPlan } from './gpu-capacity-plan';
import { VariantService } from './variant-service';
import { CANDIDATE_SERVICE_ARG, GateAnalysisTemplate, IAnalysisTemplate } from '../gates/analysis-template';
import { GATE_ARGS } from '../gates/gate';
import { Rollout, RolloutSpecStrategy, toJson_RolloutSpecStrategy } from '../imports/rollout-argoproj.io';
import { wholeSeconds } from '../internal/duration';
import { bindInputs, check, propError } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { childName } from '../internal/names';
import { NotificationSubscription, subscriptionAnnotations } from '../notifications/notification-subscription';
import { NotificationTrigger, NotifiedObject } from '../notifications/notification-trigger';
import { IModelService, IServiceRef, IWorkloadOwner, WorkloadReference } from '../serving/model-service';
import { IServiceClients, NetworkPeer } from '../serving/network-policy';

/** Properties shared by every progressive rollout. */
export interface ProgressiveRolloutProps {
  /** The service whose pods the rollout takes over. */
  readonly service: IModelService;
  /**
   * The most GPUs the rollout may hold at once, stable and new version together. Synth fails when the
   * strategy can exceed it.
   * @default - no budget
   */
  readonly gpuBudget?: number;
  /**
   * How long an update may make no progress before it is marked degraded.
   * @default - the service's startup timeout plus 30 minutes (model download and load)
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/specification/
   */
  readonly progressDeadline?: Duration;
  /**
   * Abort the update (and scale the new version down) when the deadline passes.
   * @default true
   */
  readonly progressDeadlineAbort?: boolean;
  /**
   * Who is told about the rollout's events (Argo Rollouts triggers), rendered as
   * `notifications.argoproj.io/subscribe.<trigger>.<service>` annotations on the Rollout.
   * @default - no subscriptions
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/notifications/
   */
  readonly notifications?: NotificationSubscription[];
}

/** An analysis reference as Argo renders it in a step or a blue-green hook. */
interface RenderedAnalysis {
  readonly templates: { templateName: string; clusterScope?: boolean }[];
  readonly args: ({ name: string; value: string } | { name: string; valueFrom: any })[];
}

/**
 * What canary and blue-green rollouts share: taking the service's pod template into an Argo Rollout,
 * rendering gates into AnalysisTemplates with their arguments, and the GPU capacity plan.
 *
 * Child ids: `Resource` (the Rollout), analysis templates by their purpose.
 */
export abstract class ProgressiveRollout extends Construct implements IServiceClients, IWorkloadOwner {
  /** The Rollout's name (the service's). */
  public readonly name: string;
  /** The service. */
  public readonly service: IModelService;
  /** The peak GPUs of an update under this strategy. */
  public abstract readonly gpuPlan: GpuCapacityPlan;
  private readonly references: IAnalysisTemplate[] = [];
  private readonly suppliedArgs = new Map<IAnalysisTemplate, Set<string>>();
  private blocking = false;

  constructor(scope: Construct, id: string, protected readonly props: ProgressiveRolloutProps) {
    super(scope, id);
    bindInputs(this, props);
    this.service = props.service;
    this.name = props.service.name;
    props.service._adoptOwner(this);
    this.node.addValidation({ validate: () => this.validateReferences() });
  }

  /** The Argo Rollout, which runs the service's pods. */
  public get workload(): WorkloadReference {
    return { apiVersion: Rollout.GVK.apiVersion, kind: Rollout.GVK.kind, name: this.name };
  }

  /**
   * Whether an update waits on an analysis of the new version before it progresses (a canary `analysis`
   * step, a blue-green pre-promotion analysis): that analysis needs pods of the new version to measure.
   */
  public get hasBlockingAnalysis(): boolean {
    return this.blocking;
  }

  /**
   * Who calls the service's pods because of this rollout: the router's data plane (through the canary, stable,
   * active or preview Services alike: they all select the same pods) and the evaluators that call the candidate.
   */
  public get inferencePeers(): NetworkPeer[] {
    const evaluators = [...new Set(this.references)].map(t => t.candidateClient).filter((p): p is NetworkPeer => p !== undefined);
    return [...this._routerDataPlane(), ...evaluators];
  }

  /**
   * The router's data plane, for a strategy with a traffic router.
   * @internal
   */
  protected _routerDataPlane(): NetworkPeer[] {
    return [];
  }

  /**
   * Renders the Rollout once the strategy is known.
   * @internal
   */
  protected _renderRollout(strategy: RolloutSpecStrategy): void {
    const plan = this.gpuPlan;
    if (this.props.gpuBudget !== undefined) {
      check(plan.peakGpus <= this.props.gpuBudget, this, 'gpuBudget', this.props.gpuBudget,
        `the strategy can hold ${plan.peakGpus} GPUs at once, over the budget (${plan.description})`, this._budgetAdvice(this.props.gpuBudget));
    }
    const svc = this.service;
    const deadline = wholeSeconds(this, 'progressDeadline', this.props.progressDeadline ?? defaultDeadline(svc), 60);
    const notifications = subscriptionAnnotations(this, 'notifications', NotifiedObject.ROLLOUT, this.props.notifications ?? [], t => this.missingEvent(t, strategy));
    new ApiObject(this, 'Resource', {
      ...Rollout.GVK,
      metadata: svc.metadata(this.name, { [`${DOMAIN}/gpu-plan`]: plan.description, [`${DOMAIN}/peak-gpus`]: String(plan.peakGpus), ...notifications }),
      spec: {
        replicas: svc.replicas,
        revisionHistoryLimit: 3,
        progressDeadlineSeconds: deadline,
        progressDeadlineAbort: this.props.progressDeadlineAbort ?? true,
        selector: { matchLabels: svc.selectorLabels },
        // Converted when synthesized, as the Deployment's L1 does: later changes to the pod template reach the
        // Rollout, and no converted copy is kept per service (a large fleet's build was 30% faster without it).
        template: Lazy.any({ produce: () => k8s.toJson_PodTemplateSpec(svc.podTemplate) }),
        strategy: Lazy.any({ produce: () => toJson_RolloutSpecStrategy(strategy) }),
      },
    });
  }

  /**
   * A Service selecting the rollout's pods under another name; Argo narrows its selector to one version.
   * @internal
   */
  protected _variantService(id: string, suffix: string): IServiceRef {
    const svc = this.service;
    const name = childName(svc.name, suffix);
    return new VariantService(this, id, svc.port, {
      metadata: svc.metadata(name),
      spec: {
        type: 'ClusterIP',
        selector: svc.selectorLabels,
        ports: svc.servicePorts.map(p => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol })),
      },
    });
  }

  /**
   * Renders an analysis: the gates into a template of this rollout, plus the referenced templates, with args.
   * `candidateService` is the Service in front of the new version.
   * @internal
   */
  protected _renderAnalysis(id: string, suffix: string, options: AnalysisStepOptions, candidateService: string, blocking: boolean): RenderedAnalysis {
    this.blocking ||= blocking;
    const templates: IAnalysisTemplate[] = [...(options.templates ?? [])];
    if (options.gates?.length) {
      templates.unshift(new GateAnalysisTemplate(this, id, { service: this.service, gates: options.gates, name: childName(this.name, suffix) }));
    }
    if (templates.length === 0) {
      throw propError(this, `${suffix}`, options, 'has no gates and no templates, so it would measure nothing', 'give gates or templates');
    }
    const extra = Object.keys(options.args ?? {});
    for (const t of templates) {
      this.references.push(t);
      this.suppliedArgs.set(t, new Set([...(this.suppliedArgs.get(t) ?? []), ...GATE_ARGS, CANDIDATE_SERVICE_ARG, ...extra]));
    }
    const declared = new Set(templates.flatMap(t => t.requiredArgs));
    return {
      templates: templates.map(t => ({ templateName: t.templateName, clusterScope: t.clusterScope || undefined })),
      args: [
        ...(declared.has('namespace') ? [{ name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }] : []),
        ...(declared.has('canary-hash') ? [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }] : []),
        ...(declared.has('stable-hash') ? [{ name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } }] : []),
        ...(declared.has(CANDIDATE_SERVICE_ARG) ? [{ name: CANDIDATE_SERVICE_ARG, value: candidateService }] : []),
        ...Object.entries(options.args ?? {}).map(([name, value]) => ({ name, value })),
      ],
    };
  }

  /**
   * Suggestions for a strategy that fits a GPU budget.
   * @internal
   */
  protected abstract _budgetAdvice(budget: number): string;

  /** Why the rollout can never have the event, when it cannot. */
  private missingEvent(trigger: NotificationTrigger, strategy: RolloutSpecStrategy): string | undefined {
    if (trigger.name.startsWith('on-analysis-run-') && this.references.length === 0) return 'it runs no analysis (no gates, templates or background analysis)';
    if (trigger === NotificationTrigger.ROLLOUT_STEP_COMPLETED && !strategy.canary?.steps?.length) return 'it has no canary steps';
    return undefined;
  }

  private validateReferences(): string[] {
    const errors: string[] = [];
    for (const t of new Set(this.references)) {
      if (t.node.root !== this.node.root) {
        // cdk8s prefixes the construct path to validation messages.
        errors.push(`analysis: references template ${t.templateName} (${t.node.path}), which is not part of this app, so Argo would not find it. Fix: create the template in the same app.`);
      }
      const supplied = this.suppliedArgs.get(t) ?? new Set();
      const missing = t.requiredArgs.filter(a => !supplied.has(a));
      if (missing.length) {
        errors.push(`analysis.args: template ${t.templateName} needs ${missing.join(', ')} (got ${JSON.stringify([...supplied])}). Fix: pass them in the analysis step's args.`);
      }
    }
    return errors;
  }
}

function defaultDeadline(svc: IModelService): Duration {
  return Duration.seconds(svc.startupTimeout.toSeconds() + 1800);
}

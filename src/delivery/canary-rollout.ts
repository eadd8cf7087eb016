import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CanaryStep, CanaryStepKind } from './canary-step';
import { analysisGpus, capacityPlan, GpuCapacityPlan } from './gpu-capacity-plan';
import { ProgressiveRollout, ProgressiveRolloutProps } from './progressive-rollout';
import { TrafficRouter } from './traffic-router';
import { Gate } from '../gates/gate';
import { RolloutSpecStrategyCanaryMaxSurge, RolloutSpecStrategyCanaryMaxUnavailable } from '../imports/rollout-argoproj.io';
import { wholeSeconds } from '../internal/duration';
import { check } from '../internal/errors';
import { duration as checkDuration, int, INT32_MAX } from '../internal/validate';
import { IServiceRef } from '../serving/model-service';
import { NetworkPeer } from '../serving/network-policy';

/** Properties of a CanaryRollout. */
export interface CanaryRolloutProps extends ProgressiveRolloutProps {
  /** The steps, in order. After the last one the new version is promoted to 100%. */
  readonly steps: CanaryStep[];
  /**
   * Accept steps whose last weight is below 100: Argo then jumps to 100% after the last step.
   * @default false
   */
  readonly implicitFullPromotion?: boolean;
  /**
   * Gates measured for the whole update, in the background; a failure aborts it.
   * @default - none
   */
  readonly backgroundAnalysis?: Gate[];
  /**
   * The traffic router. Without one, traffic follows the replica split.
   * @default - replica-based split
   */
  readonly trafficRouter?: TrafficRouter;
  /**
   * Extra replicas during the update (replica-based split). Every replica holds its own GPUs.
   * @default 1
   */
  readonly maxSurge?: number;
  /**
   * Replicas that may be unavailable during the update.
   * @default 0
   */
  readonly maxUnavailable?: number;
  /**
   * With a traffic router: scale the stable version down as the new one takes traffic, so the rollout
   * holds about one extra replica of GPUs instead of doubling.
   * @default false
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/#dynamic-stable-scale-with-traffic-routing
   */
  readonly dynamicStableScale?: boolean;
  /**
   * How long the new version's pods stay after an abort (for debugging) before they are scaled down.
   * @default Duration.seconds(30)
   */
  readonly abortScaleDownDelay?: Duration;
}

/**
 * An Argo Rollouts canary of a GpuModelService: the service's pod template moved into the Rollout (its
 * Deployment is removed), canary and stable Services, typed steps, metric gates and optional traffic
 * routing through Istio or the Gateway API. Shadow (mirror) and A/B (header route) rollouts are canaries
 * with `setMirrorRoute` or `setHeaderRoute` steps.
 *
 * Child ids: `Resource`, `CanaryService`, `StableService`, `VirtualService` or `HTTPRoute`,
 * `Analysis<n>` per analysis step, `BackgroundAnalysis`.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/
 */
export class CanaryRollout extends ProgressiveRollout {
  public readonly gpuPlan: GpuCapacityPlan;
  /** The Service selecting the new version's pods. */
  public readonly canaryService: IServiceRef;
  /** The Service selecting the stable version's pods. */
  public readonly stableService: IServiceRef;

  constructor(scope: Construct, id: string, private readonly canary: CanaryRolloutProps) {
    super(scope, id, canary);
    const router = canary.trafficRouter;
    const maxSurge = this.whole('maxSurge', canary.maxSurge ?? 1, 0);
    const maxUnavailable = this.whole('maxUnavailable', canary.maxUnavailable ?? 0, 0);
    check(maxSurge + maxUnavailable > 0, this, 'maxSurge', maxSurge, 'maxSurge and maxUnavailable are both 0, so the update can never progress', 'set maxSurge: 1 or maxUnavailable: 1');
    if (canary.abortScaleDownDelay !== undefined) checkDuration(this, 'abortScaleDownDelay', canary.abortScaleDownDelay, { max: Duration.days(1) });
    // Argo: dynamicStableScale needs traffic routing; without it the field is ignored.
    check(!canary.dynamicStableScale || router !== undefined, this, 'dynamicStableScale', true, 'needs a traffic router, so it would be ignored',
      'set trafficRouter, or drop dynamicStableScale');
    this.validateSteps(canary.steps, router);
    this.gpuPlan = this.plan(maxSurge, router !== undefined, canary.dynamicStableScale === true);

    this.canaryService = this._variantService('CanaryService', 'canary');
    this.stableService = this._variantService('StableService', 'stable');
    const routeNames = canary.steps.flatMap(s => [s._settings.headerRoute?.name, s._settings.mirrorRoute?.name]);
    const managedRoutes = [...new Set(routeNames.filter((n): n is string => !!n))];
    const trafficRouting = router?._bind(this, {
      service: this.service, stableService: this.stableService.name, canaryService: this.canaryService.name, managedRoutes,
    });

    let analyses = 0;
    const steps = canary.steps.map(step => step._render(this, options => {
      analyses++;
      return this._renderAnalysis(`Analysis${analyses}`, options.name ?? `analysis-${analyses}`, options, this.canaryService.name, true);
    }));

    const background = canary.backgroundAnalysis?.length
      ? this._renderAnalysis('BackgroundAnalysis', 'background', { gates: canary.backgroundAnalysis }, this.canaryService.name, false)
      : undefined;

    this._renderRollout({
      canary: {
        canaryService: this.canaryService.name,
        stableService: this.stableService.name,
        maxSurge: RolloutSpecStrategyCanaryMaxSurge.fromNumber(maxSurge),
        maxUnavailable: RolloutSpecStrategyCanaryMaxUnavailable.fromNumber(maxUnavailable),
        abortScaleDownDelaySeconds: wholeSeconds(this, 'abortScaleDownDelay', canary.abortScaleDownDelay ?? Duration.seconds(30)),
        dynamicStableScale: router ? canary.dynamicStableScale : undefined,
        trafficRouting,
        analysis: background,
        steps,
      },
    });
  }

  /** @internal */
  protected _routerDataPlane(): NetworkPeer[] {
    return this.canary.trafficRouter?._dataPlane ?? [];
  }

  /** @internal */
  protected _budgetAdvice(budget: number): string {
    const svc = this.service;
    const options = [
      { what: 'a replica-based canary (no traffic router, maxSurge: 1)', gpus: this.plan(1, false, false).peakGpus },
      { what: 'these steps with a traffic router and dynamicStableScale: true', gpus: this.plan(1, true, true).peakGpus },
      { what: 'a BlueGreenRollout', gpus: 2 * svc.replicas * svc.gpusPerReplica },
    ];
    const fits = options.filter(o => o.gpus <= budget);
    return fits.length
      ? `use ${fits.map(o => `${o.what}: peak ${o.gpus} GPUs`).join('; or ')}`
      : `no strategy fits ${budget} GPUs for ${svc.replicas} replicas of ${svc.gpusPerReplica} GPUs; raise the budget or lower replicas during the update`;
  }

  private whole(prop: string, value: number, min: number): number {
    return int(this, prop, value, min, INT32_MAX, `set ${prop} to an integer >= ${min}`);
  }

  private validateSteps(steps: CanaryStep[], router: TrafficRouter | undefined): void {
    check(steps.length > 0, this, 'steps', [], 'is empty: the rollout would jump straight to 100%', 'give steps, e.g. [CanaryStep.weight(10), CanaryStep.pause(), CanaryStep.weight(100)]');
    let weight = 0;
    let scaled = false;
    steps.forEach((step, i) => {
      const o = step._settings;
      const prop = `steps[${i}]`;
      switch (step._kind) {
        case CanaryStepKind.SET_WEIGHT:
          check(Number.isInteger(o.weight) && o.weight! >= 0 && o.weight! <= 100, this, `${prop}.setWeight`, o.weight, 'must be a whole percentage from 0 to 100', 'e.g. CanaryStep.weight(20)');
          check(o.weight! > weight || (i === 0 && o.weight === 0), this, `${prop}.setWeight`, o.weight, `must increase (the previous weight was ${weight})`, 'order the setWeight steps by increasing weight');
          weight = o.weight!;
          break;
        case CanaryStepKind.PAUSE:
          if (o.duration) wholeSeconds(this, `${prop}.pause`, o.duration, 1);
          break;
        case CanaryStepKind.SET_CANARY_SCALE: {
          const s = o.scale!;
          check(router !== undefined, this, `${prop}.setCanaryScale`, s, 'needs a traffic router: without one the canary scale is the traffic weight', 'set trafficRouter, or use CanaryStep.weight()');
          const set = [s.replicas !== undefined, s.weight !== undefined, s.matchTrafficWeight === true].filter(Boolean).length;
          check(set === 1, this, `${prop}.setCanaryScale`, s, 'must set exactly one of replicas, weight, matchTrafficWeight', 'e.g. CanaryStep.canaryScale({ replicas: 1 })');
          if (s.replicas !== undefined) this.whole(`${prop}.setCanaryScale.replicas`, s.replicas, 0);
          if (s.weight !== undefined) check(s.weight >= 0 && s.weight <= 100, this, `${prop}.setCanaryScale.weight`, s.weight, 'must be a percentage from 0 to 100', 'e.g. weight: 25');
          scaled = s.matchTrafficWeight !== true;
          break;
        }
        case CanaryStepKind.SET_HEADER_ROUTE:
        case CanaryStepKind.SET_MIRROR_ROUTE: {
          const mirror = step._kind === CanaryStepKind.SET_MIRROR_ROUTE;
          const kind = mirror ? 'setMirrorRoute' : 'setHeaderRoute';
          const supported = mirror ? router?._supportsMirror : router?._supportsHeaderRoutes;
          check(supported === true, this, `${prop}.${kind}`, router?._name ?? 'no traffic router',
            `needs a traffic router that supports ${mirror ? 'mirroring' : 'header routes'}`,
            mirror ? 'set trafficRouter: TrafficRouter.istio() (only Istio mirrors today)' : 'set trafficRouter: TrafficRouter.istio() or TrafficRouter.gatewayApi(...)');
          const adding = mirror ? o.mirrorRoute!.percentage > 0 : o.headerRoute!.match.length > 0;
          if (mirror && adding) {
            check(Number.isInteger(o.mirrorRoute!.percentage) && o.mirrorRoute!.percentage <= 100, this, `${prop}.setMirrorRoute.percentage`, o.mirrorRoute!.percentage, 'must be a whole percentage from 1 to 100', 'e.g. percentage: 10');
          }
          check(!adding || weight > 0 || scaled, this, `${prop}.${kind}`, o.mirrorRoute?.name ?? o.headerRoute?.name,
            'routes traffic to the new version while it has no pods (weight 0 scales it to zero)', 'put CanaryStep.canaryScale({ replicas: 1 }) before it');
          break;
        }
        case CanaryStepKind.ANALYSIS:
          break;
      }
    });
    check(weight === 100 || this.canary.implicitFullPromotion === true, this, 'steps', `last weight ${weight}`,
      'never reach 100, so Argo would jump from the last step to full traffic unannounced', 'end with CanaryStep.weight(100), or set implicitFullPromotion: true');
  }

  private plan(maxSurge: number, routed: boolean, dynamicStableScale: boolean): GpuCapacityPlan {
    const svc = this.service;
    const r = svc.replicas;
    const gpr = svc.gpusPerReplica;
    const heldByAnalysis = (step: CanaryStep) => step._kind === CanaryStepKind.ANALYSIS ? analysisGpus(step._settings.analysis!.templates) : 0;
    // Without a step-by-step plan, assume the hungriest analysis runs at the peak.
    const worstAnalysis = Math.max(0, ...this.canary.steps.map(heldByAnalysis));
    if (!routed) {
      return capacityPlan(gpr, r, r + maxSurge, `replica-based canary: ${r} replicas plus maxSurge ${maxSurge}`, worstAnalysis);
    }
    if (!dynamicStableScale) {
      return capacityPlan(gpr, r, 2 * r, `traffic-routed canary keeps the stable version at ${r} replicas while the new version scales to ${r}`, worstAnalysis);
    }
    let weight = 0;
    let fixed: number | undefined;
    let stablePods = r;
    let peak = { replicas: r, analysis: 0 };
    for (const step of [...this.canary.steps, CanaryStep.weight(100)]) {
      const o = step._settings;
      if (step._kind === CanaryStepKind.SET_WEIGHT) weight = o.weight!;
      if (step._kind === CanaryStepKind.SET_CANARY_SCALE) {
        fixed = o.scale!.matchTrafficWeight ? undefined : o.scale!.replicas ?? Math.ceil(o.scale!.weight! * r / 100);
      }
      // Argo scales the canary up before it scales the stable version down.
      const canaryPods = weight === 100 ? r : fixed ?? Math.ceil(weight * r / 100);
      const now = { replicas: canaryPods + stablePods, analysis: heldByAnalysis(step) };
      if (now.replicas * gpr + now.analysis > peak.replicas * gpr + peak.analysis) peak = now;
      stablePods = Math.ceil((100 - weight) * r / 100);
    }
    return capacityPlan(gpr, r, peak.replicas, 'traffic-routed canary with dynamicStableScale: the stable version shrinks as the new one takes traffic', peak.analysis);
  }
}

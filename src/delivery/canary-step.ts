import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { CANDIDATE_SERVICE_ARG, IAnalysisTemplate } from '../gates/analysis-template';
import { Gate, GATE_ARGS } from '../gates/gate';
import { RolloutSpecStrategyCanarySteps, RolloutSpecStrategyCanaryStepsAnalysis, RolloutSpecStrategyCanaryStepsPauseDuration } from '../imports/rollout-argoproj.io';
import { shortDuration } from '../internal/duration';
import { check, deferFactoryChecks } from '../internal/errors';
import { dns1123Label, duration as checkDuration, int, INT32_MAX, re2Regex } from '../internal/validate';

// RFC 9110 token: what an HTTP header name may contain.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkHeaderName(where: string, name: string): void {
  check(typeof name === 'string' && HEADER_NAME.test(name), undefined, `${where}.headerName`, name, 'must be an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)',
    "e.g. 'x-canary'");
}

/** How many pods the new version runs, independent of its traffic weight. */
export interface SetCanaryScaleOptions {
  /**
   * A fixed number of canary pods.
   * @default - not set
   */
  readonly replicas?: number;
  /**
   * Canary pods as a percentage of the rollout's replicas.
   * @default - not set
   */
  readonly weight?: number;
  /**
   * Go back to scaling the canary with its traffic weight.
   * @default false
   */
  readonly matchTrafficWeight?: boolean;
}

/** An analysis run as a step: gates rendered into a template, and/or existing templates. */
export interface AnalysisStepOptions {
  /**
   * Gates rendered into an AnalysisTemplate of the rollout.
   * @default - none
   */
  readonly gates?: Gate[];
  /**
   * Existing templates, e.g. a ValidationJob's.
   * @default - none
   */
  readonly templates?: IAnalysisTemplate[];
  /**
   * Values of template arguments beyond the ones the rollout fills (`namespace`, `canary-hash`, `stable-hash`).
   * @default - none
   */
  readonly args?: { [name: string]: string };
  /**
   * Suffix of the gates' template name.
   * @default - `analysis-<n>` for the n-th analysis step
   */
  readonly name?: string;
}

/** One header condition of a header route. */
export class HeaderMatch {
  /** The header equals the value. */
  public static exact(headerName: string, value: string): HeaderMatch {
    checkHeaderName('HeaderMatch.exact', headerName);
    return new HeaderMatch(headerName, { exact: value });
  }

  /** The header starts with the value. */
  public static prefix(headerName: string, value: string): HeaderMatch {
    checkHeaderName('HeaderMatch.prefix', headerName);
    return new HeaderMatch(headerName, { prefix: value });
  }

  /** The header matches the regular expression. */
  public static regex(headerName: string, pattern: string): HeaderMatch {
    checkHeaderName('HeaderMatch.regex', headerName);
    // Istio and the Gateway API implementations (Envoy) compile header regexes as RE2.
    re2Regex(undefined, 'HeaderMatch.regex.pattern', pattern);
    return new HeaderMatch(headerName, { regex: pattern });
  }

  private constructor(
    /** The header's name. */
    public readonly headerName: string,
    /** How its value matches: one of exact, prefix, regex. */
    public readonly headerValue: { [matcher: string]: string },
  ) {}
}

/** A header route: requests matching all conditions go to the new version (A/B testing a user segment). */
export interface HeaderRouteOptions {
  /** The route's name, listed in the rollout's managed routes. */
  readonly name: string;
  /** The conditions. */
  readonly match: HeaderMatch[];
}

/** A mirror route: a copy of live traffic goes to the new version; its responses are dropped. */
export interface MirrorRouteOptions {
  /** The route's name, listed in the rollout's managed routes. */
  readonly name: string;
  /** The percentage of requests mirrored, 1 to 100. */
  readonly percentage: number;
  /**
   * Only requests whose path starts with this are mirrored.
   * @default '/'
   */
  readonly pathPrefix?: string;
}

/**
 * The kinds of canary steps.
 * @internal
 */
export enum CanaryStepKind {
  SET_WEIGHT = 'setWeight',
  PAUSE = 'pause',
  SET_CANARY_SCALE = 'setCanaryScale',
  ANALYSIS = 'analysis',
  SET_HEADER_ROUTE = 'setHeaderRoute',
  SET_MIRROR_ROUTE = 'setMirrorRoute',
}

/**
 * One step of a canary rollout.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/
 */
export class CanaryStep {
  /**
   * Argo's `setWeight`: sends `weight` percent of the traffic (or of the replicas, without a traffic router)
   * to the new version. (jsii forbids one-argument `setXxx` methods, which clash with Java setters, so the
   * factories drop Argo's `set` prefix.)
   */
  public static weight(weight: number): CanaryStep {
    return new CanaryStep(CanaryStepKind.SET_WEIGHT, { weight });
  }

  /** Waits for the duration, or for a manual promotion when none is given. */
  public static pause(duration?: Duration): CanaryStep {
    if (duration !== undefined) checkDuration(undefined, 'CanaryStep.pause.duration', duration, { max: Duration.days(30) });
    return new CanaryStep(CanaryStepKind.PAUSE, { duration });
  }

  /** Argo's `setCanaryScale`: how many pods the new version runs, independent of its traffic weight (needs a traffic router). */
  public static canaryScale(options: SetCanaryScaleOptions): CanaryStep {
    if (options.replicas !== undefined) int(undefined, 'CanaryStep.canaryScale.replicas', options.replicas, 0, INT32_MAX, 'e.g. replicas: 1');
    if (options.weight !== undefined) int(undefined, 'CanaryStep.canaryScale.weight', options.weight, 0, 100, 'e.g. weight: 25');
    check(Number(options.replicas !== undefined) + Number(options.weight !== undefined) + Number(!!options.matchTrafficWeight) === 1, undefined,
      'CanaryStep.canaryScale', options, 'must set exactly one of replicas, weight and matchTrafficWeight', 'e.g. CanaryStep.canaryScale({ replicas: 1 })');
    return new CanaryStep(CanaryStepKind.SET_CANARY_SCALE, { scale: options });
  }

  /**
   * Validation before any traffic: one canary pod without traffic (`setCanaryScale: { replicas: 1 }`), the
   * analysis on it (e.g. a ValidationJob, which calls the canary Service), then back to scaling with the weight.
   * Needs a traffic router. Put these steps first.
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/
   */
  public static validateBeforeTraffic(template: IAnalysisTemplate): CanaryStep[] {
    return [
      CanaryStep.canaryScale({ replicas: 1 }),
      CanaryStep.analysis({ templates: [template] }),
      CanaryStep.canaryScale({ matchTrafficWeight: true }),
    ];
  }

  /** Runs an analysis and waits for its result; a failure aborts the rollout. */
  public static analysis(options: AnalysisStepOptions): CanaryStep {
    for (const name of Object.keys(options.args ?? {})) {
      check(/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(name), undefined, 'CanaryStep.analysis.args', name, 'must be an argument name (letters, digits, "-", "_", ".")', "e.g. args: { 'model-uri': '...' }");
      // The rollout sets these itself; a second value of the same name would make Argo's choice arbitrary.
      check(![...GATE_ARGS, CANDIDATE_SERVICE_ARG].includes(name), undefined, 'CanaryStep.analysis.args', name, 'shadows an argument the rollout sets itself',
        `rename it; ${[...GATE_ARGS, CANDIDATE_SERVICE_ARG].join(', ')} are reserved`);
    }
    if (options.name !== undefined) dns1123Label(undefined, 'CanaryStep.analysis.name', options.name, "'quality'");
    return new CanaryStep(CanaryStepKind.ANALYSIS, { analysis: options });
  }

  /** Argo's `setHeaderRoute`: routes requests matching headers to the new version (Istio or Gateway API). */
  public static headerRoute(options: HeaderRouteOptions): CanaryStep {
    dns1123Label(undefined, 'CanaryStep.headerRoute.name', options.name, "'canary-header'");
    return new CanaryStep(CanaryStepKind.SET_HEADER_ROUTE, { headerRoute: options });
  }

  /** Removes a header route. */
  public static removeHeaderRoute(name: string): CanaryStep {
    dns1123Label(undefined, 'CanaryStep.removeHeaderRoute.name', name, "'canary-header'");
    return new CanaryStep(CanaryStepKind.SET_HEADER_ROUTE, { headerRoute: { name, match: [] } });
  }

  /** Argo's `setMirrorRoute`: mirrors a percentage of live traffic to the new version (Istio only). */
  public static mirrorRoute(options: MirrorRouteOptions): CanaryStep {
    dns1123Label(undefined, 'CanaryStep.mirrorRoute.name', options.name, "'mirror'");
    int(undefined, 'CanaryStep.mirrorRoute.percentage', options.percentage, 1, 100, 'e.g. percentage: 10');
    if (options.pathPrefix !== undefined) {
      check(/^\/\S*$/.test(options.pathPrefix), undefined, 'CanaryStep.mirrorRoute.pathPrefix', options.pathPrefix, 'must be an HTTP path starting with "/"', "e.g. '/v1/'");
    }
    return new CanaryStep(CanaryStepKind.SET_MIRROR_ROUTE, { mirrorRoute: options });
  }

  /** Removes a mirror route. */
  public static removeMirrorRoute(name: string): CanaryStep {
    dns1123Label(undefined, 'CanaryStep.removeMirrorRoute.name', name, "'mirror'");
    return new CanaryStep(CanaryStepKind.SET_MIRROR_ROUTE, { mirrorRoute: { name, percentage: 0 } });
  }

  private constructor(private readonly kind: CanaryStepKind, private readonly settings: CanaryStepSettings) {}

  /**
   * The step's kind, for the rollout's checks across steps.
   * @internal
   */
  public get _kind(): CanaryStepKind {
    return this.kind;
  }

  /**
   * The step's settings; which field is set depends on the kind.
   * @internal
   */
  public get _settings(): CanaryStepSettings {
    return this.settings;
  }

  /**
   * The step in the Rollout's `steps`; `renderAnalysis` renders an analysis step's templates and arguments.
   * @internal
   */
  public _render(scope: IConstruct,
    renderAnalysis: (options: AnalysisStepOptions) => RolloutSpecStrategyCanaryStepsAnalysis): RolloutSpecStrategyCanarySteps {
    const o = this.settings;
    switch (this.kind) {
      case CanaryStepKind.SET_WEIGHT: return { setWeight: o.weight };
      case CanaryStepKind.PAUSE: return {
        pause: { duration: o.duration ? RolloutSpecStrategyCanaryStepsPauseDuration.fromString(shortDuration(scope, 'steps.pause', o.duration, 1)) : undefined },
      };
      case CanaryStepKind.SET_CANARY_SCALE: return { setCanaryScale: o.scale };
      case CanaryStepKind.SET_HEADER_ROUTE: return {
        setHeaderRoute: {
          name: o.headerRoute!.name,
          match: o.headerRoute!.match.map(m => ({ headerName: m.headerName, headerValue: m.headerValue })),
        },
      };
      case CanaryStepKind.SET_MIRROR_ROUTE: return {
        setMirrorRoute: o.mirrorRoute!.percentage === 0
          ? { name: o.mirrorRoute!.name }
          : { name: o.mirrorRoute!.name, percentage: o.mirrorRoute!.percentage, match: [{ path: { prefix: o.mirrorRoute!.pathPrefix ?? '/' } }] },
      };
      case CanaryStepKind.ANALYSIS: return { analysis: renderAnalysis(o.analysis!) };
    }
  }
}

deferFactoryChecks(HeaderMatch);
deferFactoryChecks(CanaryStep);

/**
 * The settings of one step; which field is set depends on the kind.
 * @internal
 */
export interface CanaryStepSettings {
  /** setWeight. @default - not a setWeight step */
  readonly weight?: number;
  /** pause. @default - indefinite, for a pause step */
  readonly duration?: Duration;
  /** setCanaryScale. @default - not a setCanaryScale step */
  readonly scale?: SetCanaryScaleOptions;
  /** analysis. @default - not an analysis step */
  readonly analysis?: AnalysisStepOptions;
  /** setHeaderRoute; an empty match removes the route. @default - not a header route step */
  readonly headerRoute?: HeaderRouteOptions;
  /** setMirrorRoute; percentage 0 removes the route. @default - not a mirror route step */
  readonly mirrorRoute?: MirrorRouteOptions;
}

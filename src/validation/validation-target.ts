import { deferFactoryChecks } from '../internal/errors';
import { url as checkUrl } from '../internal/validate';

/**
 * How the evaluator reaches the model under test.
 * @internal
 */
export enum ValidationTargetKind {
  /** Over HTTP, at the Service in front of the rollout's new version. */
  ROLLOUT_CANDIDATE = 'rollout-candidate',
  /** Over HTTP, at a fixed URL. */
  URL = 'url',
  /** The evaluator loads the model itself, on the service's GPU product. */
  IN_PROCESS = 'in-process',
}

/**
 * What the evaluator validates: a running endpoint, or the model files loaded in its own pod.
 */
export class ValidationTarget {
  /**
   * The new version of the rollout that runs the analysis: its canary (or blue-green preview) Service.
   * Only for a ValidationJob referenced by a CanaryRollout or BlueGreenRollout analysis.
   */
  public static rolloutCandidate(): ValidationTarget {
    return new ValidationTarget(ValidationTargetKind.ROLLOUT_CANDIDATE);
  }

  /**
   * A running endpoint, e.g. the staging Service `http://llama.llm-staging.svc:8000`.
   */
  public static url(url: string): ValidationTarget {
    checkUrl(undefined, 'ValidationTarget.url', url, ['http', 'https'], "ValidationTarget.url('http://llama.llm-staging.svc:8000')");
    return new ValidationTarget(ValidationTargetKind.URL, url.replace(/\/+$/, ''));
  }

  /**
   * The evaluator pod loads the model itself: it gets the service's model files (same download), GPUs,
   * node selection and tolerations, so it runs on the same GPU product as production.
   */
  public static inProcess(): ValidationTarget {
    return new ValidationTarget(ValidationTargetKind.IN_PROCESS);
  }

  private constructor(private readonly kind: ValidationTargetKind, private readonly endpoint?: string) {}

  /**
   * The kind of target.
   * @internal
   */
  public get _kind(): ValidationTargetKind {
    return this.kind;
  }

  /**
   * The URL, for a URL target.
   * @internal
   */
  public get _endpoint(): string | undefined {
    return this.endpoint;
  }
}

deferFactoryChecks(ValidationTarget);

import { KubeObject } from './manifest';
import { findings, RuleOptions, RULES } from './rules';

/**
 * Properties of `MlopsValidation`: the `properties:` of its entry in `cdk8s.yaml`.
 */
export interface MlopsValidationProps {
  /**
   * Shortest startup a GPU container gets before a probe can kill it (startupProbe, else livenessProbe:
   * initialDelaySeconds + failureThreshold x periodSeconds). Model loading takes minutes.
   * @default 600
   * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/#startup-probe
   */
  readonly minStartupSeconds?: number;
  /**
   * Require image digests in GPU pods; otherwise an explicit tag other than `latest` passes.
   * @default false
   * @see https://kubernetes.io/docs/concepts/containers/images/#image-names
   */
  readonly requireDigests?: boolean;
  /**
   * Namespace of Istio's ingress gateway pods, which send the traffic of VirtualServices bound to a gateway.
   * @default 'istio-system'
   * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/
   */
  readonly istioGatewayNamespace?: string;
  /**
   * Rules not to run, by the names the report uses.
   * @default - every rule runs
   * @see https://cdk8s.io/docs/latest/cli/synth/#validation-plugins
   */
  readonly disabledRules?: string[];
}

/** A resource that violates a rule (cdk8s-cli's `ValidationViolatingResource`). */
export interface MlopsViolatingResource {
  /** The resource's `metadata.name`; cdk8s-cli maps it to the construct path. */
  readonly resourceName: string;
  /** The fields, as paths from the object's root. */
  readonly locations: string[];
  /** The manifest the resource is in. */
  readonly manifestPath: string;
}

/** A violation of one rule (cdk8s-cli's `ValidationViolation`). */
export interface MlopsViolation {
  /** The rule. */
  readonly ruleName: string;
  /** What is wrong, naming the kind and name of the resource. */
  readonly recommendation: string;
  /** What to change. */
  readonly fix: string;
  /** The resource. */
  readonly violatingResources: MlopsViolatingResource[];
}

/** The report of a validation (the part of cdk8s-cli's `ValidationReport` a plugin uses). */
export interface IMlopsValidationReport {
  /** Adds a violation. */
  addViolation(violation: MlopsViolation): void;
  /** Submits the report: `success` or `failure`. */
  submit(status: string, metadata?: { [key: string]: string }): void;
}

/** What cdk8s-cli hands a validation plugin (the part of its `ValidationContext` the plugin uses). */
export interface IMlopsValidationContext {
  /** Paths of the synthesized manifests. */
  readonly manifests: string[];
  /** The report to fill. */
  readonly report: IMlopsValidationReport;
  /** The objects of one manifest, parsed by cdk8s-cli. */
  parseManifest(manifestPath: string): unknown[];
}

/**
 * A cdk8s validation plugin (`cdk8s.yaml` `validations:`) that checks the synthesized manifests of any cdk8s
 * app, including objects this library did not make: GPU pods (GPU taint toleration, GPU product selection,
 * memory-backed /dev/shm for tensor parallelism, probes with a startup budget, pinned images), Pod Security
 * Standards "restricted", Argo Rollouts analyses that pass without data, and NetworkPolicies that keep an
 * Istio or Gateway API gateway from the pods it routes to. Each violation names the resource, the field and
 * the fix; any violation fails `cdk8s synth`.
 *
 * @see https://cdk8s.io/docs/latest/cli/synth/#validation-plugins
 */
export class MlopsValidation {
  private readonly options: RuleOptions;

  constructor(props: MlopsValidationProps = {}) {
    const unknown = (props.disabledRules ?? []).filter(r => !(RULES as readonly string[]).includes(r));
    if (unknown.length > 0) throw new Error(`[MlopsValidation] disabledRules: unknown rule (got ${unknown.join(', ')}). Fix: use rule names from ${RULES.join(', ')}`);
    this.options = {
      minStartupSeconds: props.minStartupSeconds ?? 600,
      requireDigests: props.requireDigests ?? false,
      istioGatewayNamespace: props.istioGatewayNamespace ?? 'istio-system',
      disabledRules: props.disabledRules ?? [],
    };
  }

  /** Checks the manifests of `context` and submits its report (cdk8s-cli calls this after synth). */
  public async validate(context: IMlopsValidationContext): Promise<void> {
    const resources = context.manifests.flatMap(manifestPath => context.parseManifest(manifestPath)
      .filter(object => !!object && typeof object === 'object')
      .map(object => ({ object: object as KubeObject, manifestPath })));
    const found = findings(resources, this.options);
    for (const f of found) {
      context.report.addViolation({
        ruleName: f.rule,
        recommendation: `${f.object.object.kind} ${f.object.object.metadata?.name}: ${f.problem}`,
        fix: f.fix,
        violatingResources: [{ resourceName: String(f.object.object.metadata?.name ?? ''), locations: [f.field], manifestPath: f.object.manifestPath }],
      });
    }
    context.report.submit(found.length > 0 ? 'failure' : 'success', { violations: String(found.length) });
  }
}

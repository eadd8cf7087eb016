/**
 * `cdk8s-mlops/plugin`: a cdk8s validation plugin for `cdk8s.yaml` `validations:` that checks the
 * synthesized manifests of any cdk8s app, including objects this library did not make.
 *
 * It implements the cdk8s-cli plugin contract structurally (cdk8s-cli is not a dependency):
 * @see https://cdk8s.io/docs/latest/cli/synth/#validation-plugins
 */
import { analysisRules } from './analysis-rules';
import { gpuRules } from './gpu-rules';
import { Finding, KubeObject, podTemplates, Resource } from './manifest';
import { networkRules } from './network-rules';
import { podSecurityRules } from './pod-security-rules';

/** Every rule the plugin knows, for `disabledRules`. */
export const RULES = [
  'gpu-taint-toleration', 'gpu-product-selection', 'gpu-shared-memory', 'gpu-probes', 'gpu-startup-budget', 'gpu-pinned-images',
  'pod-security-restricted', 'analysis-passes-without-data', 'network-policy-blocks-router',
] as const;

/** `properties:` of the plugin's entry in `cdk8s.yaml`. */
export interface MlopsValidationProperties {
  /**
   * Shortest startup (startupProbe, else livenessProbe: initialDelaySeconds + failureThreshold x periodSeconds)
   * a GPU container gets before it can be killed.
   * @default 600
   */
  readonly minStartupSeconds?: number;
  /**
   * Require image digests in GPU pods; otherwise an explicit tag other than `latest` passes.
   * @default false
   */
  readonly requireDigests?: boolean;
  /**
   * Namespace of Istio's ingress gateway pods.
   * @default 'istio-system'
   */
  readonly istioGatewayNamespace?: string;
  /**
   * Rules not to run (names as in the report).
   * @default - none
   */
  readonly disabledRules?: string[];
}

/** The part of cdk8s-cli's `ValidationViolation` the plugin fills. */
export interface Violation {
  readonly ruleName: string;
  readonly recommendation: string;
  readonly fix: string;
  readonly violatingResources: ReadonlyArray<{ readonly resourceName: string; readonly locations: readonly string[]; readonly manifestPath: string }>;
}

/** The part of cdk8s-cli's `ValidationContext` the plugin uses. */
export interface ValidationContextLike {
  readonly manifests: readonly string[];
  readonly report: {
    addViolation(violation: Violation): void;
    submit(status: 'success' | 'failure', metadata?: { readonly [key: string]: string }): void;
  };
  parseManifest(manifestPath: string): unknown[];
}

/**
 * The validation plugin. cdk8s-cli instantiates it with the entry's `properties` and calls `validate()`
 * after synth; violations make `cdk8s synth` exit non-zero.
 */
export class MlopsValidation {
  private readonly minStartupSeconds: number;
  private readonly requireDigests: boolean;
  private readonly istioGatewayNamespace: string;
  private readonly disabled: Set<string>;

  constructor(properties: MlopsValidationProperties = {}) {
    const unknown = (properties.disabledRules ?? []).filter(r => !(RULES as readonly string[]).includes(r));
    if (unknown.length > 0) throw new Error(`cdk8s-mlops plugin: disabledRules: unknown rule (got ${unknown.join(', ')}). Fix: use rule names from ${RULES.join(', ')}`);
    this.minStartupSeconds = properties.minStartupSeconds ?? 600;
    this.requireDigests = properties.requireDigests ?? false;
    this.istioGatewayNamespace = properties.istioGatewayNamespace ?? 'istio-system';
    this.disabled = new Set(properties.disabledRules ?? []);
  }

  /** Checks the manifests and submits the report. */
  public async validate(context: ValidationContextLike): Promise<void> {
    const findings = this.check(context.manifests.flatMap(manifestPath =>
      context.parseManifest(manifestPath).filter(o => !!o && typeof o === 'object').map(object => ({ object: object as KubeObject, manifestPath }))));
    for (const f of findings) {
      context.report.addViolation({
        ruleName: f.rule,
        recommendation: `${f.object.object.kind} ${f.object.object.metadata?.name}: ${f.problem}`,
        fix: f.fix,
        violatingResources: [{ resourceName: String(f.object.object.metadata?.name ?? ''), locations: [f.field], manifestPath: f.object.manifestPath }],
      });
    }
    context.report.submit(findings.length > 0 ? 'failure' : 'success', { violations: String(findings.length) });
  }

  /** All findings of the enabled rules for `resources`. */
  public check(resources: readonly Resource[]): Finding[] {
    const pods = podTemplates(resources);
    return [
      ...gpuRules(pods, { minStartupSeconds: this.minStartupSeconds, requireDigests: this.requireDigests }),
      ...podSecurityRules(pods),
      ...analysisRules(resources),
      ...networkRules(resources, { istioGatewayNamespace: this.istioGatewayNamespace }),
    ].filter(f => !this.disabled.has(f.rule));
  }
}

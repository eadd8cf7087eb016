import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { App, Chart } from 'cdk8s';
import { TerraformProvider, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { KubeDocument, planApply } from './apply-plan';
import { check } from '../internal/errors';
import { MANAGED_BY } from '../internal/labels';

/** Properties of `KubernetesManifests`. Give exactly one of `chart` and `app`. */
export interface KubernetesManifestsProps {
  /**
   * The cdk8s chart whose objects Terraform applies.
   * @default - the charts of `app`
   */
  readonly chart?: Chart;
  /**
   * The cdk8s app whose charts (all of them) Terraform applies.
   * @default - `chart` alone
   */
  readonly app?: App;
  /**
   * The server-side apply field manager Terraform applies as.
   * @default "cdk8s-mlops"
   * @see https://registry.terraform.io/providers/hashicorp/kubernetes/latest/docs/resources/manifest#field_manager
   */
  readonly fieldManager?: string;
  /**
   * Take over fields another field manager has changed since (an autoscaler's replicas, weights Argo Rollouts set
   * mid-canary) instead of failing the apply with a conflict.
   * @default false
   * @see https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
   */
  readonly forceConflicts?: boolean;
  /**
   * The Kubernetes provider configuration the resources use.
   * @default - the stack's default `kubernetes` provider
   * @see https://registry.terraform.io/providers/hashicorp/kubernetes/latest/docs
   */
  readonly provider?: TerraformProvider;
}

/**
 * The objects of cdk8s charts as Terraform `kubernetes_manifest` resources, one per synthesized document.
 *
 * The charts are synthesized when this construct is created (with their validations), so build them
 * completely first. Each resource is named after its object (`<group>_<kind>_<namespace>_<name>`), waits for
 * the objects it needs (`depends_on`: Argo CD hook phase and sync wave, then kind, then what a Rollout or
 * autoscaler names) and treats the fields that controllers rewrite as computed, so a plan after Argo Rollouts
 * or an autoscaler acted shows no change. Each manifest is the synthesized document unchanged, with `${` and
 * `%{` doubled so that Terraform reads them literally.
 *
 * Child ids: the resource names.
 */
export class KubernetesManifests extends Construct {
  /** One `kubernetes_manifest` per document, in an order that satisfies every `depends_on`. */
  public readonly resources: Manifest[];

  constructor(scope: Construct, id: string, props: KubernetesManifestsProps) {
    super(scope, id);
    check((props.chart === undefined) !== (props.app === undefined), this, 'chart/app', props.chart ?? props.app,
      'exactly one of chart and app is needed', 'pass the chart, or the app to apply all of its charts');
    // The API server takes field managers of at most 128 characters.
    const fieldManager = props.fieldManager ?? MANAGED_BY;
    check(fieldManager.trim().length > 0 && fieldManager.length <= 128, this, 'fieldManager', fieldManager, 'must be 1 to 128 characters', "e.g. fieldManager: 'terraform'");
    const charts = props.chart ? [props.chart] : props.app!.charts;
    // toJson() runs the validations of the whole cdk8s app, as `cdk8s synth` would.
    const documents: KubeDocument[] = charts.flatMap(chart => chart.toJson());

    // Resource names the stack's other KubernetesManifests took: two sets of manifests must not write the same object.
    const taken = new Map<string, string>();
    for (const other of TerraformStack.of(this).node.findAll()) {
      if (other instanceof KubernetesManifests && other !== this) other.resources.forEach(r => taken.set(r.node.id, other.node.path));
    }
    const created = new Map<string, Manifest>();
    this.resources = planApply(this, documents).map(step => {
      check(!taken.has(step.id), this, 'chart/app', step.id, `the stack already has this kubernetes_manifest (from ${taken.get(step.id)})`,
        'apply each object through one KubernetesManifests per stack');
      taken.set(step.id, this.node.path);
      const resource = new Manifest(this, step.id, {
        manifest: terraformLiteral(step.document) as Record<string, any>,
        computedFields: step.computedFields,
        fieldManager: { name: fieldManager, forceConflicts: props.forceConflicts ?? false },
        dependsOn: step.dependsOn.length > 0 ? step.dependsOn.map(dep => created.get(dep)!) : undefined,
        wait: step.awaitCompletion ? { condition: [{ type: 'Complete', status: 'True' }] } : undefined,
        // The provider waits 10 minutes by default; a Job may run until its deadline (a model download, an evaluation).
        timeouts: step.awaitCompletion && step.document.spec?.activeDeadlineSeconds
          ? { create: `${step.document.spec.activeDeadlineSeconds + 300}s`, update: `${step.document.spec.activeDeadlineSeconds + 300}s` } : undefined,
        provider: props.provider,
      });
      resource.overrideLogicalId(step.id);
      created.set(step.id, resource);
      return resource;
    });
  }
}

/**
 * Terraform reads every JSON string, object keys included, as a template: `${` and `%{` are doubled so
 * that they stay literal.
 * @see https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping
 */
function terraformLiteral(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/([$%])\{/g, (_, sigil: string) => `${sigil}${sigil}{`);
  if (Array.isArray(value)) return value.map(terraformLiteral);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [terraformLiteral(k), terraformLiteral(v)]));
  }
  return value;
}

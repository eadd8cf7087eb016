import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { SyncWave } from './sync-wave';
import { bindInputs, check, propError } from '../internal/errors';
import { selectorLabels } from '../internal/labels';
import { childName } from '../internal/names';
import { referencedResources } from '../internal/object-ref';
import { WAIT_CONTAINER } from '../serving/model-cache-fill';
import { NetworkPeer } from '../serving/network-policy';
import { evaluatorServiceAccount, renderValidation } from '../validation/evaluator-pod';
import { ValidationProps } from '../validation/validation-options';
import { ValidationTarget, ValidationTargetKind } from '../validation/validation-target';

/** When Argo CD deletes a hook. */
export enum HookDeletePolicy {
  /** Delete the previous run before creating the new one (keeps a failed run for inspection). */
  BEFORE_HOOK_CREATION = 'BeforeHookCreation',
  /** Delete after it succeeded. */
  HOOK_SUCCEEDED = 'HookSucceeded',
  /** Delete after it failed. */
  HOOK_FAILED = 'HookFailed',
}

/**
 * Properties of a ValidationHook.
 */
export interface ValidationHookProps extends ValidationProps {
  /**
   * When Argo CD deletes the hook's Job, ConfigMap and ServiceAccount (HookSucceeded and HookFailed act when the whole
   * sync operation ends, so the ConfigMap and ServiceAccount outlive the Job).
   * @default [HookDeletePolicy.BEFORE_HOOK_CREATION]
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/#hook-deletion-policies
   */
  readonly deletePolicies?: HookDeletePolicy[];
}

/**
 * A validation as an Argo CD `PreSync` hook: a Job that must succeed before Argo CD applies the rest of the sync,
 * so a failing gate stops the sync. Its ConfigMap and its own ServiceAccount (no token; never the model's, which
 * Argo CD creates only in the Sync phase and whose cloud identity the evaluator must not get) are PreSync hooks too,
 * in an earlier wave, because the Sync-phase objects do not exist yet when the hook runs. No
 * `ttlSecondsAfterFinished`: Argo CD deletes hooks by their deletion policy.
 *
 * Child ids: `ServiceAccount` (unless `serviceAccountName` or `serviceAccount` is given), `Config` (the ConfigMap), `Resource` (the Job).
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/
 */
export class ValidationHook extends Construct {
  /** The Job's name. */
  public readonly jobName: string;
  /** The hook's evaluator pods, for the NetworkPolicy of the Service they call (e.g. staging's, from production). */
  public readonly evaluatorPeer: NetworkPeer;

  constructor(scope: Construct, id: string, props: ValidationHookProps) {
    super(scope, id);
    bindInputs(this, props);
    const svc = props.service;
    // A hook runs before the sync applies the new version, so there is no rollout candidate to call.
    const target = props.target ?? ValidationTarget.inProcess();
    check(target._kind !== ValidationTargetKind.ROLLOUT_CANDIDATE, this, 'target', target._kind,
      'a PreSync hook runs before the new version is applied, so there is no rollout candidate to call yet',
      'use ValidationTarget.inProcess() (the hook loads the model on the service\'s GPUs) or ValidationTarget.url(<a running endpoint of this version, e.g. staging>)');
    // A shared cache's claim and fill Job are Sync-phase objects: a PreSync pod would find no claim (first sync) or
    // not its version (every new version).
    check(target._kind !== ValidationTargetKind.IN_PROCESS || !svc.podTemplate.spec?.initContainers?.some(c => c.name === WAIT_CONTAINER),
      this, 'target', target._kind, 'the service loads its model from a shared cache, which is filled in the Sync phase, after every PreSync hook',
      'validate a running endpoint of this version with ValidationTarget.url(...) (e.g. staging), or use a ValidationJob in the rollout');
    const rendered = renderValidation(this, { ...props, name: props.name ?? childName(svc.name, 'presync-validation') }, target);
    this.jobName = rendered.name;
    this.evaluatorPeer = NetworkPeer.pods({ namespace: svc.namespace ?? Chart.of(this).namespace, labels: selectorLabels(rendered.name) });
    const policies = props.deletePolicies ?? [HookDeletePolicy.BEFORE_HOOK_CREATION];
    check(policies.length > 0, this, 'deletePolicies', policies, 'is empty', 'leave it unset for BeforeHookCreation');
    const hook = (wave: SyncWave) => svc.metadata(rendered.name, {
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': [...new Set(policies)].join(','),
      'argocd.argoproj.io/sync-wave': String(wave),
    });
    // What the Job's pod needs exists before it: hooks of an earlier wave (Sync-phase objects do not exist yet).
    evaluatorServiceAccount(this, rendered, hook(SyncWave.CONFIG));
    new k8s.KubeConfigMap(this, 'Config', { metadata: hook(SyncWave.CONFIG), data: rendered.configData });
    new k8s.KubeJob(this, 'Resource', { metadata: { ...hook(SyncWave.VALIDATION), labels: rendered.labels }, spec: rendered.jobSpec });
    // Read at validation, when every annotation is on the objects, whatever the construct order.
    this.node.addValidation({ validate: () => notYetThere(this, props) });
  }
}

/**
 * cdk8s-plus objects of the hook's chart that its pod uses (ServiceAccount, Secrets) are applied by the same sync:
 * unless they are PreSync hooks of the hook's wave or an earlier one, they do not exist yet when the Job's pod is created on a first
 * sync, and the pod cannot start. Objects of other charts may be synced by another application first: accepted.
 */
function notYetThere(hook: ValidationHook, props: ValidationHookProps): string[] {
  const chart = Chart.of(hook);
  return referencedResources(props).filter(([, object]) => Chart.of(object) === chart).flatMap(([prop, object]) => {
    const annotations = object.metadata.toJson().annotations ?? {};
    const preSync = (annotations['argocd.argoproj.io/hook'] ?? '').split(',').includes('PreSync');
    const wave = Number(annotations['argocd.argoproj.io/sync-wave'] ?? 0);
    return preSync && wave <= SyncWave.VALIDATION ? [] : [propError(hook, prop, object.node.path,
      `is a ${object.kind} of the same chart, applied by the same sync after the PreSync hook (hook: ${annotations['argocd.argoproj.io/hook'] ?? 'none'}, wave ${wave}), so the evaluator's pod finds no ${object.kind} on a first sync`,
      `annotate it 'argocd.argoproj.io/hook': 'PreSync' and 'argocd.argoproj.io/sync-wave': '${SyncWave.CONFIG}' (the hook's own is ${SyncWave.VALIDATION}: Argo CD applies a wave's ServiceAccounts and Secrets before its Jobs), or create it in another chart synced first`).message];
  });
}

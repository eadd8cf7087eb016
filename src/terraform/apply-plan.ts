import { IConstruct } from 'constructs';
import { isClusterScoped } from '../internal/cluster-scoped';
import { check, propError } from '../internal/errors';

/** A synthesized Kubernetes object, as cdk8s renders it. */
export interface KubeDocument {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly annotations?: Record<string, string> };
  readonly spec?: any;
}

/** How one document is applied: its Terraform resource name, what it waits for, which fields its controllers own. */
export interface ApplyStep {
  /** The `kubernetes_manifest` resource name, from group, kind, namespace and name (never from ordering). */
  readonly id: string;
  readonly document: KubeDocument;
  /** Resource names of the documents that must be applied first. */
  readonly dependsOn: string[];
  /** The provider's defaults (`metadata.annotations`, `metadata.labels`) plus the fields a controller rewrites. */
  readonly computedFields: string[];
  /**
   * An Argo CD PreSync hook Job, or a Job a workload's pods wait for (a model cache fill): the apply waits until it
   * has completed, as an Argo CD sync would before the next phase or wave.
   */
  readonly awaitCompletion: boolean;
}

const ARGO = 'argoproj.io';
const ISTIO = 'networking.istio.io';
const GATEWAY_API = 'gateway.networking.k8s.io';
const KEDA = 'keda.sh';
const HOOK = 'argocd.argoproj.io/hook';
const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Pod template annotation naming the Job that fills the model version the pods read (a shared model cache). */
const FILL_JOB = 'mlops.cdk8s.io/model-cache-fill-job';

/** Setting `computed_fields` replaces the provider's default list, so the defaults come first. */
const PROVIDER_COMPUTED_FIELDS = ['metadata.annotations', 'metadata.labels'];

/**
 * Within one hook phase and sync wave, kinds are applied stage by stage: what others refer to before
 * what refers to it. Kinds not listed (other custom resources) come last, as in Argo CD.
 */
const KIND_STAGES: readonly string[][] = [
  ['Namespace', 'CustomResourceDefinition'],
  ['ServiceAccount', 'Secret', 'ConfigMap', 'PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'PriorityClass',
    'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodDisruptionBudget'],
  ['Service', 'VirtualService', 'DestinationRule', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'TCPRoute',
    'AnalysisTemplate', 'ClusterAnalysisTemplate', 'TriggerAuthentication', 'ClusterTriggerAuthentication'],
  ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod', 'Job', 'CronJob', 'Rollout', 'LeaderWorkerSet'],
  ['HorizontalPodAutoscaler', 'ScaledObject', 'ScaledJob', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule'],
];

/** Argo CD hook phases Terraform can follow; the others (SyncFail, PostDelete, Skip) have no apply-time meaning. */
const HOOK_PHASES: Record<string, number> = { PreSync: 0, Sync: 1, PostSync: 2 };

/** A reference from one document to another, by the target's identity. */
interface Reference {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** Fields of the target that the referring object's controller writes. */
  readonly controllerFields?: string[];
  /** The referring object's pods need the target (a Job) to have completed. */
  readonly awaitCompletion?: boolean;
}

/**
 * Plans the apply of a set of documents: one step each, in an order that satisfies every `dependsOn`.
 *
 * Order: documents are grouped by Argo CD hook phase (PreSync, Sync, PostSync), then sync wave, then kind
 * stage (`KIND_STAGES`); every document depends on all documents of the group before its own. On top,
 * a document depends on what it names: a Rollout on its AnalysisTemplates, Services, VirtualService or
 * HTTPRoute and `workloadRef`; a ScaledObject or HorizontalPodAutoscaler on its scale target (and KEDA
 * trigger authentications). A reference to a later group (a sync wave says otherwise) is not followed:
 * the waves win, as in Argo CD.
 */
export function planApply(scope: IConstruct, documents: KubeDocument[]): ApplyStep[] {
  const ids = documents.map(doc => resourceId(scope, doc));
  ids.forEach((id, i) => check(ids.indexOf(id) === i, scope, 'documents', id, 'two documents map to this Terraform resource name',
    'give every object a distinct kind, namespace and name'));
  const byIdentity = new Map(documents.map((doc, i) => [identity(groupOf(doc.apiVersion), doc.kind, doc.metadata.namespace, doc.metadata.name!), i]));

  const phases = documents.map(doc => hookPhase(scope, doc));
  const keys = documents.map((doc, i) => [phases[i], syncWave(scope, doc), kindStage(doc.kind)]);
  const groups = [...new Map(keys.map(k => [k.join('/'), k])).values()].sort(compareKeys).map(k => k.join('/'));
  const group = keys.map(k => groups.indexOf(k.join('/')));

  const deps = documents.map((_, i) => new Set(documents.flatMap((__, j) => group[j] === group[i] - 1 ? [j] : [])));
  const computed = documents.map(() => new Set(PROVIDER_COMPUTED_FIELDS));
  const awaited = new Set<number>();
  documents.forEach((doc, i) => {
    for (const ref of referencesOf(doc)) {
      const target = byIdentity.get(identity(ref.group, ref.kind, ref.namespace, ref.name));
      if (target === undefined || target === i) continue;
      if (ref.awaitCompletion) awaited.add(target);
      for (const field of ref.controllerFields ?? []) {
        if (hasPath(documents[target], field)) computed[target].add(field);
      }
      if (group[target] <= group[i]) deps[i].add(target);
    }
  });

  return topologicalOrder(scope, deps, ids).map(i => ({
    id: ids[i],
    document: documents[i],
    dependsOn: [...deps[i]].map(j => ids[j]).sort(),
    computedFields: [...computed[i]],
    awaitCompletion: documents[i].kind === 'Job' && (phases[i] === HOOK_PHASES.PreSync || awaited.has(i)),
  }));
}

/**
 * A Terraform resource name from the object's identity: `<group>_<kind>_<namespace>_<name>`, lower case,
 * characters Terraform does not allow in names replaced by `_` (for example `argoproj_io_rollout_llm_llama-70b`).
 * The API version is left out so that moving to a newer version keeps the resource address.
 */
export function resourceId(scope: IConstruct, doc: KubeDocument): string {
  check(typeof doc.apiVersion === 'string' && typeof doc.kind === 'string' && typeof doc.metadata?.name === 'string',
    scope, 'documents', doc, 'a document without apiVersion, kind or metadata.name cannot be a kubernetes_manifest',
    'give every object a name (kubernetes_manifest does not support metadata.generateName)');
  return [groupOf(doc.apiVersion), doc.kind, doc.metadata.namespace, doc.metadata.name]
    .filter((part): part is string => !!part)
    .map(part => part.toLowerCase().replace(/[^a-z0-9_-]/g, '_'))
    .join('_');
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** cdk8s gives every object of a chart the chart's namespace, cluster-scoped ones too: they match by name alone. */
function identity(group: string, kind: string, namespace: string | undefined, name: string): string {
  return [group, kind, isClusterScoped(group, kind) ? '' : namespace ?? '', name].join('/');
}

function compareKeys(a: number[], b: number[]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function kindStage(kind: string): number {
  const stage = KIND_STAGES.findIndex(kinds => kinds.includes(kind));
  return stage < 0 ? KIND_STAGES.length : stage;
}

function hookPhase(scope: IConstruct, doc: KubeDocument): number {
  const hooks = doc.metadata.annotations?.[HOOK];
  if (hooks === undefined) return HOOK_PHASES.Sync;
  const phases = hooks.split(',').map(h => h.trim());
  const unsupported = phases.filter(p => !(p in HOOK_PHASES));
  if (unsupported.length > 0) {
    throw propError(scope, `${doc.kind}/${doc.metadata.name} ${HOOK}`, hooks, `Terraform applies every object once, in order: ${unsupported.join(', ')} `
      + 'hooks only make sense in an Argo CD sync', 'apply this chart with Argo CD, or leave the hook out of the Terraform chart');
  }
  return Math.min(...phases.map(p => HOOK_PHASES[p]));
}

function syncWave(scope: IConstruct, doc: KubeDocument): number {
  const wave = doc.metadata.annotations?.[SYNC_WAVE];
  if (wave === undefined) return 0;
  check(/^[-+]?\d+$/.test(wave.trim()), scope, `${doc.kind}/${doc.metadata.name} ${SYNC_WAVE}`, wave,
    'a sync wave is a whole number', 'write the wave as an integer such as "-1" or "2"');
  return Number(wave);
}

/** The objects a document names, with the fields of each that the document's controller writes. */
function referencesOf(doc: KubeDocument): Reference[] {
  const ns = doc.metadata.namespace;
  // A workload whose pods read a model version waits for the Job that fills it.
  const fillJob = doc.spec?.template?.metadata?.annotations?.[FILL_JOB];
  const fill: Reference[] = typeof fillJob === 'string' ? [{ group: 'batch', kind: 'Job', name: fillJob, namespace: ns, awaitCompletion: true }] : [];
  switch (`${groupOf(doc.apiVersion)}/${doc.kind}`) {
    case `${ARGO}/Rollout`: return [...fill, ...rolloutReferences(doc.spec ?? {}, ns)];
    case `${KEDA}/ScaledObject`: return [...scaleTarget(doc.spec?.scaleTargetRef, ns), ...triggerAuthentications(doc.spec?.triggers, ns)];
    case 'autoscaling/HorizontalPodAutoscaler': return scaleTarget(doc.spec?.scaleTargetRef, ns);
    default: return fill;
  }
}

/** @see https://argo-rollouts.readthedocs.io/en/stable/features/specification/ */
function rolloutReferences(spec: any, ns: string | undefined): Reference[] {
  const canary = spec.strategy?.canary ?? {};
  const blueGreen = spec.strategy?.blueGreen ?? {};
  const refs: Reference[] = analysisTemplates(spec.strategy).map(t => t.clusterScope
    ? { group: ARGO, kind: 'ClusterAnalysisTemplate', name: t.templateName, namespace: ns }
    : { group: ARGO, kind: 'AnalysisTemplate', name: t.templateName, namespace: ns });
  // The controller adds its pod-template-hash to the selector of every Service it switches.
  const services = [canary.canaryService, canary.stableService, canary.pingPong?.pingService, canary.pingPong?.pongService,
    blueGreen.activeService, blueGreen.previewService];
  refs.push(...named(services).map(name => ({ group: '', kind: 'Service', name, namespace: ns, controllerFields: ['spec.selector'] })));
  // It rewrites route weights (and managed routes) in the routing objects.
  const istio = canary.trafficRouting?.istio ?? {};
  for (const vs of named([istio.virtualService?.name, ...(istio.virtualServices ?? []).map((v: any) => v?.name)])) {
    refs.push({ group: ISTIO, kind: 'VirtualService', name: vs, namespace: ns, controllerFields: ['spec.http', 'spec.tls', 'spec.tcp'] });
  }
  for (const dr of named([istio.destinationRule?.name])) {
    refs.push({ group: ISTIO, kind: 'DestinationRule', name: dr, namespace: ns, controllerFields: ['spec.subsets'] });
  }
  const gateway = canary.trafficRouting?.plugins?.['argoproj-labs/gatewayAPI'];
  if (gateway) {
    for (const [kind, one, many] of [['HTTPRoute', 'httpRoute', 'httpRoutes'], ['GRPCRoute', 'grpcRoute', 'grpcRoutes'], ['TCPRoute', 'tcpRoute', 'tcpRoutes']]) {
      for (const name of named([gateway[one], ...(gateway[many] ?? []).map((r: any) => r?.name)])) {
        refs.push({ group: GATEWAY_API, kind, name, namespace: gateway.namespace ?? ns, controllerFields: ['spec.rules'] });
      }
    }
  }
  // With a workloadRef the controller scales the referenced Deployment down.
  if (spec.workloadRef?.name) refs.push({ ...scaleTargetKind(spec.workloadRef), name: spec.workloadRef.name, namespace: ns, controllerFields: ['spec.replicas'] });
  return refs;
}

/** Every `templateName` under the strategy: step and background analysis, blue-green hooks, experiments. */
function analysisTemplates(value: any): { templateName: string; clusterScope?: boolean }[] {
  if (Array.isArray(value)) return value.flatMap(analysisTemplates);
  if (!value || typeof value !== 'object') return [];
  const nested = Object.values(value).flatMap(analysisTemplates);
  return typeof value.templateName === 'string' ? [value, ...nested] : nested;
}

/**
 * The autoscaler owns the target's `spec.replicas`.
 * @see https://keda.sh/docs/2.20/reference/scaledobject-spec/#scaletargetref
 */
function scaleTarget(ref: any, ns: string | undefined): Reference[] {
  return ref?.name ? [{ ...scaleTargetKind(ref), name: ref.name, namespace: ns, controllerFields: ['spec.replicas'] }] : [];
}

/** KEDA and Argo default a target without apiVersion and kind to an apps/v1 Deployment. */
function scaleTargetKind(ref: any): { group: string; kind: string } {
  return { group: groupOf(ref.apiVersion ?? 'apps/v1'), kind: ref.kind ?? 'Deployment' };
}

/** @see https://keda.sh/docs/2.20/concepts/authentication/ */
function triggerAuthentications(triggers: any, ns: string | undefined): Reference[] {
  return (Array.isArray(triggers) ? triggers : []).flatMap((t: any) => {
    const ref = t?.authenticationRef;
    if (!ref?.name) return [];
    return [{ group: KEDA, kind: ref.kind ?? 'TriggerAuthentication', name: ref.name, namespace: ns }];
  });
}

function named(names: unknown[]): string[] {
  return names.filter((n): n is string => typeof n === 'string' && n.length > 0);
}

function hasPath(doc: any, path: string): boolean {
  return path.split('.').reduce((value, key) => (value && typeof value === 'object' ? value[key] : undefined), doc) !== undefined;
}

/** Kahn's algorithm, earliest document first among the ready ones, so the order is stable. */
function topologicalOrder(scope: IConstruct, deps: Set<number>[], ids: string[]): number[] {
  const order: number[] = [];
  const placed = new Set<number>();
  while (order.length < deps.length) {
    const next = deps.findIndex((d, i) => !placed.has(i) && [...d].every(j => placed.has(j)));
    if (next < 0) {
      const stuck = ids.filter((_, i) => !placed.has(i));
      throw propError(scope, 'documents', stuck.join(', '), 'these objects refer to each other in a cycle',
        'break the cycle, for example with argocd.argoproj.io/sync-wave annotations');
    }
    order.push(next);
    placed.add(next);
  }
  return order;
}

/**
 * An independent model of how Argo CD (v3.5.1, gitops-engine pkg/sync) applies one Application's manifests on its
 * first sync into an empty namespace, written from the upstream source, not from the library:
 * - sync_tasks.go `Less`: tasks sorted by phase (PreSync, Sync, PostSync), wave (annotation, default 0), kind
 *   (Helm's order: Namespace, NetworkPolicy, …, ServiceAccount, Secret, ConfigMap, …, Service, …, Job, …; any other
 *   kind last), then name. Objects without `argocd.argoproj.io/hook` are Sync-phase tasks; hooks only run in their phase.
 * - sync_context.go `runTasks`: a wave's tasks are created kind group by kind group, in that order; the next wave
 *   starts once the wave's hooks completed and its resources are healthy. So a pod can use an object applied before it.
 * - `CreateNamespace=true`: the Namespace is created before anything else (before the dry run, `Sync()`), and is
 *   checked against the project like every task (controller/sync.go `validateSyncPermissions`).
 * - app_project_types.go `IsGroupKindNamePermitted`: a namespaced kind is admitted when `namespaceResourceWhitelist`
 *   is absent or lists it; a cluster-scoped kind only when `clusterResourceWhitelist` lists it (globs, optional name);
 *   a namespaced object's namespace and the Application's server must be a project destination.
 * - Pods: a Job's, Deployment's or Rollout's pods are created once it is applied; an AnalysisTemplate's job-provider
 *   pods when a Rollout runs the analysis, so after the Rollout is applied. A pod needs its ServiceAccount, and the
 *   ConfigMaps, Secrets and PersistentVolumeClaims its volumes and environment name (else it is never created, and
 *   the Job hangs).
 * - Data: a pod that mounts a directory (`subPath`) of a claim read-only reads what a Job wrote there; the Job has
 *   completed only once its wave is over (gitops-engine's Job health: Healthy when complete), so the reader must be
 *   created in a later wave or phase.
 */
const KIND_ORDER = ['Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget',
  'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim',
  'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role',
  'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet',
  'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService'];
const PHASES = ['PreSync', 'Sync', 'PostSync'];
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'ClusterAnalysisTemplate',
  'StorageClass', 'PersistentVolume', 'PriorityClass']);

const annotation = (d: any, key: string): string | undefined => d.metadata?.annotations?.[`argocd.argoproj.io/${key}`];
const kindRank = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? 0 : i - KIND_ORDER.length;
};
const groupOf = (d: any) => String(d.apiVersion).includes('/') ? String(d.apiVersion).split('/')[0] : '';
const key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${CLUSTER_SCOPED.has(kind) ? '' : namespace}/${name}`;

interface Task { readonly phase: string; readonly wave: number; readonly doc: any }

export interface SyncResult {
  /** `Kind/name` in the order Argo CD applies them, with phase and wave. */
  readonly order: string[];
  /** What would stall or fail the sync. */
  readonly problems: string[];
}

export interface SyncOptions {
  /** Objects that exist before the sync (e.g. Secrets the user creates), as `Kind/namespace/name`. */
  readonly existing?: string[];
  /** The Application (its destination and CreateNamespace option), else the objects' namespace (or `ml`) exists. */
  readonly application?: any;
  /** The Application's AppProject; without it no permission is checked. */
  readonly project?: any;
}

/** Simulates a first sync of `docs` and reports every object a pod needs that does not exist when the pod is created. */
export function simulateFirstSync(docs: any[], options: SyncOptions = {}): SyncResult {
  const problems: string[] = [];
  const live = new Set(options.existing ?? []);
  const app = options.application;
  // Argo CD puts namespaced objects without a namespace into the destination's.
  const destination = app?.spec.destination ?? { namespace: 'ml' };
  if (app?.spec.syncPolicy?.syncOptions?.includes('CreateNamespace=true')) {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: destination.namespace } };
    permit(ns, options.project, destination, problems);
    live.add(key('Namespace', undefined, destination.namespace));
  } else {
    // Argo CD does not create it: the platform did.
    for (const ns of new Set(docs.map(d => d.metadata.namespace ?? destination.namespace))) if (ns) live.add(key('Namespace', undefined, ns));
  }

  const tasks: Task[] = docs
    .filter(d => PHASES.includes(annotation(d, 'hook') ?? 'Sync'))
    .map(d => ({ phase: annotation(d, 'hook') ?? 'Sync', wave: Number(annotation(d, 'sync-wave') ?? '0'), doc: d }));
  tasks.sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) || a.wave - b.wave
    || kindRank(a.doc.kind) - kindRank(b.doc.kind) || String(a.doc.metadata.name).localeCompare(String(b.doc.metadata.name)));

  const order: string[] = [];
  const templates = new Map<string, any>();
  // `namespace/claim/subPath` written by Jobs that have completed, and by Jobs of the current wave.
  const filled = new Set<string>();
  let filling: string[] = [];
  const check = (pods: PodSpec[], ns: string, when: string) => {
    for (const pod of pods) {
      for (const need of needs(pod.spec)) {
        if (!live.has(key(need.kind, ns, need.name))) problems.push(`${pod.owner} (${when}): ${need.kind} ${need.name} does not exist when its pod is created`);
      }
      for (const dir of claimDirectories(pod.spec, true)) {
        if (!filled.has(`${ns}/${dir}`)) problems.push(`${pod.owner} (${when}): reads ${dir}, which no completed Job has written when its pod is created`);
      }
    }
  };
  // The analyses a Rollout runs start once its wave is applied (Argo Rollouts reconciles asynchronously).
  let analyses: Array<() => void> = [];
  tasks.forEach(({ phase, wave, doc }, i) => {
    const ns = doc.metadata.namespace ?? destination.namespace;
    const when = `${phase} wave ${wave}`;
    order.push(`${phase} ${wave} ${doc.kind}/${doc.metadata.name}`);
    permit(doc, options.project, destination, problems);
    if (!CLUSTER_SCOPED.has(doc.kind) && !live.has(key('Namespace', undefined, ns))) problems.push(`${doc.kind}/${doc.metadata.name}: namespace ${ns} does not exist`);
    live.add(key(doc.kind, ns, doc.metadata.name));
    if (doc.kind === 'AnalysisTemplate') templates.set(doc.metadata.name, doc);
    if (['Job', 'Deployment', 'StatefulSet', 'Rollout'].includes(doc.kind)) check([{ owner: `${doc.kind}/${doc.metadata.name}`, spec: doc.spec.template.spec }], ns, when);
    if (doc.kind === 'Job') filling.push(...claimDirectories(doc.spec.template.spec, false).map(dir => `${ns}/${dir}`));
    if (doc.kind === 'Rollout') analyses.push(() => check(analysisPods(doc, templates), ns, when));
    const next = tasks[i + 1];
    if (!next || next.phase !== phase || next.wave !== wave) {
      analyses.forEach(run => run());
      analyses = [];
      filling.forEach(dir => filled.add(dir));
      filling = [];
    }
  });
  return { order, problems };
}

interface PodSpec { readonly owner: string; readonly spec: any }

/** The job-provider pods of the analyses a Rollout references (a missing template is a problem too). */
function analysisPods(rollout: any, templates: Map<string, any>): PodSpec[] {
  const names = new Set<string>();
  JSON.stringify(rollout.spec.strategy, (k, v) => {
    if (k === 'templateName') names.add(v);
    return v;
  });
  return [...names].flatMap(n => {
    const template = templates.get(n);
    if (!template) return [{ owner: `Rollout/${rollout.metadata.name} analysis ${n}`, spec: { missingTemplate: n } }];
    return (template.spec.metrics ?? []).filter((m: any) => m.provider.job)
      .map((m: any) => ({ owner: `AnalysisTemplate/${n}`, spec: m.provider.job.spec.template.spec }));
  });
}

/** `claim/subPath` directories a pod's containers mount read-only (`readOnly`) or read-write (`!readOnly`). */
function claimDirectories(spec: any, readOnly: boolean): string[] {
  const claims = new Map<string, string>((spec.volumes ?? []).filter((v: any) => v.persistentVolumeClaim)
    .map((v: any) => [v.name, v.persistentVolumeClaim.claimName]));
  return [...new Set([...spec.initContainers ?? [], ...spec.containers ?? []].flatMap((c: any) => (c.volumeMounts ?? [])
    .filter((m: any) => claims.has(m.name) && m.subPath && (m.readOnly === true) === readOnly)
    .map((m: any) => `${claims.get(m.name)}/${m.subPath}`)))];
}

/** The objects of its namespace a pod cannot start without. */
function needs(spec: any): Array<{ kind: string; name: string }> {
  if (spec.missingTemplate) return [{ kind: 'AnalysisTemplate', name: spec.missingTemplate }];
  const out: Array<{ kind: string; name: string }> = [];
  // The `default` ServiceAccount exists in every namespace.
  if (spec.serviceAccountName && spec.serviceAccountName !== 'default') out.push({ kind: 'ServiceAccount', name: spec.serviceAccountName });
  for (const v of spec.volumes ?? []) {
    if (v.configMap && !v.configMap.optional) out.push({ kind: 'ConfigMap', name: v.configMap.name });
    if (v.secret && !v.secret.optional) out.push({ kind: 'Secret', name: v.secret.secretName });
    if (v.persistentVolumeClaim) out.push({ kind: 'PersistentVolumeClaim', name: v.persistentVolumeClaim.claimName });
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap && !s.configMap.optional) out.push({ kind: 'ConfigMap', name: s.configMap.name });
      if (s.secret && !s.secret.optional) out.push({ kind: 'Secret', name: s.secret.name });
    }
  }
  for (const c of [...spec.initContainers ?? [], ...spec.containers ?? []]) {
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      const secret = e.valueFrom?.secretKeyRef;
      if (cm && !cm.optional) out.push({ kind: 'ConfigMap', name: cm.name });
      if (secret && !secret.optional) out.push({ kind: 'Secret', name: secret.name });
    }
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef && !e.configMapRef.optional) out.push({ kind: 'ConfigMap', name: e.configMapRef.name });
      if (e.secretRef && !e.secretRef.optional) out.push({ kind: 'Secret', name: e.secretRef.name });
    }
  }
  return out;
}

/** Go's filepath.Match for the patterns Argo CD projects use (`*`, `?`). */
function glob(value: string, pattern: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${source}$`).test(value ?? '');
}

function permit(doc: any, project: any, destination: any, problems: string[]): void {
  if (!project) return;
  const spec = project.spec;
  const gk = { group: groupOf(doc), kind: doc.kind };
  const match = (item: any, name?: string) => glob(gk.kind, item.kind) && glob(gk.group, item.group)
    && (!item.name || (name !== undefined && glob(name, item.name)));
  const what = `${doc.kind}/${doc.metadata.name}`;
  if (CLUSTER_SCOPED.has(doc.kind)) {
    const white = spec.clusterResourceWhitelist ?? [];
    if (!white.some((i: any) => match(i, doc.metadata.name))) problems.push(`${what}: cluster-scoped ${gk.group}/${gk.kind} is not permitted in project ${project.metadata.name}`);
    return;
  }
  const white = spec.namespaceResourceWhitelist;
  if (!(white === undefined || white.some((i: any) => match(i)))) problems.push(`${what}: ${gk.group}/${gk.kind} is not permitted in project ${project.metadata.name}`);
  const ns = doc.metadata.namespace ?? destination.namespace;
  const server = destination.server;
  if (!(spec.destinations ?? []).some((d: any) => glob(ns, d.namespace) && glob(server, d.server ?? ''))) {
    problems.push(`${what}: namespace ${ns} on ${server} is not a destination of project ${project.metadata.name}`);
  }
}

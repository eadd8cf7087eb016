/**
 * Reading synthesized manifests of any cdk8s app (not only this library's): pod templates wherever a
 * workload kind keeps them, and findings that name the resource, the field and the fix.
 */

/** A parsed Kubernetes object; manifests come from any app, so nothing about their shape is trusted. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = { [key: string]: any };

/** One problem of one resource. */
export interface Finding {
  readonly rule: string;
  readonly object: Resource;
  /** The field, as a path from the object's root. */
  readonly field: string;
  /** What is wrong here, with the value found. */
  readonly problem: string;
  /** What to change. */
  readonly fix: string;
}

/** An object and the manifest file it came from. */
export interface Resource {
  readonly object: KubeObject;
  readonly manifestPath: string;
}

/** A pod template inside a workload, with the path of its pod spec. */
export interface PodTemplate {
  readonly resource: Resource;
  /** Path of the pod spec from the object's root, e.g. `spec.template.spec`. */
  readonly specPath: string;
  readonly spec: KubeObject;
  readonly labels: { [key: string]: string };
}

export function kindOf(r: Resource): string {
  return String(r.object.kind ?? 'object');
}

/** `Kind namespace/name`, as people search for it. */
export function describe(r: Resource): string {
  const ns = r.object.metadata?.namespace;
  return `${kindOf(r)} ${ns ? `${ns}/` : ''}${r.object.metadata?.name ?? '(unnamed)'}`;
}

/** Where each workload kind keeps its pod templates (LeaderWorkerSet has two). */
const TEMPLATE_PATHS: { [kind: string]: string[] } = {
  Pod: [''],
  Deployment: ['spec.template'],
  StatefulSet: ['spec.template'],
  DaemonSet: ['spec.template'],
  ReplicaSet: ['spec.template'],
  Job: ['spec.template'],
  Rollout: ['spec.template'],
  CronJob: ['spec.jobTemplate.spec.template'],
  LeaderWorkerSet: ['spec.leaderWorkerTemplate.leaderTemplate', 'spec.leaderWorkerTemplate.workerTemplate'],
};

export function get(object: KubeObject | undefined, path: string): KubeObject | undefined {
  let value: KubeObject | undefined = object;
  for (const key of path ? path.split('.') : []) value = value?.[key];
  return value;
}

export function podTemplates(resources: readonly Resource[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const resource of resources) {
    for (const base of TEMPLATE_PATHS[kindOf(resource)] ?? []) {
      const template = get(resource.object, base);
      // A Rollout with workloadRef has no template of its own: its Deployment is checked instead.
      if (!template?.spec) continue;
      templates.push({
        resource,
        specPath: base ? `${base}.spec` : 'spec',
        spec: template.spec,
        labels: template.metadata?.labels ?? {},
      });
    }
  }
  return templates;
}

/** Every container of a pod spec with the path of its entry. */
export function containers(pod: PodTemplate, kinds = ['initContainers', 'containers', 'ephemeralContainers']): Array<{ container: KubeObject; path: string }> {
  const found: Array<{ container: KubeObject; path: string }> = [];
  for (const kind of kinds) {
    (pod.spec[kind] ?? []).forEach((container: KubeObject, i: number) => found.push({ container, path: `${pod.specPath}.${kind}[${i}]` }));
  }
  return found;
}

/** Whether `labels` satisfy a label selector (matchLabels and matchExpressions). */
export function selects(selector: KubeObject | undefined, labels: { [key: string]: string }): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = e.values ?? [];
    const ok = e.operator === 'In' ? has && values.includes(labels[e.key])
      : e.operator === 'NotIn' ? !has || !values.includes(labels[e.key])
        : e.operator === 'Exists' ? has
          : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}

/**
 * Cluster-scoped kinds a chart may hold, by API group (empty for core) and kind. cdk8s gives every object the
 * chart's namespace, so the AppProject's whitelists and Terraform's references need to know which ones have none.
 */
const CLUSTER_SCOPED = new Set(['/Namespace', '/PersistentVolume', 'storage.k8s.io/StorageClass', 'scheduling.k8s.io/PriorityClass',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding', 'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'argoproj.io/ClusterAnalysisTemplate', 'keda.sh/ClusterTriggerAuthentication']);

/** Whether objects of `group`/`kind` have no namespace. */
export function isClusterScoped(group: string, kind: string): boolean {
  return CLUSTER_SCOPED.has(`${group}/${kind}`);
}

// The reference rules on hand-written documents (nothing is synthesized here): kinds the library does not
// generate yet, and inputs a chart cannot produce.
import { Testing } from 'cdk8s';
import { planApply } from '../../src/terraform/apply-plan';

const meta = (name: string, extra: object = {}) => ({ name, namespace: 'apps', ...extra });
const rollout = (name: string, spec: object) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: meta(name), spec });
const deployment = (name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name), spec: { replicas: 3 } });

function plan(docs: any[]) {
  return Object.fromEntries(planApply(Testing.chart(), docs).map(step => [step.id, step]));
}

test('a Rollout with a workloadRef waits for the Deployment and owns its replicas', () => {
  const steps = plan([rollout('web', { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } }), deployment('web')]);
  expect(steps.argoproj_io_rollout_apps_web.dependsOn).toEqual(['apps_deployment_apps_web']);
  expect(steps.apps_deployment_apps_web.computedFields).toEqual(['metadata.annotations', 'metadata.labels', 'spec.replicas']);
});

test('an HPA owns its target\'s replicas and comes after it', () => {
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('web'),
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 },
  };
  const steps = plan([hpa, deployment('web')]);
  expect(steps.autoscaling_horizontalpodautoscaler_apps_web.dependsOn).toEqual(['apps_deployment_apps_web']);
  expect(steps.apps_deployment_apps_web.computedFields).toContain('spec.replicas');
});

test('cluster-scoped targets match by name, even when cdk8s gave them the chart namespace', () => {
  const template = { apiVersion: 'argoproj.io/v1alpha1', kind: 'ClusterAnalysisTemplate', metadata: meta('success-rate'), spec: { metrics: [] } };
  const auth = { apiVersion: 'keda.sh/v1alpha1', kind: 'ClusterTriggerAuthentication', metadata: meta('prom'), spec: {} };
  const scaler = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: meta('web', { annotations: { 'argocd.argoproj.io/sync-wave': '1' } }),
    spec: { scaleTargetRef: { name: 'web' }, triggers: [{ type: 'prometheus', authenticationRef: { kind: 'ClusterTriggerAuthentication', name: 'prom' } }] },
  };
  const steps = plan([
    rollout('canary', { strategy: { canary: { steps: [{ analysis: { templates: [{ templateName: 'success-rate', clusterScope: true }] } }] } } }),
    template, deployment('web'), scaler, auth,
  ]);
  expect(steps.argoproj_io_rollout_apps_canary.dependsOn).toContain('argoproj_io_clusteranalysistemplate_apps_success-rate');
  expect(steps.keda_sh_scaledobject_apps_web.dependsOn).toEqual(expect.arrayContaining(['apps_deployment_apps_web', 'keda_sh_clustertriggerauthentication_apps_prom']));
});

test('steps come in an order that satisfies every dependsOn', () => {
  const steps = planApply(Testing.chart(), [rollout('web', { workloadRef: { name: 'web' } }), deployment('web'),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } }]);
  const seen = new Set<string>();
  for (const step of steps) {
    for (const dep of step.dependsOn) expect(seen).toContain(dep);
    seen.add(step.id);
  }
  expect(steps.map(s => s.id)).toEqual(['namespace_apps', 'apps_deployment_apps_web', 'argoproj_io_rollout_apps_web']);
});

test('objects that name each other in a cycle fail with the objects involved', () => {
  const docs = [rollout('a', { workloadRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'b' } }),
    rollout('b', { workloadRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'a' } })];
  expect(() => planApply(Testing.chart(), docs)).toThrow(/documents: these objects refer to each other in a cycle \(got "argoproj_io_rollout_apps_a, argoproj_io_rollout_apps_b"\)/);
});

test('a document without a name cannot be a kubernetes_manifest', () => {
  expect(() => planApply(Testing.chart(), [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'x-' } } as any]))
    .toThrow(/documents: a document without apiVersion, kind or metadata.name cannot be a kubernetes_manifest/);
});

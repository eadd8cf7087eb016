import { admitted, Cluster, ContainerPort, Pod, selectorMatches, Source } from './netpol-evaluator';

/**
 * Derives, from synthesized manifests alone, the pods a cluster would run and the connections each controller
 * would make, so that flows can be checked against the synthesized NetworkPolicies with the evaluator.
 */

/** A flow: who connects to which pod port, and whether the model's NetworkPolicy must admit it. */
export interface Flow {
  readonly name: string;
  readonly source: Source;
  readonly target: Pod;
  readonly port: number;
  readonly expected: boolean;
}

/** Where the flows' peers run, as the library documents its defaults. */
export const PROMETHEUS: Pod = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus', 'prometheus': 'k8s' } };
export const UNRELATED: Pod = { namespace: 'unrelated', labels: { 'app.kubernetes.io/name': 'prometheus', 'istio': 'ingressgateway' } };

const HASH = 'rollouts-pod-template-hash';

/** The server pods of every Deployment and Rollout (a Rollout's pods also carry the pod-template hash). */
export function serverPods(docs: any[]): Pod[] {
  return [...docs.filter(d => d.kind === 'Deployment' || d.kind === 'Rollout').map(d => ({
    namespace: d.metadata.namespace,
    labels: { ...d.spec.template.metadata.labels, ...(d.kind === 'Rollout' ? { [HASH]: '6d4f8b7c9' } : {}) },
    ports: d.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []) as ContainerPort[],
  })), ...docs.filter(d => d.kind === 'LeaderWorkerSet').flatMap(groupPods)];
}

const LWS_NAME = 'leaderworkerset.sigs.k8s.io/name';
const WORKER_INDEX = 'leaderworkerset.sigs.k8s.io/worker-index';
/** Ray's GCS port (vLLM's multi-node-serving.sh default), and a port NCCL picks at random. */
const RAY_GCS = 6379;
const NCCL_RANDOM = 43127;

/** The leader and a worker of a LeaderWorkerSet's first group, labelled as the LWS controller labels them. */
function groupPods(lws: any): Pod[] {
  const lwt = lws.spec.leaderWorkerTemplate;
  const pod = (template: any, index: string): Pod => ({
    namespace: lws.metadata.namespace,
    labels: { ...template.metadata.labels, [LWS_NAME]: lws.metadata.name, [WORKER_INDEX]: index, 'leaderworkerset.sigs.k8s.io/group-index': '0' },
    ports: template.spec.containers.flatMap((c: any) => c.ports ?? []) as ContainerPort[],
  });
  return [pod(lwt.leaderTemplate, '0'), pod(lwt.workerTemplate, '1')];
}

/** Job metrics of standalone AnalysisRuns (a staged group update): the evaluator calls the run's candidate Service. */
function analysisRunFlows(docs: any[], pod: Pod): Flow[] {
  const flows: Flow[] = [];
  for (const run of docs.filter(d => d.kind === 'AnalysisRun' && d.metadata.namespace === pod.namespace)) {
    const args = Object.fromEntries(run.spec.args.map((a: any) => [a.name, a.value]));
    for (const m of run.spec.metrics.filter((x: any) => x.provider.job)) {
      const job = m.provider.job.spec.template;
      const endpoint = job.spec.containers[0].env.find((e: any) => e.name === 'MLOPS_ENDPOINT')?.value as string;
      const url = new URL(endpoint.replace(/\{\{args\.([a-z-]+)\}\}/g, (_: string, name: string) => args[name]));
      const port = throughService(docs, pod.namespace, url.hostname.split('.')[0], Number(url.port), pod);
      if (port === undefined) continue;
      const evaluator: Pod = { namespace: run.metadata.namespace, labels: { ...job.metadata.labels, 'batch.kubernetes.io/job-name': `${run.metadata.name}-run` } };
      flows.push({ name: `evaluator of ${run.metadata.name} to ${url.hostname}`, source: { pod: evaluator }, target: pod, port, expected: true });
    }
  }
  return flows;
}

/** Ray and NCCL between the pods of a group (any port), refused to everyone else. */
function groupFlows(pod: Pod): Flow[] {
  const self = pod.labels[WORKER_INDEX];
  const peer: Pod = { namespace: pod.namespace, labels: { ...pod.labels, [WORKER_INDEX]: self === '0' ? '1' : '0' } };
  const otherLws: Pod = { namespace: pod.namespace, labels: { [LWS_NAME]: 'another-model', [WORKER_INDEX]: '1' } };
  return [
    { name: `group peer to Ray GCS (${RAY_GCS}) of worker ${self}`, source: { pod: peer }, target: pod, port: RAY_GCS, expected: true },
    { name: `group peer to an NCCL port (${NCCL_RANDOM}) of worker ${self}`, source: { pod: peer }, target: pod, port: NCCL_RANDOM, expected: true },
    { name: `another LeaderWorkerSet's pod to Ray GCS of worker ${self}`, source: { pod: otherLws }, target: pod, port: RAY_GCS, expected: false },
    { name: `a client pod to Ray GCS of worker ${self}`, source: { pod: { namespace: pod.namespace, labels: { app: 'client' } } }, target: pod, port: RAY_GCS, expected: false },
    { name: `Prometheus to Ray GCS of worker ${self}`, source: { pod: PROMETHEUS }, target: pod, port: RAY_GCS, expected: false },
  ];
}

/** A Service's port resolved to the pod port it forwards to (targetPort by number or by container port name). */
export function throughService(docs: any[], namespace: string, name: string, port: number, pod: Pod): number | undefined {
  const svc = docs.find(d => d.kind === 'Service' && d.metadata.name === name && d.metadata.namespace === namespace);
  if (!svc || !selectorMatches({ matchLabels: svc.spec.selector }, pod.labels) || svc.metadata.namespace !== pod.namespace) return undefined;
  const sp = svc.spec.ports.find((p: any) => p.port === port);
  if (!sp) return undefined;
  const target = sp.targetPort ?? sp.port;
  return typeof target === 'number' ? target : pod.ports?.find(p => p.name === target)?.containerPort;
}

/** The Services a Rollout switches between versions. */
function rolloutServices(rollout: any): string[] {
  const s = rollout.spec.strategy;
  return [s.canary?.canaryService, s.canary?.stableService, s.blueGreen?.activeService, s.blueGreen?.previewService].filter(Boolean);
}

/** Every flow the manifests imply towards `pod`, plus flows that must be refused. */
export function flowsTo(docs: any[], pod: Pod): Flow[] {
  const flows: Flow[] = pod.labels[LWS_NAME] ? [...groupFlows(pod), ...analysisRunFlows(docs, pod)] : [];
  // A group's workers run Ray only: no server port.
  if (pod.ports!.length === 0) return flows;
  const http = pod.ports!.find(p => p.name === 'http')!.containerPort;
  flows.push({ name: 'a client pod of the same namespace to the inference port', source: { pod: { namespace: pod.namespace, labels: { app: 'client' } } }, target: pod, port: http, expected: true });
  flows.push({ name: 'kubelet probes from the node', source: { node: true }, target: pod, port: http, expected: true });

  // Prometheus scrapes the port each PodMonitor names (a container port name) on the pods it selects.
  const monitors = docs.filter(d => d.kind === 'PodMonitor' && d.metadata.namespace === pod.namespace && selectorMatches(d.spec.selector, pod.labels));
  const scraped = new Set<number>();
  for (const m of monitors) {
    for (const e of m.spec.podMetricsEndpoints) {
      const port = pod.ports!.find(p => p.name === e.port)!.containerPort;
      scraped.add(port);
      flows.push({ name: `Prometheus scrapes ${e.port} (${port})`, source: { pod: PROMETHEUS }, target: pod, port, expected: true });
    }
  }
  for (const p of pod.ports!.filter(x => monitors.length && !scraped.has(x.containerPort))) {
    flows.push({ name: `Prometheus to the non-metrics port ${p.name} (${p.containerPort})`, source: { pod: PROMETHEUS }, target: pod, port: p.containerPort, expected: false });
  }

  const rollout = docs.find(d => d.kind === 'Rollout' && d.metadata.namespace === pod.namespace && selectorMatches(d.spec.selector, pod.labels));
  if (rollout) {
    // Argo narrows each Service to one version by the hash; the pods of every version carry it, so all reach them.
    for (const name of rolloutServices(rollout)) {
      const svc = docs.find(d => d.kind === 'Service' && d.metadata.name === name && d.metadata.namespace === pod.namespace);
      if (!svc) throw new Error(`Rollout names Service ${name}, which is not synthesized`);
      if (!selectorMatches({ matchLabels: { ...svc.spec.selector, [HASH]: pod.labels[HASH] } }, pod.labels)) throw new Error(`Service ${name} does not select the pods`);
    }
    flows.push(...routerFlows(docs, pod), ...evaluatorFlows(docs, rollout, pod));
  }
  flows.push(...hookFlows(docs, pod));

  for (const p of pod.ports!) {
    flows.push({ name: `a pod of an unrelated namespace to ${p.name} (${p.containerPort})`, source: { pod: UNRELATED }, target: pod, port: p.containerPort, expected: false });
  }
  return flows;
}

/** Gateway API: GEP-1762 gateway pods (in the Gateway's namespace, labelled with its name) send to each backend Service. */
function routerFlows(docs: any[], pod: Pod): Flow[] {
  const flows: Flow[] = [];
  for (const route of docs.filter(d => d.kind === 'HTTPRoute' && d.metadata.namespace === pod.namespace)) {
    for (const parent of route.spec.parentRefs) {
      const gateway: Pod = { namespace: parent.namespace ?? route.metadata.namespace, labels: { 'gateway.networking.k8s.io/gateway-name': parent.name } };
      const decoy: Pod = { namespace: gateway.namespace, labels: { 'gateway.networking.k8s.io/gateway-name': 'another-gateway' } };
      for (const ref of route.spec.rules.flatMap((r: any) => r.backendRefs)) {
        const port = throughService(docs, pod.namespace, ref.name, ref.port, pod)!;
        flows.push({ name: `gateway ${parent.name} through Service ${ref.name}:${ref.port}`, source: { pod: gateway }, target: pod, port, expected: true });
        flows.push({ name: `another gateway's pods through Service ${ref.name}:${ref.port}`, source: { pod: decoy }, target: pod, port, expected: false });
      }
    }
  }
  for (const vs of docs.filter(d => d.kind === 'VirtualService' && d.metadata.namespace === pod.namespace)) {
    if ((vs.spec.gateways ?? []).some((g: string) => g !== 'mesh')) {
      const gateway: Pod = { namespace: 'istio-system', labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } };
      for (const d of vs.spec.http.flatMap((h: any) => h.route.map((r: any) => r.destination))) {
        const port = throughService(docs, pod.namespace, d.host, d.port.number, pod)!;
        flows.push({ name: `Istio ingress gateway through Service ${d.host}:${d.port.number}`, source: { pod: gateway }, target: pod, port, expected: true });
      }
    }
  }
  return flows;
}

/** Job-provider analyses: Argo runs the Job in the rollout's namespace; the evaluator calls the candidate Service. */
function evaluatorFlows(docs: any[], rollout: any, pod: Pod): Flow[] {
  const s = rollout.spec.strategy;
  const candidate = s.canary?.canaryService ?? s.blueGreen?.previewService;
  const flows: Flow[] = [];
  for (const t of docs.filter(d => d.kind === 'AnalysisTemplate' && d.metadata.namespace === pod.namespace)) {
    for (const m of t.spec.metrics.filter((x: any) => x.provider.job)) {
      const job = m.provider.job.spec.template;
      const endpoint = job.spec.containers[0].env.find((e: any) => e.name === 'MLOPS_ENDPOINT')?.value as string | undefined;
      if (!endpoint?.includes('{{args.candidate-service}}')) continue;
      const port = throughService(docs, pod.namespace, candidate, Number(new URL(endpoint.replace(/\{\{args\.[a-z-]+\}\}/g, 'x')).port), pod)!;
      const evaluator: Pod = { namespace: rollout.metadata.namespace, labels: { ...job.metadata.labels, 'batch.kubernetes.io/job-name': `${t.metadata.name}-run` } };
      flows.push({ name: `evaluator of ${t.metadata.name} to the candidate Service ${candidate}`, source: { pod: evaluator }, target: pod, port, expected: true });
    }
  }
  return flows;
}

/** Argo CD PreSync hook Jobs that call a Service by URL (production's hook validating staging). */
function hookFlows(docs: any[], pod: Pod): Flow[] {
  const flows: Flow[] = [];
  for (const job of docs.filter(d => d.kind === 'Job' && d.metadata.annotations?.['argocd.argoproj.io/hook'] === 'PreSync')) {
    const endpoint = job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'MLOPS_ENDPOINT')?.value;
    if (!endpoint) continue;
    const url = new URL(endpoint);
    const [service, namespace] = url.hostname.split('.');
    const port = throughService(docs, namespace, service, Number(url.port || 80), pod);
    if (port === undefined) continue;
    const hook: Pod = { namespace: job.metadata.namespace, labels: job.spec.template.metadata.labels };
    flows.push({ name: `PreSync hook ${job.metadata.name} (${hook.namespace}) to ${service}.${namespace}`, source: { pod: hook }, target: pod, port, expected: true });
    flows.push({ name: `another pod of ${hook.namespace} to ${service}.${namespace}`, source: { pod: { namespace: hook.namespace, labels: { app: 'other' } } }, target: pod, port, expected: false });
  }
  return flows;
}

/** Each flow with what the policies decide, for a readable table assertion. */
export function decide(docs: any[], flows: Flow[]): { name: string; admitted: boolean }[] {
  const cluster: Cluster = { policies: docs.filter(d => d.kind === 'NetworkPolicy') };
  return flows.map(f => ({ name: f.name, admitted: admitted(cluster, { source: f.source, target: f.target, port: f.port }) }));
}

import { describe, Finding, KubeObject, kindOf, podTemplates, Resource, selects } from './manifest';

/** Options of the router data plane rule. */
export interface NetworkRuleOptions {
  /** Namespace of Istio's ingress gateway pods, for VirtualServices bound to a gateway. */
  readonly istioGatewayNamespace: string;
}

/** A router's proxies send traffic from `namespace` to the pods behind `service` on `port`. */
interface DataPath {
  readonly router: string;
  readonly route: Resource;
  readonly namespace: string;
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly port?: number;
}

const nsOf = (r: Resource): string => r.object.metadata?.namespace ?? 'default';

/** Istio VirtualServices bound to a gateway, and Gateway API routes: their gateway proxies call the backends. */
function dataPaths(resources: readonly Resource[], options: NetworkRuleOptions): DataPath[] {
  const paths: DataPath[] = [];
  for (const route of resources) {
    const spec: KubeObject = route.object.spec ?? {};
    const kind = kindOf(route);
    if (kind === 'VirtualService' && String(route.object.apiVersion).startsWith('networking.istio.io/')) {
      if (!(spec.gateways ?? []).some((g: string) => g !== 'mesh')) continue;
      for (const http of spec.http ?? []) {
        for (const r of http.route ?? []) {
          const [name, namespace] = String(r.destination?.host ?? '').split('.');
          if (name) paths.push({ router: 'Istio ingress gateway', route, namespace: options.istioGatewayNamespace, serviceName: name, serviceNamespace: namespace ?? nsOf(route), port: r.destination?.port?.number });
        }
      }
    } else if ((kind === 'HTTPRoute' || kind === 'GRPCRoute') && String(route.object.apiVersion).startsWith('gateway.networking.k8s.io/')) {
      for (const parent of spec.parentRefs ?? []) {
        for (const rule of spec.rules ?? []) {
          for (const backend of rule.backendRefs ?? []) {
            if ((backend.kind ?? 'Service') !== 'Service') continue;
            paths.push({ router: `Gateway ${parent.name}`, route, namespace: parent.namespace ?? nsOf(route), serviceName: backend.name, serviceNamespace: backend.namespace ?? nsOf(route), port: backend.port });
          }
        }
      }
    }
  }
  return paths;
}

/** Whether a NetworkPolicy peer can admit pods of `namespace` (pod labels of a gateway are unknown: assumed to match). */
function peerAdmits(peer: KubeObject, namespace: string, policyNamespace: string): boolean {
  if (peer.ipBlock) return true; // cannot be decided from manifests
  if (peer.namespaceSelector) return selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': namespace });
  return namespace === policyNamespace;
}

function portAdmits(ports: KubeObject[] | undefined, port: { number?: number; name?: string }): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some(p => p.port === undefined || p.port === port.number || (port.name !== undefined && p.port === port.name)
    || (p.endPort !== undefined && port.number !== undefined && p.port <= port.number && port.number <= p.endPort));
}

/**
 * NetworkPolicies that drop a router's traffic to the pods it routes to: the route and the Service
 * are there, every pod is Ready, and every request times out. Policies are additive, so the path is
 * open when any policy selecting the pods admits the router's namespace on the target port.
 */
export function networkRules(resources: readonly Resource[], options: NetworkRuleOptions): Finding[] {
  const findings: Finding[] = [];
  const policies = resources.filter(r => kindOf(r) === 'NetworkPolicy');
  const pods = podTemplates(resources);
  const reported = new Set<string>();
  for (const path of dataPaths(resources, options)) {
    const service = resources.find(r => kindOf(r) === 'Service' && r.object.metadata?.name === path.serviceName && nsOf(r) === path.serviceNamespace);
    const selector = service?.object.spec?.selector;
    if (!service || !selector) continue;
    const servicePorts: KubeObject[] = service.object.spec.ports ?? [];
    const servicePort = servicePorts.find(p => path.port === undefined || p.port === path.port) ?? servicePorts[0];
    const target = servicePort?.targetPort ?? servicePort?.port;
    for (const pod of pods.filter(p => nsOf(p.resource) === path.serviceNamespace && selects({ matchLabels: selector }, p.labels))) {
      const containerPort = (pod.spec.containers ?? []).flatMap((c: KubeObject) => c.ports ?? [])
        .find((p: KubeObject) => p.name === target || p.containerPort === target);
      const port = {
        number: containerPort?.containerPort ?? (typeof target === 'number' ? target : undefined),
        name: containerPort?.name ?? (typeof target === 'string' ? target : undefined),
      };
      const applying = policies.filter(p => nsOf(p) === path.serviceNamespace
        && selects(p.object.spec?.podSelector ?? {}, pod.labels)
        && (p.object.spec?.policyTypes ?? ['Ingress']).includes('Ingress'));
      if (applying.length === 0) continue;
      const open = applying.some(p => (p.object.spec.ingress ?? []).some((rule: KubeObject) =>
        (!rule.from || rule.from.length === 0 || rule.from.some((peer: KubeObject) => peerAdmits(peer, path.namespace, nsOf(p))))
        && portAdmits(rule.ports, port)));
      if (open) continue;
      for (const policy of applying) {
        const key = `${describe(policy)}|${path.namespace}|${port.number ?? port.name}`;
        if (reported.has(key)) continue;
        reported.add(key);
        findings.push({
          rule: 'network-policy-blocks-router',
          object: policy,
          field: 'spec.ingress',
          problem: `blocks the ${path.router} (namespace ${path.namespace}, routed by ${describe(path.route)}) from the pods of ${describe(pod.resource)} on port ${port.number ?? port.name}`,
          fix: `add an ingress rule from namespaceSelector { matchLabels: { kubernetes.io/metadata.name: ${path.namespace} } } on port ${port.number ?? port.name}`,
        });
      }
    }
  }
  return findings;
}

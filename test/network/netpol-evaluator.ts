/**
 * An evaluator of Kubernetes NetworkPolicy ingress semantics (networking.k8s.io/v1), written from the API
 * reference and the concept page, independently of the library:
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/
 *
 * - A pod is isolated for ingress when some policy in its namespace selects it (podSelector) and has
 *   `Ingress` in policyTypes (policyTypes unset: Ingress always, Egress only when egress rules exist).
 * - A non-isolated pod admits everything. Traffic from the pod's own node is always admitted.
 * - An isolated pod admits a connection iff some selecting policy has a rule whose `from` (empty or missing:
 *   every source) has a matching peer and whose `ports` (empty or missing: every port) has a matching port.
 * - Peers: podSelector alone (pods of the policy's namespace), namespaceSelector alone (every pod of the
 *   selected namespaces), both in one peer (pods matching podSelector in the selected namespaces), ipBlock
 *   (source address in cidr and in no `except`).
 * - Ports: protocol (default TCP) must match; a number matches the destination port (up to endPort when set),
 *   a name is resolved through the target's container ports of that protocol; no port matches every port.
 */

export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol?: string;
}

/** A pod as the evaluator sees it. */
export interface Pod {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ports?: ContainerPort[];
  readonly ip?: string;
}

/** The source of a connection: a pod, a bare address (e.g. a SNATed probe), or the target's own node. */
export type Source = { pod: Pod } | { ip: string } | { node: true };

export interface Connection {
  readonly source: Source;
  readonly target: Pod;
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: string;
}

export interface Cluster {
  /** Every NetworkPolicy in the cluster. */
  readonly policies: any[];
  /** Namespace labels by name; every namespace also carries `kubernetes.io/metadata.name: <name>`. */
  readonly namespaceLabels?: Record<string, Record<string, string>>;
}

export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && (e.values ?? []).includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

export function namespaceLabelsOf(cluster: Cluster, name: string): Record<string, string> {
  return { ...cluster.namespaceLabels?.[name], 'kubernetes.io/metadata.name': name };
}

function ingressIsolates(policy: any): boolean {
  const types: string[] | undefined = policy.spec?.policyTypes;
  return types === undefined || types.length === 0 ? true : types.includes('Ingress');
}

/** Policies that select the pod for ingress. */
export function selectingPolicies(cluster: Cluster, pod: Pod): any[] {
  return cluster.policies.filter(p => p.kind === 'NetworkPolicy'
    && (p.metadata?.namespace ?? 'default') === pod.namespace
    && selectorMatches(p.spec?.podSelector ?? {}, pod.labels)
    && ingressIsolates(p));
}

function peerMatches(cluster: Cluster, policyNamespace: string, peer: any, source: Source): boolean {
  if (peer.ipBlock) {
    const ip = 'ip' in source ? source.ip : 'pod' in source ? source.pod.ip : undefined;
    return ip !== undefined && cidrContains(peer.ipBlock.cidr, ip) && !(peer.ipBlock.except ?? []).some((e: string) => cidrContains(e, ip));
  }
  if (!('pod' in source)) return false;
  const pod = source.pod;
  if (peer.namespaceSelector === undefined && peer.podSelector === undefined) {
    throw new Error(`a peer needs podSelector, namespaceSelector or ipBlock: ${JSON.stringify(peer)}`);
  }
  const namespaceOk = peer.namespaceSelector !== undefined
    ? selectorMatches(peer.namespaceSelector, namespaceLabelsOf(cluster, pod.namespace))
    : pod.namespace === policyNamespace;
  const podOk = peer.podSelector === undefined || selectorMatches(peer.podSelector, pod.labels);
  return namespaceOk && podOk;
}

function portMatches(rulePort: any, target: Pod, port: number, protocol: string): boolean {
  if ((rulePort.protocol ?? 'TCP') !== protocol) return false;
  if (rulePort.port === undefined) return true;
  if (typeof rulePort.port === 'number') {
    return rulePort.endPort === undefined ? rulePort.port === port : port >= rulePort.port && port <= rulePort.endPort;
  }
  return (target.ports ?? []).some(p => p.name === rulePort.port && (p.protocol ?? 'TCP') === protocol && p.containerPort === port);
}

/** Whether the connection is admitted by the cluster's NetworkPolicies. */
export function admitted(cluster: Cluster, c: Connection): boolean {
  if ('node' in c.source) return true;
  const policies = selectingPolicies(cluster, c.target);
  if (policies.length === 0) return true;
  const protocol = c.protocol ?? 'TCP';
  return policies.some(policy => (policy.spec.ingress ?? []).some((rule: any) => {
    const from: any[] = rule.from ?? [];
    const ports: any[] = rule.ports ?? [];
    const fromOk = from.length === 0 || from.some(peer => peerMatches(cluster, policy.metadata?.namespace ?? 'default', peer, c.source));
    const portOk = ports.length === 0 || ports.some(p => portMatches(p, c.target, c.port, protocol));
    return fromOk && portOk;
  }));
}

/** Whether `ip` (IPv4 or IPv6) lies in `cidr`; addresses of the other family never do. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = parseIp(base);
  const b = parseIp(ip);
  if (a.width !== b.width) return false;
  const bits = BigInt(bitsText ?? a.width);
  const shift = BigInt(a.width) - bits;
  return a.value / 2n ** shift === b.value / 2n ** shift;
}

function parseIp(text: string): { value: bigint; width: number } {
  if (text.includes(':')) {
    const [head, tail] = text.split('::');
    const groups = (s: string | undefined) => (s ? s.split(':') : []);
    const h = groups(head);
    const t = groups(tail);
    const all = text.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    if (all.length !== 8) throw new Error(`bad IPv6 address ${text}`);
    return { value: all.reduce((acc, g) => acc * 65536n + BigInt(parseInt(g, 16)), 0n), width: 128 };
  }
  const octets = text.split('.').map(Number);
  if (octets.length !== 4 || octets.some(o => !(o >= 0 && o <= 255))) throw new Error(`bad IPv4 address ${text}`);
  return { value: octets.reduce((acc, o) => acc * 256n + BigInt(o), 0n), width: 32 };
}

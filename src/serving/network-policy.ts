import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';
import type { IModelService } from './model-service';
import { check, deferFactoryChecks, propError } from '../internal/errors';

/** Istio ambient's HBONE port: ztunnel tunnels every meshed connection to the destination pod on it. */
const HBONE_PORT = 15008;
/** Istio sidecar: pilot-agent's merged Prometheus metrics (application, agent and Envoy). */
const SIDECAR_MERGED_METRICS_PORT = 15020;
/** Istio sidecar: Envoy's own Prometheus endpoint. */
const ENVOY_METRICS_PORT = 15090;
/**
 * Istio ambient SNATs kubelet probes to these link-local sources (istio-cni's `HostProbeSNATAddress` and
 * `HostProbeV6SNATAddress`), so they no longer come from the node, which NetworkPolicy always admits.
 */
const AMBIENT_PROBE_SOURCES = ['169.254.7.127/32', 'fd16:9254:7127:1337:ffff:ffff:ffff:ffff/128'];
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * How the model server's pods take part in a service mesh. It decides which of the mesh's own ports the
 * NetworkPolicy admits.
 * @see https://istio.io/latest/docs/ambient/usage/networkpolicy/
 */
export enum MeshMode {
  /** No mesh: clients connect to the server's ports directly; kubelet probes come from the node. */
  NONE = 'none',
  /**
   * Istio sidecars (injected Envoy): requests from sidecars arrive on the server's ports, from ambient workloads
   * over HBONE (15008); Prometheus may also scrape the merged metrics (15020) and Envoy (15090). Probes are
   * rewritten to the agent, from the node.
   */
  ISTIO_SIDECAR = 'istio-sidecar',
  /**
   * Istio ambient (ztunnel): meshed clients arrive over HBONE on port 15008, and kubelet probes arrive
   * SNATed from 169.254.7.127 (IPv6 fd16:9254:7127:1337:ffff:ffff:ffff:ffff).
   */
  ISTIO_AMBIENT = 'istio-ambient',
}

/** Pods selected by labels, in one namespace. */
export interface NetworkPodsOptions {
  /**
   * Labels the pods carry (all of them must match).
   * @default - every pod of the namespace
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
   */
  readonly labels?: { [key: string]: string };
  /**
   * The pods' namespace.
   * @default - the namespace of the policy (the service's)
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
   */
  readonly namespace?: string;
}

/**
 * A source of traffic a NetworkPolicy admits (a `NetworkPolicyPeer`): pods by labels and namespace,
 * whole namespaces, or an IP block.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource
 */
export class NetworkPeer {
  /** Every pod of a namespace, by its name (the `kubernetes.io/metadata.name` label every namespace carries). */
  public static namespace(name: string): NetworkPeer {
    checkNamespace('NetworkPeer.namespace', name);
    return new NetworkPeer(() => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } } }), `namespace ${name}`);
  }

  /** Every pod of the namespaces carrying these labels. */
  public static namespacesLabelled(labels: { [key: string]: string }): NetworkPeer {
    checkLabels('NetworkPeer.namespacesLabelled', labels, false);
    return new NetworkPeer(() => ({ namespaceSelector: { matchLabels: { ...labels } } }), `namespaces ${JSON.stringify(labels)}`);
  }

  /**
   * Pods by labels in one namespace (a `podSelector`, combined with a `namespaceSelector` when the namespace
   * is named: both must match in one peer).
   */
  public static pods(options: NetworkPodsOptions = {}): NetworkPeer {
    if (options.labels) checkLabels('NetworkPeer.pods.labels', options.labels, true);
    if (options.namespace !== undefined) checkNamespace('NetworkPeer.pods.namespace', options.namespace);
    const podSelector = options.labels && Object.keys(options.labels).length ? { matchLabels: { ...options.labels } } : {};
    return new NetworkPeer(() => options.namespace === undefined
      ? { podSelector }
      : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: options.namespace } }, podSelector },
    `pods ${JSON.stringify(options.labels ?? {})} in ${options.namespace ?? 'the service\'s namespace'}`);
  }

  /**
   * Addresses in a CIDR block, e.g. a cloud load balancer's proxy subnet. Pod addresses should not be named
   * this way: they change.
   */
  public static ipBlock(cidr: string, except?: string[]): NetworkPeer {
    checkCidr('NetworkPeer.ipBlock', cidr);
    for (const e of except ?? []) checkCidr('NetworkPeer.ipBlock.except', e);
    return new NetworkPeer(() => ({ ipBlock: { cidr, except: except?.length ? [...except] : undefined } }), `ipBlock ${cidr}`);
  }

  /**
   * A peer known only once the tree is complete (e.g. the pods of a hook created later); `undefined` admits nothing.
   * @internal
   */
  public static _deferred(produce: () => NetworkPeer | undefined): NetworkPeer {
    return new NetworkPeer(() => produce()?._render(), 'a deferred peer');
  }

  private constructor(private readonly render: () => k8s.NetworkPolicyPeer | undefined, private readonly description: string) {}

  /** @internal */
  public _render(): k8s.NetworkPolicyPeer | undefined {
    return this.render();
  }

  /** What the peer selects, for messages. */
  public toString(): string {
    return this.description;
  }
}
deferFactoryChecks(NetworkPeer);

/** Who may reach the service, beyond the flows the library knows of (see GpuModelService). */
export interface NetworkPolicyOptions {
  /**
   * Clients allowed to send requests to every serving port (not the metrics port, unless it is the inference port).
   * An empty list admits only the flows the library knows of.
   * @default - every pod of the service's namespace
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
   */
  readonly clients?: NetworkPeer[];
  /**
   * Who scrapes the metrics port (where Prometheus runs). The DCGM exporter is scraped on its own pods, not here.
   * @default [NetworkPeer.namespace('monitoring')]
   * @see https://prometheus-operator.dev/docs/developer/getting-started/#using-podmonitors
   */
  readonly metricsScrapers?: NetworkPeer[];
  /**
   * How the pods take part in a service mesh, which decides the mesh ports admitted: HBONE (15008) under either
   * mode, the probe source under ambient, merged metrics (15020) and Envoy (15090) for the scrapers under sidecars.
   * @default MeshMode.NONE
   * @see https://istio.io/latest/docs/ambient/usage/networkpolicy/
   */
  readonly mesh?: MeshMode;
}

/**
 * A construct that sends traffic to a model service's inference port, e.g. the rollout that took its pods
 * over (its router's data plane and its evaluators); the service's NetworkPolicy admits these peers.
 */
export interface IServiceClients extends IConstruct {
  /** Peers that call the service's inference port. */
  readonly inferencePeers: NetworkPeer[];
}

/** Everything the NetworkPolicy is derived from. */
interface NetworkPolicyInput {
  readonly options: NetworkPolicyOptions;
  /** The inference port (`http`), which probes, routers and evaluators use. */
  readonly port: number;
  /** The metrics port (the inference port for vLLM and TGI). */
  readonly metricsPort: number;
  /** Every port of the server container. */
  readonly containerPorts: number[];
  /** Peers of the known flows to the inference port: the router's data plane, evaluators, hooks. */
  readonly inferencePeers: NetworkPeer[];
  /** Labels of the pods of the same multi-node workload, which reach each other on any port. */
  readonly groupLabels?: { [key: string]: string };
}

/**
 * The ingress rules: clients on the serving ports, the known flows on the inference port, scrapers on the
 * metrics port, plus the mesh's ports. A rule is never rendered with an empty `from`, which would admit everyone.
 */
function networkPolicyIngress(input: NetworkPolicyInput): k8s.NetworkPolicyIngressRule[] {
  const mesh = input.options.mesh ?? MeshMode.NONE;
  // Sidecars accept HBONE too, from ambient workloads (e.g. an ambient-enrolled gateway).
  const hbone = mesh === MeshMode.NONE ? [] : [HBONE_PORT];
  const serving = input.containerPorts.filter(p => p !== input.metricsPort || p === input.port);
  const scrapePorts = [input.metricsPort, ...(mesh === MeshMode.ISTIO_SIDECAR ? [SIDECAR_MERGED_METRICS_PORT, ENVOY_METRICS_PORT] : [])];
  const rules: [NetworkPeer[], number[]][] = [
    [clientsOrDefault(input.options), [...serving, ...hbone]],
    [input.inferencePeers, [input.port, ...hbone]],
    [input.options.metricsScrapers ?? [NetworkPeer.namespace('monitoring')], [...scrapePorts, ...hbone]],
    // Probes from the node are always admitted; under ambient they come from istio-cni's SNAT address instead.
    [mesh === MeshMode.ISTIO_AMBIENT ? AMBIENT_PROBE_SOURCES.map(cidr => NetworkPeer.ipBlock(cidr)) : [], [input.port]],
  ];
  const known = rules.flatMap(([peers, ports]) => {
    const from = unique(peers.map(p => p._render()).filter((p): p is k8s.NetworkPolicyPeer => p !== undefined));
    return from.length ? [{ from, ports: [...new Set(ports)].map(port => ({ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' })) }] : [];
  });
  // A multi-node group's Ray (GCS 6379, then object and node managers and workers on random ports) and NCCL
  // (random ports) connect leader and workers on any port; a static policy can name the LeaderWorkerSet, not
  // the group, so every pod of the same LeaderWorkerSet is admitted.
  return input.groupLabels ? [...known, { from: [{ podSelector: { matchLabels: input.groupLabels } }] }] : known;
}

/**
 * Renders the service's NetworkPolicy (child id `NetworkPolicy`) once the tree is complete, so a rollout, its
 * router and its evaluators created after the service are still admitted.
 */
export function renderNetworkPolicy(service: IModelService & Construct, options: NetworkPolicyOptions, containerPorts: number[],
  groupLabels?: { [key: string]: string }): void {
  for (const [prop, peers] of [['clients', options.clients], ['metricsScrapers', options.metricsScrapers]] as const) {
    check(peers === undefined || peers.every(p => p instanceof NetworkPeer), service, `networkPolicy.${prop}`, peers,
      'must be NetworkPeer values', 'use NetworkPeer.namespace(), .pods(), .namespacesLabelled() or .ipBlock()');
  }
  // JavaScript callers can pass any string.
  check(options.mesh === undefined || Object.values(MeshMode).includes(options.mesh), service, 'networkPolicy.mesh', options.mesh, 'is not a MeshMode',
    `use one of ${Object.keys(MeshMode).map(k => `MeshMode.${k}`).join(', ')}`);
  if (options.metricsScrapers?.length === 0) {
    throw propError(service, 'networkPolicy.metricsScrapers', [], 'is empty, so nothing could scrape the metrics the gates, alerts and autoscaler read',
      'name where Prometheus runs, e.g. [NetworkPeer.namespace(\'monitoring\')]');
  }
  new ApiObject(service, 'NetworkPolicy', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: service.metadata(service.name),
    spec: {
      podSelector: { matchLabels: service.selectorLabels },
      policyTypes: ['Ingress'],
      ingress: Lazy.any({
        produce: () => networkPolicyIngress({
          options,
          port: service.port,
          metricsPort: service.metricsPort,
          containerPorts,
          inferencePeers: clientsOf(service.workloadOwner),
          groupLabels,
        }).map(k8s.toJson_NetworkPolicyIngressRule),
      }),
    },
  });
}

/** Options with more clients, on top of the given ones or their default. */
export function withClients(options: NetworkPolicyOptions | undefined, clients: NetworkPeer[]): NetworkPolicyOptions | undefined {
  return clients.length ? { ...options, clients: [...clientsOrDefault(options ?? {}), ...clients] } : options;
}

function clientsOrDefault(options: NetworkPolicyOptions): NetworkPeer[] {
  return options.clients ?? [NetworkPeer.pods()];
}

function clientsOf(owner: IConstruct | undefined): NetworkPeer[] {
  return owner !== undefined && 'inferencePeers' in owner ? (owner as IServiceClients).inferencePeers : [];
}

function unique(peers: k8s.NetworkPolicyPeer[]): k8s.NetworkPolicyPeer[] {
  const seen = new Map(peers.map(p => [JSON.stringify(p), p]));
  return [...seen.values()];
}

function checkNamespace(where: string, name: string): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name ?? '') || name.length > 63) {
    throw propError(undefined, where, name, 'must be a namespace name (a DNS-1123 label)', 'e.g. \'monitoring\'');
  }
}

function checkLabels(where: string, labels: { [key: string]: string }, emptyOk: boolean): void {
  const entries = Object.entries(labels ?? {});
  if (!emptyOk && entries.length === 0) {
    throw propError(undefined, where, labels, 'is empty, so it would select every namespace', 'give the labels to match, or use NetworkPeer.namespace(name)');
  }
  for (const [key, value] of entries) {
    const [prefix, name] = key.includes('/') ? key.split(/\/(.*)/s) : [undefined, key];
    const okKey = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name ?? '') && name.length <= 63
      && (prefix === undefined || (/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(prefix) && prefix.length <= 253));
    const okValue = typeof value === 'string' && value.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value);
    if (!okKey || !okValue) {
      throw propError(undefined, where, { [key]: value }, 'is not a valid label (key: [prefix/]name of at most 63 characters; value: at most 63 alphanumerics, -, _, .)',
        'use the labels exactly as the pods or namespaces carry them');
    }
  }
}

function checkCidr(where: string, cidr: string): void {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr ?? '');
  const okV4 = v4 !== null && v4.slice(1, 5).every(o => Number(o) <= 255) && Number(v4[5]) <= 32;
  const v6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(cidr ?? '');
  const okV6 = v6 !== null && v6[1].includes(':') && Number(v6[2]) <= 128;
  if (!okV4 && !okV6) {
    throw propError(undefined, where, cidr, 'must be a CIDR block (address/prefix length)', 'e.g. \'10.0.0.0/16\' or \'fd00::/64\'');
  }
}

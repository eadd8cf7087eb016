import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { HttpRoute } from '../imports/httproute-gateway.networking.k8s.io';
import { RolloutSpecStrategyCanaryTrafficRouting } from '../imports/rollout-argoproj.io';
import { VirtualService } from '../imports/virtualservice-networking.istio.io';
import { check, deferFactoryChecks, propError } from '../internal/errors';
import { dns1123Label, dns1123Subdomain } from '../internal/validate';
import { IModelService } from '../serving/model-service';
import { NetworkPeer } from '../serving/network-policy';

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GATEWAY_REF = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * What a router needs to route between the two versions.
 * @internal
 */
export interface TrafficRouterBindOptions {
  /** The service being rolled out. */
  readonly service: IModelService;
  /** The Service selecting the stable version's pods. */
  readonly stableService: string;
  /** The Service selecting the new version's pods. */
  readonly canaryService: string;
  /** Routes the rollout's steps manage (header and mirror routes). */
  readonly managedRoutes: string[];
}

/** Properties of an Istio router. */
export interface IstioRouterOptions {
  /**
   * Hosts of the VirtualService.
   * @default - the service's name (mesh-internal traffic)
   */
  readonly hosts?: string[];
  /**
   * Gateways the VirtualService binds to (`<namespace>/<name>`, or `mesh` for the sidecars).
   * @default - the mesh only
   */
  readonly gateways?: string[];
  /**
   * The ingress gateway pods that forward requests bound to `gateways`, admitted by the service's NetworkPolicy.
   * Only with a gateway other than `mesh`: mesh-internal requests come from the clients' own proxies.
   * @default - with gateways: pods labelled `istio: ingressgateway` in `istio-system` (Istio's default installation)
   * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/
   */
  readonly ingressGateway?: NetworkPeer;
}

/** Properties of a Gateway API router. */
export interface GatewayApiRouterOptions {
  /** The Gateway the HTTPRoute attaches to. */
  readonly gatewayName: string;
  /**
   * The Gateway's namespace.
   * @default - the service's namespace
   */
  readonly gatewayNamespace?: string;
  /**
   * Hostnames of the HTTPRoute.
   * @default - all hostnames of the Gateway listener
   */
  readonly hostnames?: string[];
  /**
   * The Gateway's data plane (the proxies that forward requests to the pods), admitted by the service's
   * NetworkPolicy. Set it for implementations that run their proxies elsewhere (e.g. Envoy Gateway in its
   * controller's namespace) or outside the cluster (an IP block).
   * @default - pods labelled `gateway.networking.k8s.io/gateway-name: <gatewayName>` in `gatewayNamespace` (GEP-1762 in-cluster deployments)
   * @see https://gateway-api.sigs.k8s.io/geps/gep-1762/
   */
  readonly dataPlane?: NetworkPeer;
}

/**
 * How traffic is split between the stable and the new version. Without a router, Argo Rollouts splits by
 * replica count; with one, by weight, and header and mirror routes become possible.
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/traffic-management/
 */
export abstract class TrafficRouter {
  /**
   * An Istio VirtualService the rollout edits, splitting between the stable and canary Services (host-level).
   * Supports header routes and mirroring.
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/traffic-management/istio/
   */
  public static istio(props: IstioRouterOptions = {}): TrafficRouter {
    (props.hosts ?? []).forEach((h, i) => check(HOST.test(h), undefined, `TrafficRouter.istio.hosts[${i}]`, h,
      'must be a host name (optionally with a leading "*." wildcard), without scheme or port', "e.g. 'llm.example.com' or 'llm'"));
    (props.gateways ?? []).forEach((g, i) => check(g === 'mesh' || GATEWAY_REF.test(g), undefined, `TrafficRouter.istio.gateways[${i}]`, g,
      'must be "mesh", a Gateway name or "<namespace>/<name>"', "e.g. 'istio-ingress/public'"));
    return new IstioRouter(props);
  }

  /**
   * A Gateway API HTTPRoute edited through the Argo Rollouts Gateway API plugin (`argoproj-labs/gatewayAPI`,
   * which the controller must load). Supports header routes, not mirroring.
   * @see https://rollouts-plugin-trafficrouter-gatewayapi.readthedocs.io/
   */
  public static gatewayApi(props: GatewayApiRouterOptions): TrafficRouter {
    dns1123Subdomain(undefined, 'TrafficRouter.gatewayApi.gatewayName', props.gatewayName, "'public-gateway'");
    if (props.gatewayNamespace !== undefined) dns1123Label(undefined, 'TrafficRouter.gatewayApi.gatewayNamespace', props.gatewayNamespace, "'gateway-system'");
    // Gateway API hostnames: RFC 1123 names with an optional "*." prefix; no IP addresses, no ports.
    (props.hostnames ?? []).forEach((h, i) => check(HOST.test(h) && !/^[0-9.]+$/.test(h), undefined, `TrafficRouter.gatewayApi.hostnames[${i}]`, h,
      'must be a host name (optionally with a leading "*." wildcard), not an IP address, without scheme or port', "e.g. 'llm.example.com'"));
    return new GatewayApiRouter(props);
  }

  /**
   * The router's name, for messages.
   * @internal
   */
  public abstract readonly _name: string;
  /**
   * Whether the router supports `setMirrorRoute`.
   * @internal
   */
  public abstract readonly _supportsMirror: boolean;
  /**
   * Whether the router supports `setHeaderRoute`.
   * @internal
   */
  public abstract readonly _supportsHeaderRoutes: boolean;
  /**
   * The proxies that forward routed requests to the pods, which the service's NetworkPolicy admits.
   * @internal
   */
  public abstract readonly _dataPlane: NetworkPeer[];

  /**
   * Creates the routing object under `scope` and returns the rollout's `trafficRouting`.
   * @internal
   */
  public abstract _bind(scope: Construct, options: TrafficRouterBindOptions): RolloutSpecStrategyCanaryTrafficRouting;
}

/** The route both routers name, so Argo knows which one it shifts weights on. */
const PRIMARY_ROUTE = 'primary';

/** The reserved gateway name that binds a VirtualService to the sidecars. */
const MESH_GATEWAY = 'mesh';

deferFactoryChecks(TrafficRouter);

class IstioRouter extends TrafficRouter {
  public readonly _name = 'Istio';
  public readonly _supportsMirror = true;
  public readonly _supportsHeaderRoutes = true;
  public readonly _dataPlane: NetworkPeer[];

  constructor(private readonly props: IstioRouterOptions) {
    super();
    const ingress = (props.gateways ?? []).some(g => g !== MESH_GATEWAY);
    if (props.ingressGateway && !ingress) {
      throw propError(undefined, 'TrafficRouter.istio.ingressGateway', props.ingressGateway.toString(),
        'is set, but the VirtualService binds to no gateway, so no ingress gateway forwards its routes',
        'add the Gateway to gateways (e.g. \'istio-system/llm-gateway\'), or drop ingressGateway');
    }
    this._dataPlane = ingress
      ? [props.ingressGateway ?? NetworkPeer.pods({ namespace: 'istio-system', labels: { istio: 'ingressgateway' } })]
      : [];
  }

  public _bind(scope: Construct, o: TrafficRouterBindOptions): RolloutSpecStrategyCanaryTrafficRouting {
    const svc = o.service;
    // Plain JSON rather than the typed L1, which converts the whole spec again at synth: a fleet's cost.
    new ApiObject(scope, 'VirtualService', {
      ...VirtualService.GVK,
      metadata: svc.metadata(svc.name),
      spec: {
        hosts: this.props.hosts ?? [svc.name],
        gateways: this.props.gateways,
        http: [{
          name: PRIMARY_ROUTE,
          route: [
            { destination: { host: o.stableService, port: { number: svc.port } }, weight: 100 },
            { destination: { host: o.canaryService, port: { number: svc.port } }, weight: 0 },
          ],
        }],
      },
    });
    return {
      istio: { virtualService: { name: svc.name, routes: [PRIMARY_ROUTE] } },
      managedRoutes: managed(o.managedRoutes),
    };
  }
}

class GatewayApiRouter extends TrafficRouter {
  public readonly _name = 'Gateway API';
  public readonly _supportsMirror = false;
  public readonly _supportsHeaderRoutes = true;
  public readonly _dataPlane: NetworkPeer[];

  constructor(private readonly props: GatewayApiRouterOptions) {
    super();
    this._dataPlane = [props.dataPlane ?? NetworkPeer.pods({
      namespace: props.gatewayNamespace, labels: { 'gateway.networking.k8s.io/gateway-name': props.gatewayName },
    })];
  }

  public _bind(scope: Construct, o: TrafficRouterBindOptions): RolloutSpecStrategyCanaryTrafficRouting {
    const svc = o.service;
    new HttpRoute(scope, 'HTTPRoute', {
      metadata: svc.metadata(svc.name),
      spec: {
        parentRefs: [{ name: this.props.gatewayName, namespace: this.props.gatewayNamespace }],
        hostnames: this.props.hostnames,
        rules: [{
          backendRefs: [
            { name: o.stableService, port: svc.port, weight: 100 },
            { name: o.canaryService, port: svc.port, weight: 0 },
          ],
        }],
      },
    });
    return {
      plugins: { 'argoproj-labs/gatewayAPI': { httpRoute: svc.name, namespace: svc.namespace } },
      managedRoutes: managed(o.managedRoutes),
    };
  }
}

function managed(routes: string[]): { name: string }[] | undefined {
  return routes.length ? routes.map(name => ({ name })) : undefined;
}

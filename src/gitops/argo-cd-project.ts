import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkProjectProps } from './gitops-inputs';
import { checkDestinationNamespace } from './namespaces';
import { AppProject } from '../imports/appproject-argoproj.io';
import { isClusterScoped } from '../internal/cluster-scoped';
import { bindInputs, check } from '../internal/errors';
import { isDnsLabel } from '../internal/names';
import { annotationKey, dns1123Label, labelMap, url } from '../internal/validate';

/** A namespaced kind an AppProject admits (`namespaceResourceWhitelist` entry). */
export interface ResourceKind {
  /** API group (empty for the core group). */
  readonly group: string;
  /** The kind. */
  readonly kind: string;
}

/** A cluster-scoped kind an AppProject admits (`clusterResourceWhitelist` entry). */
export interface ClusterResource extends ResourceKind {
  /**
   * Only objects of this name (a glob).
   * @default - every object of the kind
   */
  readonly name?: string;
}

/** A cluster and namespace an AppProject lets its Applications deploy to. */
export interface ArgoCdDestination {
  /** The cluster's API server URL as registered in Argo CD. */
  readonly server: string;
  /** The namespace (no globs). */
  readonly namespace: string;
}

/** Something that knows, once the app is complete, which kinds of objects it holds. */
export interface IResourceKinds {
  /** The kinds of its objects, e.g. `{ group: 'argoproj.io', kind: 'Rollout' }`. */
  readonly resourceKinds: ResourceKind[];
}

/**
 * Properties of an ArgoCdProject.
 */
export interface ArgoCdProjectProps {
  /** The AppProject's name. */
  readonly name: string;
  /** The Git repositories its Applications may deploy from. */
  readonly sourceRepos: string[];
  /** The clusters and namespaces its Applications may deploy to. */
  readonly destinations: ArgoCdDestination[];
  /**
   * Namespace of the AppProject: Argo CD's own.
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * Human-readable description.
   * @default - none
   */
  readonly description?: string;
  /**
   * Cluster-scoped kinds its Applications may create (e.g. `{ group: '', kind: 'Namespace', name: 'llm' }` for
   * `CreateNamespace=true`, which Argo CD checks against this list too).
   * @default - none: no cluster-scoped object
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
   */
  readonly clusterResources?: ClusterResource[];
  /**
   * Namespaced kinds its Applications may create, besides those of `namespaceResourcesFrom`.
   * @default - none
   */
  readonly namespaceResources?: ResourceKind[];
  /**
   * Where more namespaced kinds come from, read when the app is synthesized (e.g. DeliveryEnvironment charts).
   * Without this and `namespaceResources`, every namespaced kind is admitted (Argo CD's default).
   * @default - none
   */
  readonly namespaceResourcesFrom?: IResourceKinds[];
  /**
   * Annotations of the AppProject (e.g. its sync wave when an app of apps applies it).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * Labels of the AppProject.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

/**
 * An Argo CD AppProject: what its Applications may deploy, from where, to where. `clusterResourceWhitelist` is empty
 * unless `clusterResources` asks for kinds, so no cluster-scoped object (ClusterRole, webhook, CRD, Namespace) can be
 * synced; the namespaced kinds are those the app holds. Destinations must be application namespaces: system
 * namespaces and Argo CD's own are refused.
 *
 * Child ids: `Resource` (the AppProject).
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
 */
export class ArgoCdProject extends Construct {
  /** The AppProject's name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ArgoCdProjectProps) {
    super(scope, id);
    bindInputs(this, props);
    this.name = props.name;
    const namespace = props.namespace ?? 'argocd';
    check(isDnsLabel(props.name) && props.name !== 'default', this, 'name', props.name,
      "must be a DNS label other than 'default' (Argo CD's project that admits every repository, cluster and kind)", "e.g. name: 'llama-70b'");
    checkProjectProps(this, props);
    check(props.sourceRepos.length > 0, this, 'sourceRepos', props.sourceRepos, 'is empty, so no Application of the project could sync', 'give the Git repository the manifests are committed to');
    check(props.destinations.length > 0, this, 'destinations', props.destinations, 'is empty, so no Application of the project could sync', 'give the namespaces the Applications deploy to');
    dns1123Label(this, 'namespace', namespace, "'argocd'");
    props.destinations.forEach((d, i) => {
      url(this, `destinations[${i}].server`, d.server, ['https'], "'https://kubernetes.default.svc'");
      checkDestinationNamespace(this, `destinations[${i}].namespace`, d.namespace, namespace);
    });
    labelMap(this, 'labels', props.labels);
    Object.keys(props.annotations ?? {}).forEach(k => annotationKey(this, 'annotations key', k));
    const fromApp = props.namespaceResourcesFrom ?? [];
    const cluster = props.clusterResources ?? [];
    const clusterKinds = new Set(cluster.map(c => `${c.group}/${c.kind}`));

    this.node.addValidation({
      validate: () => fromApp.flatMap(from => from.resourceKinds)
        .filter(k => isClusterScoped(k.group, k.kind) && !clusterKinds.has(`${k.group}/${k.kind}`))
        .map(k => `[${this.node.path}] clusterResources: ${k.kind} is cluster-scoped, which the project does not admit, so Argo CD would refuse the sync (got ${JSON.stringify(cluster)}). `
          + `Fix: remove the ${k.kind}, or add { group: '${k.group}', kind: '${k.kind}' } to clusterResources if the Applications must own it.`),
    });

    new ApiObject(this, 'Resource', {
      ...AppProject.GVK,
      metadata: { name: props.name, namespace, labels: props.labels, annotations: props.annotations },
      spec: {
        description: props.description,
        sourceRepos: [...new Set(props.sourceRepos)],
        destinations: unique(props.destinations.map(d => ({ server: d.server, namespace: d.namespace }))),
        // Explicitly empty: Argo CD admits no cluster-scoped kind unless it is listed.
        clusterResourceWhitelist: unique(cluster.map(c => ({ group: c.group, kind: c.kind, name: c.name }))),
        // A missing list admits every namespaced kind; an empty one none.
        namespaceResourceWhitelist: Lazy.any({
          produce: () => {
            if (!props.namespaceResources && !props.namespaceResourcesFrom) return undefined;
            const kinds = [...props.namespaceResources ?? [], ...fromApp.flatMap(from => from.resourceKinds)]
              .filter(k => !isClusterScoped(k.group, k.kind))
              .map(k => ({ group: k.group, kind: k.kind }));
            return unique(kinds).sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind));
          },
        }),
      },
    });
  }
}

function unique<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter(i => !seen.has(JSON.stringify(i)) && !!seen.add(JSON.stringify(i)));
}

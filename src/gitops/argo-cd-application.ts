import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { checkApplicationProps, checkIgnoreDifference } from './argo-cd-application-inputs';
import { Application } from '../imports/application-argoproj.io';
import { shortDuration, wholeSeconds } from '../internal/duration';
import { bindInputs, check } from '../internal/errors';
import { isDnsLabel } from '../internal/names';
import { NotificationSubscription, subscriptionAnnotations } from '../notifications/notification-subscription';
import { NotifiedObject } from '../notifications/notification-trigger';

/** A field Argo CD must not report as drift (a controller owns it). */
export interface IgnoreDifference {
  /** API group of the kind (empty for the core group). */
  readonly group: string;
  /** The kind. */
  readonly kind: string;
  /**
   * Only the object of this name.
   * @default - every object of the kind
   */
  readonly name?: string;
  /**
   * JSON pointers to ignore, e.g. `/spec/replicas`.
   * @default - none
   */
  readonly jsonPointers?: string[];
  /**
   * jq path expressions to ignore, e.g. `.spec.http[].route[].weight`.
   * @default - none
   */
  readonly jqPathExpressions?: string[];
}

/** Something that knows, once the app is complete, which fields its controllers own. */
export interface IIgnoreDifferences {
  /** The fields Argo CD must not report as drift. */
  readonly ignoreDifferences: IgnoreDifference[];
}

/**
 * Properties of an ArgoCdApplication.
 */
export interface ArgoCdApplicationProps {
  /** The Application's name. */
  readonly name: string;
  /** The Git repository: `https://...`, `ssh://...` or `git@host:org/repo.git`. */
  readonly repoUrl: string;
  /** Directory of the synthesized manifests in the repository, relative to its root. */
  readonly path: string;
  /** Namespace the manifests are applied to. */
  readonly destinationNamespace: string;
  /**
   * Branch, tag or commit to deploy.
   * @default 'HEAD'
   */
  readonly targetRevision?: string;
  /**
   * The cluster's API server URL as registered in Argo CD.
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
   */
  readonly destinationServer?: string;
  /**
   * Namespace Argo CD watches for Applications.
   * @default 'argocd'
   */
  readonly namespace?: string;
  /**
   * The Argo CD project (an ArgoCdProject's `name`). Argo CD's `default` project admits every repository, cluster,
   * namespace and kind, so it is refused.
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
   */
  readonly project: string;
  /**
   * Sync automatically when Git changes (with self-heal and prune). Off means a person starts each sync.
   * @default true
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/auto_sync/
   */
  readonly autoSync?: boolean;
  /**
   * Delete the Application's objects with it (the `resources-finalizer.argocd.argoproj.io` finalizer). With it,
   * deleting or renaming the Application (e.g. renaming a pipeline) deletes the running workload; without it, the
   * objects stay and a new Application of the same manifests adopts them.
   * @default false
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/app_deletion/
   */
  readonly cascadeDelete?: boolean;
  /**
   * Let Argo CD create the destination namespace (before the PreSync hooks). The Application's project must then
   * admit the Namespace in its `clusterResourceWhitelist`. Namespaces of GPU workloads usually carry quotas and
   * Pod Security labels set by the platform, so this is off.
   * @default false
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#create-namespace
   */
  readonly createNamespace?: boolean;
  /**
   * Sync attempts after a failed one. A failing validation hook fails each attempt again, so keep it small.
   * @default 2
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/
   */
  readonly retryLimit?: number;
  /**
   * First retry delay; it doubles each attempt up to 10 minutes.
   * @default Duration.minutes(1)
   */
  readonly retryBackoff?: Duration;
  /**
   * Where more ignored differences come from, read when the app is synthesized (e.g. a DeliveryEnvironment).
   * @default - only those added with addIgnoreDifference
   */
  readonly ignoreDifferencesFrom?: IIgnoreDifferences;
  /**
   * Labels of the Application.
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Annotations of the Application.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
  /**
   * Who is told about the Application's events (Argo CD triggers such as `on-sync-failed`), rendered as
   * `notifications.argoproj.io/subscribe.<trigger>.<service>` annotations.
   * @default - no subscriptions
   * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/notifications/
   */
  readonly notifications?: NotificationSubscription[];
}

/**
 * An Argo CD Application syncing one directory of synthesized manifests into one namespace, with sync options
 * that fit a gated rollout:
 * - `ServerSideApply=true`: a Rollout's pod template easily exceeds the 256 KiB last-applied annotation of client-side apply;
 * - `PruneLast=true`: old objects go only after the new ones are healthy;
 * - `RespectIgnoreDifferences=true`: a sync leaves the fields Argo Rollouts and autoscalers own alone (traffic
 *   weights, replicas); add them with `addIgnoreDifference`;
 * - a small retry with backoff, because a failing validation hook fails every attempt.
 * With `cascadeDelete` the `resources-finalizer.argocd.argoproj.io` finalizer deletes the app's objects with the
 * Application; without it (the default) deleting the Application leaves the workload running.
 *
 * Child ids: `Resource` (the Application).
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/application-specification/
 */
export class ArgoCdApplication extends Construct {
  /** The Application's name. */
  public readonly name: string;
  private readonly ignored: IgnoreDifference[] = [];

  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    bindInputs(this, props);
    this.name = props.name;
    check(isDnsLabel(props.name), this, 'name', props.name, 'must be a DNS label', 'use lowercase letters, digits and -');
    checkRepoUrl(this, props.repoUrl);
    checkRepoPath(this, props.path);
    checkApplicationProps(this, props);
    check(isDnsLabel(props.project ?? '') && props.project !== 'default', this, 'project', props.project,
      "must name an AppProject other than 'default', which admits every repository, cluster, namespace and kind",
      'create an ArgoCdProject for the Application (a ModelDeliveryPipeline generates one)');
    const retryLimit = props.retryLimit ?? 2;
    check(Number.isInteger(retryLimit) && retryLimit >= 0, this, 'retryLimit', retryLimit, 'must be a whole number >= 0', 'e.g. retryLimit: 2');
    const backoff = props.retryBackoff ?? Duration.minutes(1);
    wholeSeconds(this, 'retryBackoff', backoff, 1);
    const autoSync = props.autoSync ?? true;

    new ApiObject(this, 'Resource', {
      ...Application.GVK,
      metadata: {
        name: props.name,
        namespace: props.namespace ?? 'argocd',
        labels: props.labels,
        annotations: { ...props.annotations, ...subscriptionAnnotations(this, 'notifications', NotifiedObject.APPLICATION, props.notifications ?? []) },
        finalizers: props.cascadeDelete ? ['resources-finalizer.argocd.argoproj.io'] : undefined,
      },
      spec: {
        project: props.project,
        source: { repoURL: props.repoUrl, targetRevision: props.targetRevision ?? 'HEAD', path: props.path },
        destination: { server: props.destinationServer ?? 'https://kubernetes.default.svc', namespace: props.destinationNamespace },
        syncPolicy: {
          automated: autoSync ? { prune: true, selfHeal: true } : undefined,
          syncOptions: [
            'ServerSideApply=true',
            'PruneLast=true',
            'RespectIgnoreDifferences=true',
            ...(props.createNamespace ? ['CreateNamespace=true'] : []),
          ],
          retry: { limit: retryLimit, backoff: { duration: shortDuration(this, 'retryBackoff', backoff), factor: 2, maxDuration: '10m' } },
        },
        ignoreDifferences: Lazy.any({
          produce: () => {
            const all = [...this.ignored, ...props.ignoreDifferencesFrom?.ignoreDifferences ?? []];
            return all.length ? all : undefined;
          },
        }),
      },
    });
  }

  /** Tells Argo CD to ignore a field a controller owns. */
  public addIgnoreDifference(difference: IgnoreDifference): void {
    checkIgnoreDifference(this, difference);
    this.ignored.push(difference);
  }
}

const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s/][^\s]*$/;

function checkRepoUrl(scope: Construct, url: string): void {
  let ok = SCP_LIKE.test(url ?? '');
  if (!ok) {
    try {
      const u = new URL(url);
      ok = ['https:', 'ssh:'].includes(u.protocol) && u.hostname.length > 0 && u.pathname.length > 1 && !/\s/.test(url);
    } catch {
      ok = false;
    }
  }
  check(ok, scope, 'repoUrl', url, 'is not a Git URL Argo CD can clone', 'use https://host/org/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git');
}

function checkRepoPath(scope: Construct, path: string): void {
  const segments = (path ?? '').split('/');
  const ok = !!path && !path.startsWith('/') && !path.includes('\\') && !/\s/.test(path) && !segments.includes('..');
  check(ok, scope, 'path', path, 'must be a directory relative to the repository root, without .. or a leading /', "e.g. path: 'deploy/llama-70b'");
}

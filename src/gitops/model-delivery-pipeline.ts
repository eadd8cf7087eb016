import { App, Chart, YamlOutputType } from 'cdk8s';
import { ArgoCdApplication } from './argo-cd-application';
import { ArgoCdProject, ClusterResource } from './argo-cd-project';
import { DeliveryEnvironment } from './delivery-environment';
import { checkDestinationNamespace } from './namespaces';
import { CanaryStep } from '../delivery/canary-step';
import { UpdateStage } from '../delivery/staged-group-update';
import { TrafficRouter } from '../delivery/traffic-router';
import { Gate } from '../gates/gate';
import { bindInputs, check } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { isDnsLabel } from '../internal/names';
import { PrometheusSettingsProps } from '../metrics/prometheus-settings';
import { NotificationSubscription, subscriptionsFor } from '../notifications/notification-subscription';
import { NotifiedObject } from '../notifications/notification-trigger';
import { GpuModelServiceProps } from '../serving/gpu-model-service-props';
import { lineageAnnotations, lineageLabels } from '../serving/lineage-labels';
import { NetworkPeer } from '../serving/network-policy';
import { ValidationCheck } from '../validation/validation-check';
import { ValidationOptions } from '../validation/validation-options';
import { ValidationTarget } from '../validation/validation-target';

/** What differs between environments: namespace, scale, steps and thresholds. */
export interface PipelineEnvironmentOptions {
  /** Namespace of the environment's objects. */
  readonly namespace: string;
  /**
   * Replicas.
   * @default - the service's replicas
   */
  readonly replicas?: number;
  /**
   * The canary steps after the validation gate, with this environment's gate thresholds (for a multi-node service,
   * analysis steps whose gates measure the canary groups).
   */
  readonly steps: CanaryStep[];
  /**
   * The stage of this environment's staged update, for a multi-node service (see DeliveryEnvironment): each
   * environment moves its groups by its own commits, e.g. staging `full` while production runs a canary group.
   * @default UpdateStage.full()
   * @see https://github.com/kubernetes-sigs/lws/blob/main/docs/examples/sample/README.md#rollout-strategy
   */
  readonly stagedUpdateStage?: UpdateStage;
  /**
   * Gates analysed during the whole update.
   * @default - none
   */
  readonly backgroundAnalysis?: Gate[];
  /**
   * GPU budget of an update.
   * @default - no budget
   */
  readonly gpuBudget?: number;
  /**
   * The Prometheus this environment's gates query.
   * @default - PrometheusSettings defaults
   */
  readonly prometheus?: PrometheusSettingsProps;
  /**
   * This environment's validation checks (other thresholds than the pipeline's).
   * @default - the pipeline's validation checks
   */
  readonly validationChecks?: ValidationCheck[];
  /**
   * The cluster, as registered in Argo CD.
   * @default 'https://kubernetes.default.svc'
   */
  readonly destinationServer?: string;
  /**
   * Sync automatically.
   * @default - true for staging, false for production (a person promotes)
   */
  readonly autoSync?: boolean;
  /**
   * Delete the environment's objects with its Application (the `resources-finalizer.argocd.argoproj.io` finalizer).
   * Renaming the pipeline deletes its Applications, so with this on it deletes the running workload too.
   * @default - true for staging, false for production (its workload outlives its Application)
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/app_deletion/
   */
  readonly cascadeDelete?: boolean;
  /**
   * Let Argo CD create the namespace (before the PreSync hooks); the pipeline's AppProject then admits this one
   * Namespace. Off, the platform creates it (with its quotas and Pod Security labels).
   * @default false
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#create-namespace
   */
  readonly createNamespace?: boolean;
  /**
   * Why this environment accepts images pinned by tag only (production refuses them otherwise); recorded as the
   * annotation `mlops.cdk8s.io/image-digest-waiver` on every object of the environment.
   * @default - no waiver
   */
  readonly imageDigestWaiver?: string;
  /**
   * Who is told about this environment's events, besides the pipeline's `notifications`: Argo Rollouts triggers
   * subscribe its Rollout, Argo CD triggers its Application.
   * @default - only the pipeline's notifications
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/notifications/
   */
  readonly notifications?: NotificationSubscription[];
}

/** Where the synthesized app is committed, for Argo CD. */
export interface GitOpsOptions {
  /** The Git repository Argo CD clones. */
  readonly repoUrl: string;
  /** The directory the cdk8s app is synthesized into, relative to the repository root (its `outdir`). */
  readonly path: string;
  /**
   * Branch, tag or commit.
   * @default 'HEAD'
   */
  readonly targetRevision?: string;
  /**
   * Namespace of the Applications.
   * @default 'argocd'
   */
  readonly argoCdNamespace?: string;
  /**
   * An existing Argo CD project for the Applications, instead of the generated one (never `default`, which admits
   * every repository, cluster, namespace and kind).
   * @default - an AppProject named like the pipeline, generated with it
   * @see https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
   */
  readonly project?: string;
  /**
   * Cluster-scoped kinds the generated AppProject admits (e.g. a ClusterRole you add to an environment chart).
   * @default - none, besides the Namespaces of `createNamespace`
   */
  readonly clusterResources?: ClusterResource[];
}

/**
 * Properties of a ModelDeliveryPipeline.
 */
export interface ModelDeliveryPipelineProps {
  /** The model service, the same in both environments (model version, runtime, GPUs, parallelism). */
  readonly service: GpuModelServiceProps;
  /** Routes traffic between versions. */
  readonly trafficRouter: TrafficRouter;
  /**
   * The validation every environment runs before traffic, and production's PreSync hook runs against staging.
   * @default - none: then `validationWaiver` is required
   */
  readonly validation?: ValidationOptions;
  /**
   * Why this version ships without validation; recorded on every object and Application.
   * @default - no waiver
   */
  readonly validationWaiver?: string;
  /** Staging. */
  readonly staging: PipelineEnvironmentOptions;
  /** Production. */
  readonly production: PipelineEnvironmentOptions;
  /** Where Argo CD finds the synthesized manifests. */
  readonly gitOps: GitOpsOptions;
  /**
   * Who is told about the events of both environments: Argo Rollouts triggers (`on-rollout-aborted`,
   * `on-analysis-run-failed`, `on-rollout-completed`…) subscribe the Rollouts, Argo CD triggers (`on-sync-failed`,
   * `on-health-degraded`, `on-deployed`…) the Applications.
   * @default - no subscriptions
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/notifications/
   * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/notifications/catalog/
   */
  readonly notifications?: NotificationSubscription[];
}

/**
 * One model version from staging to production: two DeliveryEnvironment charts with the same GPU configuration
 * (different namespace, scale and thresholds), each with a ValidationJob gate before any traffic, plus this chart with
 * one Argo CD Application per environment. Production is only generated as promotable behind validation: its
 * PreSync hook re-runs the validation against staging's Service (or in-process on production's GPUs when staging
 * is another cluster), so a failing gate stops the production sync; without validation a `validationWaiver` is required.
 *
 * The environments are charts of the app named `<id>-staging` and `<id>-production`; with
 * `YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE` (required) each synthesizes into its own directory, which
 * its Application points at. This chart holds the Applications (namespace `argocd`), in directory `<id>`.
 *
 * Child ids: `Staging`, `Production` (ArgoCdApplications).
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 */
export class ModelDeliveryPipeline extends Chart {
  /** The staging environment. */
  public readonly staging: DeliveryEnvironment;
  /** The production environment. */
  public readonly production: DeliveryEnvironment;
  /** The staging Application. */
  public readonly stagingApplication: ArgoCdApplication;
  /** The production Application. */
  public readonly productionApplication: ArgoCdApplication;
  /** The generated AppProject, unless `gitOps.project` names an existing one. */
  public readonly project?: ArgoCdProject;

  constructor(scope: App, id: string, props: ModelDeliveryPipelineProps) {
    const argoNamespace = props.gitOps.argoCdNamespace ?? 'argocd';
    super(scope, id, { namespace: argoNamespace });
    bindInputs(this, props);
    check(isDnsLabel(id) && id.length <= 50, this, 'id', id, 'names the output directories and Applications, so it must be a DNS label of at most 50 characters',
      "e.g. new ModelDeliveryPipeline(app, 'llama-70b', ...)");
    check(scope instanceof App, this, 'scope', scope.node.path, 'must be the App: each environment is a chart of the app with its own directory', 'create the pipeline directly in the App');
    checkDestinationNamespace(this, 'staging.namespace', props.staging.namespace, argoNamespace);
    checkDestinationNamespace(this, 'production.namespace', props.production.namespace, argoNamespace);
    const sameCluster = (props.staging.destinationServer ?? IN_CLUSTER) === (props.production.destinationServer ?? IN_CLUSTER);
    check(!sameCluster || props.staging.namespace !== props.production.namespace, this, 'production.namespace', props.production.namespace,
      "is staging's namespace on the same cluster: two Applications would own the same objects, and staging's automatic sync would prune and overwrite production",
      'give each environment its own namespace, e.g. llm-staging and llm');
    const waiver = props.validationWaiver?.trim() || undefined;
    const validationFor = (env: PipelineEnvironmentOptions): ValidationOptions | undefined =>
      props.validation && { ...props.validation, checks: env.validationChecks ?? props.validation.checks };
    const shared = { service: props.service, trafficRouter: props.trafficRouter, validationWaiver: waiver };
    const notified = (env: PipelineEnvironmentOptions, object: NotifiedObject) =>
      subscriptionsFor(object, [...props.notifications ?? [], ...env.notifications ?? []]);

    this.staging = new DeliveryEnvironment(scope, `${id}-staging`, {
      ...shared,
      ...props.staging,
      environment: 'staging',
      validation: validationFor(props.staging),
      notifications: notified(props.staging, NotifiedObject.ROLLOUT),
      // Production's PreSync hook pods call staging's Service; the hook exists only once production is built.
      clients: sameCluster ? [NetworkPeer._deferred(() => this.production.preSyncValidation?.evaluatorPeer)] : undefined,
    });
    const stagingUrl = `http://${this.staging.service.name}.${props.staging.namespace}.svc:${this.staging.service.port}`;
    const loadable = this.staging.service.modelCacheClaimName === undefined && this.staging.service.nodesPerReplica === 1;
    this.production = new DeliveryEnvironment(scope, `${id}-production`, {
      ...shared,
      ...props.production,
      environment: 'production',
      validation: validationFor(props.production),
      notifications: notified(props.production, NotifiedObject.ROLLOUT),
      // In process, a PreSync hook would load the model before the Sync phase fills a shared cache, and cannot load one
      // spanning nodes: then production is validated by its canary's validation only.
      preSyncValidation: sameCluster ? ValidationTarget.url(stagingUrl) : loadable ? ValidationTarget.inProcess() : undefined,
    });

    // Both environments serve the same model version: one lineage for the pipeline's objects.
    const labels = lineageLabels(this.staging.service.lineage);
    const annotations = { ...lineageAnnotations(this.staging.service.lineage), ...(waiver ? { [`${DOMAIN}/validation-waiver`]: waiver } : {}) };
    const environments: Array<[DeliveryEnvironment, PipelineEnvironmentOptions]> = [
      [this.staging, props.staging], [this.production, props.production],
    ];
    if (props.gitOps.project === undefined) {
      this.project = new ArgoCdProject(this, 'Project', {
        name: id,
        namespace: argoNamespace,
        description: `Model delivery pipeline ${id}: staging ${props.staging.namespace}, production ${props.production.namespace}`,
        sourceRepos: [props.gitOps.repoUrl],
        destinations: environments.map(([, o]) => ({ server: o.destinationServer ?? IN_CLUSTER, namespace: o.namespace })),
        namespaceResourcesFrom: [this.staging, this.production],
        clusterResources: [
          ...environments.filter(([, o]) => o.createNamespace).map(([, o]) => ({ group: '', kind: 'Namespace', name: o.namespace })),
          ...props.gitOps.clusterResources ?? [],
        ],
        labels,
        // An app of apps applies the project before the Applications that name it.
        annotations: { ...annotations, 'argocd.argoproj.io/sync-wave': '-1' },
      });
    }
    const project = this.project?.name ?? props.gitOps.project!;
    const application = (appId: string, env: DeliveryEnvironment, options: PipelineEnvironmentOptions, staging: boolean) =>
      new ArgoCdApplication(this, appId, {
        name: env.node.id,
        repoUrl: props.gitOps.repoUrl,
        path: `${props.gitOps.path.replace(/\/+$/, '')}/${env.node.id}`,
        targetRevision: props.gitOps.targetRevision,
        project,
        namespace: this.namespace,
        destinationNamespace: options.namespace,
        destinationServer: options.destinationServer,
        autoSync: options.autoSync ?? staging,
        cascadeDelete: options.cascadeDelete ?? staging,
        createNamespace: options.createNamespace,
        ignoreDifferencesFrom: env,
        labels: { ...labels, [`${DOMAIN}/environment`]: env.environment },
        annotations: env.imageDigestWaiver ? { ...annotations, [`${DOMAIN}/image-digest-waiver`]: env.imageDigestWaiver } : annotations,
        notifications: notified(options, NotifiedObject.APPLICATION),
      });
    this.stagingApplication = application('Staging', this.staging, props.staging, true);
    this.productionApplication = application('Production', this.production, props.production, false);
    this.node.addValidation({
      validate: () => App.of(this).yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE ? [] : [
        `yamlOutputType: the Applications point at one directory per environment, which only YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE writes (got ${YamlOutputType[App.of(this).yamlOutputType]}). Fix: new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE }).`,
      ],
    });
  }
}

const IN_CLUSTER = 'https://kubernetes.default.svc';

import { App, Chart, YamlOutputType } from 'cdk8s';
import { ArgoCdApplication } from './argo-cd-application';
import { DeliveryEnvironment } from './delivery-environment';
import { CanaryStep } from '../delivery/canary-step';
import { TrafficRouter } from '../delivery/traffic-router';
import { Gate } from '../gates/gate';
import { PrometheusSettingsProps } from '../gates/prometheus-settings';
import { bindInputs, check } from '../internal/errors';
import { DOMAIN, lineageAnnotations, lineageLabels } from '../internal/labels';
import { isDnsLabel } from '../internal/names';
import { GpuModelServiceProps } from '../serving/gpu-model-service';
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
  /** The canary steps after the validation gate, with this environment's gate thresholds. */
  readonly steps: CanaryStep[];
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
   * Argo CD project.
   * @default 'default'
   */
  readonly project?: string;
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

  constructor(scope: App, id: string, props: ModelDeliveryPipelineProps) {
    const argoNamespace = props.gitOps.argoCdNamespace ?? 'argocd';
    super(scope, id, { namespace: argoNamespace });
    bindInputs(this, props);
    check(isDnsLabel(id) && id.length <= 50, this, 'id', id, 'names the output directories and Applications, so it must be a DNS label of at most 50 characters',
      "e.g. new ModelDeliveryPipeline(app, 'llama-70b', ...)");
    check(scope instanceof App, this, 'scope', scope.node.path, 'must be the App: each environment is a chart of the app with its own directory', 'create the pipeline directly in the App');
    const waiver = props.validationWaiver?.trim() || undefined;
    const validationFor = (env: PipelineEnvironmentOptions): ValidationOptions | undefined =>
      props.validation && { ...props.validation, checks: env.validationChecks ?? props.validation.checks };
    const shared = { service: props.service, trafficRouter: props.trafficRouter, validationWaiver: waiver };

    this.staging = new DeliveryEnvironment(scope, `${id}-staging`, {
      ...shared,
      ...props.staging,
      environment: 'staging',
      validation: validationFor(props.staging),
      // Production's PreSync hook calls staging's Service.
      allowFromNamespaces: props.production.namespace !== props.staging.namespace ? [props.production.namespace] : undefined,
    });
    const sameCluster = (props.staging.destinationServer ?? IN_CLUSTER) === (props.production.destinationServer ?? IN_CLUSTER);
    const stagingUrl = `http://${this.staging.service.name}.${props.staging.namespace}.svc:${this.staging.service.port}`;
    this.production = new DeliveryEnvironment(scope, `${id}-production`, {
      ...shared,
      ...props.production,
      environment: 'production',
      validation: validationFor(props.production),
      preSyncValidation: sameCluster ? ValidationTarget.url(stagingUrl) : ValidationTarget.inProcess(),
    });

    this.stagingApplication = this.application('Staging', this.staging, props, props.staging, true, waiver);
    this.productionApplication = this.application('Production', this.production, props, props.production, false, waiver);
    this.node.addValidation({
      validate: () => App.of(this).yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE ? [] : [
        `yamlOutputType: the Applications point at one directory per environment, which only YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE writes (got ${YamlOutputType[App.of(this).yamlOutputType]}). Fix: new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE }).`,
      ],
    });
  }

  private application(id: string, env: DeliveryEnvironment, props: ModelDeliveryPipelineProps, options: PipelineEnvironmentOptions,
    autoSyncDefault: boolean, waiver: string | undefined): ArgoCdApplication {
    const lineage = env.service.lineage;
    return new ArgoCdApplication(this, id, {
      name: env.node.id,
      repoUrl: props.gitOps.repoUrl,
      path: `${props.gitOps.path.replace(/\/+$/, '')}/${env.node.id}`,
      targetRevision: props.gitOps.targetRevision,
      project: props.gitOps.project,
      namespace: this.namespace,
      destinationNamespace: options.namespace,
      destinationServer: options.destinationServer,
      autoSync: options.autoSync ?? autoSyncDefault,
      ignoreDifferencesFrom: env,
      labels: { ...lineageLabels(lineage), [`${DOMAIN}/environment`]: env.environment },
      annotations: { ...lineageAnnotations(lineage), ...(waiver ? { [`${DOMAIN}/validation-waiver`]: waiver } : {}) },
    });
  }
}

const IN_CLUSTER = 'https://kubernetes.default.svc';

import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { IgnoreDifference, IIgnoreDifferences } from './argo-cd-application';
import { IResourceKinds, ResourceKind } from './argo-cd-project';
import { checkEnvironmentProps } from './gitops-inputs';
import { SyncWave } from './sync-wave';
import { ValidationHook } from './validation-hook';
import { CanaryRollout } from '../delivery/canary-rollout';
import { CanaryStep } from '../delivery/canary-step';
import { TrafficRouter } from '../delivery/traffic-router';
import { Gate } from '../gates/gate';
import { bindInputs, propError } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { checkImageDigest } from '../internal/security';
import { PrometheusSettings, PrometheusSettingsProps } from '../metrics/prometheus-settings';
import { NotificationSubscription } from '../notifications/notification-subscription';
import { GpuModelService, GpuModelServiceProps } from '../serving/gpu-model-service';
import { NetworkPeer, withClients } from '../serving/network-policy';
import { ValidationJob } from '../validation/validation-job';
import { ValidationOptions } from '../validation/validation-options';
import { ValidationTarget } from '../validation/validation-target';

const HOOK = 'argocd.argoproj.io/hook';
const WAVE = 'argocd.argoproj.io/sync-wave';
/** The label the Grafana dashboard sidecar discovers ConfigMaps by. */
const DASHBOARD_LABEL = 'grafana_dashboard';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Rollout', 'LeaderWorkerSet']);
/** A shared model cache's claim and fill Job (the only plain Jobs and claims of an environment). */
const MODEL_CACHE_KINDS = new Set(['PersistentVolumeClaim', 'Job']);
const MONITORING_KINDS = new Set(['PodMonitor', 'ServiceMonitor', 'PrometheusRule', 'ScaledObject', 'HorizontalPodAutoscaler']);

/**
 * Properties of a DeliveryEnvironment.
 */
export interface DeliveryEnvironmentProps {
  /** The environment's name, e.g. `staging`. */
  readonly environment: string;
  /** The service, as in every environment; the environment sets its namespace and replicas. */
  readonly service: GpuModelServiceProps;
  /** Namespace of every object. */
  readonly namespace: string;
  /**
   * Replicas in this environment.
   * @default - the service's replicas
   */
  readonly replicas?: number;
  /** Routes traffic between the versions; the canary runs a validation before any traffic. */
  readonly trafficRouter: TrafficRouter;
  /** The steps after the validation gate, e.g. weights with gate analyses. */
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
   * Shrink the stable version as the new one takes traffic.
   * @default true
   */
  readonly dynamicStableScale?: boolean;
  /**
   * The validation run on the candidate before it gets traffic; required unless `validationWaiver` says why not.
   * @default - none
   */
  readonly validation?: ValidationOptions;
  /**
   * Why this environment ships without a validation gate; recorded as the annotation
   * `mlops.cdk8s.io/validation-waiver` on every object.
   * @default - no waiver: a validation is required
   */
  readonly validationWaiver?: string;
  /**
   * Refuse images pinned by tag only (server, model downloader, evaluator): what runs here must be the exact build
   * that passed validation, and only a digest guarantees that.
   * @default - true when `environment` is 'production'
   */
  readonly requireImageDigests?: boolean;
  /**
   * Why this environment accepts images pinned by tag only; recorded as the annotation
   * `mlops.cdk8s.io/image-digest-waiver` on every object.
   * @default - no waiver: digests are required where `requireImageDigests` is true
   */
  readonly imageDigestWaiver?: string;
  /**
   * Also validate in an Argo CD PreSync hook, against this target, before the sync applies anything.
   * @default - no hook
   */
  readonly preSyncValidation?: ValidationTarget;
  /**
   * The Prometheus the gates query in this environment.
   * @default - PrometheusSettings defaults
   */
  readonly prometheus?: PrometheusSettingsProps;
  /**
   * Clients allowed to call the service on top of its `networkPolicy.clients`, e.g. production's PreSync hook
   * that validates staging.
   * @default - none
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
   */
  readonly clients?: NetworkPeer[];
  /**
   * Who is told about the rollout's events (Argo Rollouts triggers only: this chart has no Application).
   * @default - no subscriptions
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/notifications/
   */
  readonly notifications?: NotificationSubscription[];
}

/**
 * One environment of a model version in its own chart (one output directory, one Argo CD Application):
 * the GpuModelService, a CanaryRollout whose first steps bring up one canary pod and run the ValidationJob on it
 * before any traffic, an optional PreSync ValidationHook, and Argo CD sync waves on every object
 * (config, validation hook, workload, monitoring), assigned by kind when the app is synthesized to
 * objects that have none. Add monitoring to the chart like to any other.
 *
 * Child ids: `Service`, `Validation`, `PreSyncValidation`, `Rollout`.
 */
export class DeliveryEnvironment extends Chart implements IIgnoreDifferences, IResourceKinds {
  /** The environment's name. */
  public readonly environment: string;
  /** The model service. */
  public readonly service: GpuModelService;
  /** The canary rollout. */
  public readonly rollout: CanaryRollout;
  /** The validation gate, unless waived. */
  public readonly validation?: ValidationJob;
  /** The PreSync validation hook, when asked for. */
  public readonly preSyncValidation?: ValidationHook;
  /** Why the environment has no validation gate, when waived. */
  public readonly validationWaiver?: string;
  /** Why the environment accepts images pinned by tag only, when waived. */
  public readonly imageDigestWaiver?: string;
  private readonly managedRoutes: boolean;

  constructor(scope: Construct, id: string, props: DeliveryEnvironmentProps) {
    super(scope, id, { namespace: props.namespace });
    bindInputs(this, props);
    checkEnvironmentProps(this, props);
    this.environment = props.environment;
    this.validationWaiver = props.validationWaiver;
    if (!props.validation && !props.validationWaiver?.trim()) {
      throw propError(this, 'validation', undefined, `${props.environment} has no validation gate`,
        'pass validation (an evaluator image, dataset and checks), or set validationWaiver to the reason it ships unvalidated; the reason is recorded on every object.');
    }
    if (props.prometheus) PrometheusSettings.configure(this, props.prometheus);
    const base = props.service;
    this.service = new GpuModelService(this, 'Service', {
      ...base,
      namespace: props.namespace,
      replicas: props.replicas ?? base.replicas,
      networkPolicy: withClients(base.networkPolicy, props.clients ?? []),
    });
    this.imageDigestWaiver = props.imageDigestWaiver?.trim() || undefined;
    if ((props.requireImageDigests ?? props.environment === 'production') && !this.imageDigestWaiver) {
      const pod = this.service.podTemplate.spec!;
      // The server first: the downloader often reuses its image, and the runtime image is the prop to change then.
      for (const c of pod.containers) checkImageDigest(this, 'service.runtime.image', c.image, 'imageDigestWaiver');
      for (const c of pod.initContainers ?? []) checkImageDigest(this, 'service.model.downloaderImage', c.image, 'imageDigestWaiver');
      if (props.validation) checkImageDigest(this, 'validation.image', props.validation.image, 'imageDigestWaiver');
    }
    let gate: CanaryStep[] = [];
    if (props.validation) {
      this.validation = new ValidationJob(this, 'Validation', { ...props.validation, service: this.service });
      gate = CanaryStep.validateBeforeTraffic(this.validation);
      if (props.preSyncValidation) {
        this.preSyncValidation = new ValidationHook(this, 'PreSyncValidation', { ...props.validation, service: this.service, target: props.preSyncValidation });
      }
    }
    this.managedRoutes = props.steps.some(s => s.options.headerRoute || s.options.mirrorRoute);
    this.rollout = new CanaryRollout(this, 'Rollout', {
      service: this.service,
      trafficRouter: props.trafficRouter,
      dynamicStableScale: props.dynamicStableScale ?? true,
      gpuBudget: props.gpuBudget,
      steps: [...gate, ...props.steps],
      backgroundAnalysis: props.backgroundAnalysis,
      notifications: props.notifications,
    });
    // Objects added after this constructor (monitoring) need waves too, so they are assigned once the tree is complete.
    this.node.addValidation({ validate: () => this.annotateObjects() });
  }

  /**
   * Fields Argo CD must leave to the controllers in this environment: traffic weights (and managed routes) that
   * Argo Rollouts sets, and the Rollout's replicas when an autoscaler targets it.
   */
  public get ignoreDifferences(): IgnoreDifference[] {
    const kinds = new Set(this.ownObjects().map(o => o.kind));
    const diffs: IgnoreDifference[] = [];
    if (kinds.has('VirtualService')) {
      diffs.push(this.managedRoutes
        ? { group: 'networking.istio.io', kind: 'VirtualService', jsonPointers: ['/spec/http'] }
        : { group: 'networking.istio.io', kind: 'VirtualService', jqPathExpressions: ['.spec.http[].route[].weight'] });
    }
    if (kinds.has('HTTPRoute')) {
      diffs.push(this.managedRoutes
        ? { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', jsonPointers: ['/spec/rules'] }
        : { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', jqPathExpressions: ['.spec.rules[].backendRefs[].weight'] });
    }
    if (kinds.has('ScaledObject') || kinds.has('HorizontalPodAutoscaler')) {
      diffs.push({ group: 'argoproj.io', kind: 'Rollout', name: this.rollout.name, jsonPointers: ['/spec/replicas'] });
    }
    return diffs;
  }

  /** The kinds of this environment's objects, for its Argo CD project. */
  public get resourceKinds(): ResourceKind[] {
    // cdk8s calls the core group 'core'; Argo CD (and the API) an empty string.
    return this.ownObjects().map(o => ({ group: o.apiVersion.includes('/') ? o.apiGroup : '', kind: o.kind }));
  }

  /** Every API object of this chart, however deep (`apiObjects` only lists direct children). */
  private ownObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === (this as Chart));
  }

  private annotateObjects(): string[] {
    for (const obj of this.ownObjects()) {
      const annotations = obj.metadata.toJson().annotations ?? {};
      if (this.validationWaiver) obj.metadata.addAnnotation(`${DOMAIN}/validation-waiver`, this.validationWaiver);
      if (this.imageDigestWaiver) obj.metadata.addAnnotation(`${DOMAIN}/image-digest-waiver`, this.imageDigestWaiver);
      if (annotations[HOOK] !== undefined || annotations[WAVE] !== undefined) continue;
      obj.metadata.addAnnotation(WAVE, String(waveOf(obj)));
    }
    return [];
  }
}

function waveOf(obj: ApiObject): SyncWave {
  if (WORKLOAD_KINDS.has(obj.kind)) return SyncWave.WORKLOAD;
  if (MODEL_CACHE_KINDS.has(obj.kind)) return SyncWave.MODEL_CACHE;
  if (MONITORING_KINDS.has(obj.kind)) return SyncWave.MONITORING;
  if (obj.kind === 'ConfigMap' && obj.metadata.getLabel(DASHBOARD_LABEL) !== undefined) return SyncWave.MONITORING;
  return SyncWave.CONFIG;
}

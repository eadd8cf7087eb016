import { ApiObject, App, Chart, IResolver, ResolutionContext } from 'cdk8s';
import { Construct } from 'constructs';
import { IgnoreDifference, IIgnoreDifferences } from './argo-cd-application';
import { IResourceKinds, ResourceKind } from './argo-cd-project';
import { checkEnvironmentProps } from './gitops-inputs';
import { SyncWave } from './sync-wave';
import { ValidationHook } from './validation-hook';
import { CanaryRollout } from '../delivery/canary-rollout';
import { CanaryStep, CanaryStepKind } from '../delivery/canary-step';
import { StagedGroupUpdate, UpdateStage } from '../delivery/staged-group-update';
import { TrafficRouter } from '../delivery/traffic-router';
import { Gate } from '../gates/gate';
import { bindInputs, check, propError } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { checkImageDigest } from '../internal/security';
import { PrometheusSettings, PrometheusSettingsProps } from '../metrics/prometheus-settings';
import { NotificationSubscription } from '../notifications/notification-subscription';
import { GpuModelService } from '../serving/gpu-model-service';
import { GpuModelServiceProps } from '../serving/gpu-model-service-props';
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
  /**
   * Routes traffic between the versions; the canary runs a validation before any traffic. Unused for a multi-node
   * service: its groups all serve behind its one Service, so the canary groups' share of the traffic is theirs of the groups.
   */
  readonly trafficRouter: TrafficRouter;
  /**
   * The steps after the validation gate, e.g. weights with gate analyses. For a multi-node service only
   * `CanaryStep.analysis({ gates })` steps: their gates measure the canary groups in the staged update.
   */
  readonly steps: CanaryStep[];
  /**
   * The stage of the staged update of a multi-node service (one LeaderWorkerSet group per replica), which the
   * environment updates with a StagedGroupUpdate instead of a CanaryRollout: commit `UpdateStage.canary({ groups })`
   * with a new version to run it on the top groups (measured by the steps' gates and the validation against the
   * other groups), then `UpdateStage.full()` to move the rest. The environment owns its service's staged update, so a
   * StagedGroupUpdate of your own for it is refused.
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
 * (config, validation hook, workload, monitoring). Add monitoring to the chart like to any other.
 *
 * The waves (by kind, for objects that have no wave or hook of their own) and the waiver annotations are added when
 * each object of the chart is rendered, by a cdk8s resolver the environment registers with its App: objects added to
 * the chart later get them too, every output type and `Chart.toJson()` (Terraform's `KubernetesManifests`) render the
 * same, and the construct tree is never changed after construction.
 *
 * A multi-node service (LeaderWorkerSet groups) is updated by a StagedGroupUpdate instead, in the stage given by
 * `stagedUpdateStage`: which groups run the new version is a commit, everything else (LWS replacing the groups, the
 * PostSync AnalysisRun of the canary stage) follows from the sync.
 *
 * Child ids: `Service`, `Validation`, `PreSyncValidation`, `Rollout`; for a multi-node service `Service`,
 * `PreSyncValidation`, `Update`.
 */
export class DeliveryEnvironment extends Chart implements IIgnoreDifferences, IResourceKinds {
  /** The environment's name. */
  public readonly environment: string;
  /** The model service. */
  public readonly service: GpuModelService;
  /** The canary rollout, for a single-node service. */
  public readonly rollout?: CanaryRollout;
  /** The staged update of the groups, for a multi-node service. */
  public readonly update?: StagedGroupUpdate;
  /** The validation gate of the rollout's canary, unless waived (a staged update renders its validation itself). */
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
    const multiNode = this.service.nodesPerReplica > 1;
    check(multiNode || props.stagedUpdateStage === undefined, this, 'stagedUpdateStage', props.stagedUpdateStage?.name,
      'stages the LeaderWorkerSet groups of a multi-node service, and this service runs on one node per replica',
      'drop stagedUpdateStage: a single-node service is updated by the environment\'s CanaryRollout steps');
    // A staged update renders its validation itself, into its AnalysisRun.
    if (props.validation && !multiNode) this.validation = new ValidationJob(this, 'Validation', { ...props.validation, service: this.service });
    if (props.validation && props.preSyncValidation) {
      this.preSyncValidation = new ValidationHook(this, 'PreSyncValidation', { ...props.validation, service: this.service, target: props.preSyncValidation });
    }
    this.managedRoutes = props.steps.some(s => s._settings.headerRoute || s._settings.mirrorRoute);
    if (multiNode) {
      this.update = this.stagedUpdate(props);
    } else {
      this.rollout = new CanaryRollout(this, 'Rollout', {
        service: this.service,
        trafficRouter: props.trafficRouter,
        dynamicStableScale: props.dynamicStableScale ?? true,
        gpuBudget: props.gpuBudget,
        steps: [...this.validation ? CanaryStep.validateBeforeTraffic(this.validation) : [], ...props.steps],
        backgroundAnalysis: props.backgroundAnalysis,
        notifications: props.notifications,
      });
    }
    // Objects added after this constructor (monitoring) need waves too: the resolver decides per object when rendered.
    const app = App.of(this);
    if (!app.resolvers.some(r => r instanceof EnvironmentAnnotations)) app.resolvers.push(new EnvironmentAnnotations());
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
    if (this.rollout && (kinds.has('ScaledObject') || kinds.has('HorizontalPodAutoscaler'))) {
      diffs.push({ group: 'argoproj.io', kind: 'Rollout', name: this.rollout.name, jsonPointers: ['/spec/replicas'] });
    }
    return diffs;
  }

  /** The kinds of this environment's objects, for its Argo CD project. */
  public get resourceKinds(): ResourceKind[] {
    // cdk8s calls the core group 'core'; Argo CD (and the API) an empty string.
    return this.ownObjects().map(o => ({ group: o.apiVersion.includes('/') ? o.apiGroup : '', kind: o.kind }));
  }

  /**
   * The staged update of a multi-node service's groups: the gates of the analysis steps and the background analysis
   * measure the canary groups, the validation calls their leaders.
   */
  private stagedUpdate(props: DeliveryEnvironmentProps): StagedGroupUpdate {
    for (const step of props.steps) {
      const analysis = step._kind === CanaryStepKind.ANALYSIS ? step._settings.analysis! : undefined;
      check(analysis !== undefined && !analysis.templates?.length && !analysis.args, this, 'steps', step._kind,
        'moves traffic or runs templates, but a multi-node service is updated by LeaderWorkerSet groups, not traffic weights',
        'give only CanaryStep.analysis({ gates }) steps: their gates measure the canary groups; set the groups with stagedUpdateStage');
    }
    check((props.notifications ?? []).length === 0, this, 'notifications', props.notifications?.map(n => n.on.map(t => t.name).join(',')).join(';'),
      'subscribes Argo Rollouts triggers, and a multi-node service\'s staged update has no Rollout',
      'subscribe the Argo CD Application instead (on-sync-failed fires when a gate fails the staged update\'s AnalysisRun)');
    return new StagedGroupUpdate(this, 'Update', {
      service: this.service,
      stage: props.stagedUpdateStage ?? UpdateStage.full(),
      gates: [...props.steps.flatMap(s => s._settings.analysis?.gates ?? []), ...props.backgroundAnalysis ?? []],
      validation: props.validation,
      gpuBudget: props.gpuBudget,
    });
  }

  /** Every API object of this chart, however deep (`apiObjects` only lists direct children). */
  private ownObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === (this as Chart));
  }

  /**
   * The annotations of a rendered object of this chart: its own, the waivers, and its sync wave unless it has a wave
   * or is a hook.
   * @internal
   */
  public _annotationsOf(kind: string, metadata: RenderedMetadata): { [key: string]: string } {
    const own = metadata.annotations ?? {};
    return {
      ...own,
      ...this.validationWaiver ? { [`${DOMAIN}/validation-waiver`]: this.validationWaiver } : {},
      ...this.imageDigestWaiver ? { [`${DOMAIN}/image-digest-waiver`]: this.imageDigestWaiver } : {},
      ...own[HOOK] === undefined && own[WAVE] === undefined ? { [WAVE]: String(waveOf(kind, metadata.labels ?? {})) } : {},
    };
  }
}

/** An object's metadata as rendered. */
interface RenderedMetadata {
  readonly annotations?: { [key: string]: string };
  readonly labels?: { [key: string]: string };
}

/**
 * Adds a DeliveryEnvironment's annotations to the metadata of each of its objects as cdk8s renders it (after the
 * object's own metadata is resolved), so that the decision sees the finished chart and leaves the tree unchanged.
 */
class EnvironmentAnnotations implements IResolver {
  public resolve(context: ResolutionContext): void {
    if (context.key.length !== 1 || context.key[0] !== 'metadata') return;
    // Not `instanceof`: cdk8s makes `instanceof` of any Chart subclass true for every chart.
    const env: Partial<DeliveryEnvironment> = Chart.of(context.obj);
    if (env._annotationsOf === undefined) return;
    const metadata: RenderedMetadata = context.value;
    const annotations = env._annotationsOf(context.obj.kind, metadata);
    // cdk8s resolves a replaced value again: replace only while something is missing.
    if (Object.entries(annotations).some(([k, v]) => metadata.annotations?.[k] !== v)) context.replaceValue({ ...metadata, annotations });
  }
}

function waveOf(kind: string, labels: { [key: string]: string }): SyncWave {
  if (WORKLOAD_KINDS.has(kind)) return SyncWave.WORKLOAD;
  if (MODEL_CACHE_KINDS.has(kind)) return SyncWave.MODEL_CACHE;
  if (MONITORING_KINDS.has(kind)) return SyncWave.MONITORING;
  if (kind === 'ConfigMap' && labels[DASHBOARD_LABEL] !== undefined) return SyncWave.MONITORING;
  return SyncWave.CONFIG;
}

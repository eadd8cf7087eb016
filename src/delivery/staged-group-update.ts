import { ApiObject, ApiObjectMetadata, Chart, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { capacityPlan, GpuCapacityPlan } from './gpu-capacity-plan';
import { VariantService } from './variant-service';
import { analysisMetricsJson, CANDIDATE_SERVICE_ARG, settingsFindings } from '../gates/analysis-template';
import { Gate, hashMatcher } from '../gates/gate';
import { shortDuration } from '../internal/duration';
import { bindInputs, check, deferFactoryChecks, propError } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { childName } from '../internal/names';
import { int } from '../internal/validate';
import { PrometheusSettings } from '../metrics/prometheus-settings';
import { GpuModelService } from '../serving/gpu-model-service';
import { IModelService, IServiceRef } from '../serving/model-service';
import { IGroupUpdate, LwsLabels, RELEASE_LABEL, releaseOf } from '../serving/multi-node';
import { NetworkPeer } from '../serving/network-policy';
import { renderJobMetric, renderValidation, rolloutCandidateUrl } from '../validation/evaluator-pod';
import { ValidationOptions } from '../validation/validation-options';
import { ValidationTarget } from '../validation/validation-target';

/** Options of the canary stage of a staged group update. */
export interface CanaryStageOptions {
  /** Groups (replicas) that run the new version while the rest keep the old one. */
  readonly groups: number;
  /**
   * The release the stable groups run, before this commit: the `mlops.cdk8s.io/release` label of the applied
   * LeaderWorkerSet's templates (`kubectl get lws <name> -o jsonpath='{.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels.mlops\.cdk8s\.io/release}'`,
   * or `StagedGroupUpdate.release` of the last synth). Given, the gates compare the canary groups against this release's
   * series only, and synth refuses a commit whose own release it is (a canary commit that changes nothing).
   * @default - every other release of the service: its series (`job` = the service name) whose release is not this
   * commit's. In the canary stage that is exactly the groups below the partition (whatever release each kept); a
   * commit that changes no pod leaves none, and then every comparison with the stable is Inconclusive, never a pass.
   * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/
   */
  readonly stableRelease?: string;
}

/**
 * Where a staged update of a multi-node service stands. Each stage is a commit: Argo CD syncs it, the
 * LeaderWorkerSet moves its groups, and in the canary stage an AnalysisRun measures the new groups.
 */
export class UpdateStage {
  /** Every group runs the committed version (partition 0): the normal state, and the end of an update. */
  public static full(): UpdateStage {
    return new UpdateStage('full', 0, undefined);
  }

  /**
   * The new version runs on `groups` groups (the highest indexes), the rest keep the version they run; the gates
   * measure the new groups against the old ones.
   */
  public static canary(options: CanaryStageOptions): UpdateStage {
    check(options.stableRelease === undefined || /^[0-9a-f]{10}$/.test(options.stableRelease), undefined, 'UpdateStage.canary.stableRelease', options.stableRelease,
      'must be the 10-character release of the running pods', 'copy the mlops.cdk8s.io/release label of the running leader pods, or leave it unset');
    return new UpdateStage('canary', options.groups, options.stableRelease);
  }

  private constructor(
    /** `full` or `canary`. */
    public readonly name: string,
    /** Groups on the new version (0 means all, in the full stage). */
    public readonly canaryGroups: number,
    /** The release the stable groups run, in a canary stage that names it. */
    public readonly stableRelease: string | undefined,
  ) {}
}

deferFactoryChecks(UpdateStage);

/**
 * Properties of a StagedGroupUpdate.
 */
export interface StagedGroupUpdateProps {
  /** A multi-node service (its workload a LeaderWorkerSet). */
  readonly service: GpuModelService;
  /** The stage this commit puts the update in. */
  readonly stage: UpdateStage;
  /** The gates the canary groups must pass; measured in the canary stage. */
  readonly gates: Gate[];
  /**
   * A validation of the canary groups: the evaluator's Job calls their leaders (the `<name>-canary` Service) as a
   * `job` metric of the same AnalysisRun, in the canary stage (not run in the full stage). An AnalysisRun holds its
   * metrics itself (it cannot reference an AnalysisTemplate), so no template is rendered. In process is not offered:
   * the model spans a group of nodes (see ValidationTarget.inProcess()).
   * @default - gates only
   * @see https://argo-rollouts.readthedocs.io/en/stable/analysis/job/
   */
  readonly validation?: ValidationOptions;
  /**
   * The most GPUs the service may hold at once during the update, old and new groups together. Synth fails
   * when `maxSurge` groups do not fit.
   * @default - no budget
   * @see https://github.com/kubernetes-sigs/lws/blob/main/docs/examples/sample/README.md#rollout-strategy
   */
  readonly gpuBudget?: number;
}

/**
 * A gated, staged update of a multi-node service's LeaderWorkerSet groups with existing engines only: LWS's
 * `partition` keeps the old version on the lower groups, Argo CD applies each stage from git, and an `AnalysisRun`
 * (an Argo CD PostSync hook, evaluated by the Argo Rollouts controller's analysis controller) measures the canary
 * groups with the same Gates a Rollout uses, selecting canary and stable series by the pods' release label.
 *
 * What is automatic and what is a commit:
 * - commit `UpdateStage.canary(...)` with the new version: LWS recreates the top `groups` groups (up to `maxSurge`
 *   groups extra while they load); after they are healthy Argo CD creates the AnalysisRun; a failed gate marks
 *   the run Failed (the hook Degraded), Argo CD's sync operation Failed (`on-sync-failed` notifications). Nothing else moves.
 * - commit `UpdateStage.full()` (same version): LWS moves the remaining groups, `maxUnavailable` at a time.
 * - rollback: revert the canary commit; LWS recreates the canary groups with the old template (its release is
 *   the stable one again), the other groups were never touched.
 *
 * A DeliveryEnvironment makes one for its multi-node service, in its `stagedUpdateStage`.
 *
 * Child ids: `CanaryService`, `Analysis` (the AnalysisRun) and `Validation` (the evaluator's ServiceAccount and
 * ConfigMap), in the canary stage.
 * @see https://github.com/kubernetes-sigs/lws/blob/main/docs/examples/sample/README.md#rollout-strategy
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/
 */
export class StagedGroupUpdate extends Construct implements IGroupUpdate {
  public readonly service: IModelService;
  /** Groups with an index below this keep the old pod template. */
  public readonly partition: number;
  /** The release (pod template hash) this commit's groups run. */
  public readonly release: string;
  /** The Service in front of the canary groups' leaders, in the canary stage. */
  public readonly canaryService?: IServiceRef;
  /** The GPUs the update holds at its peak. */
  public readonly gpuPlan: GpuCapacityPlan;
  /** The evaluators that call the canary groups, which the service's NetworkPolicy admits. */
  public readonly inferencePeers: NetworkPeer[];

  constructor(scope: Construct, id: string, props: StagedGroupUpdateProps) {
    super(scope, id);
    bindInputs(this, props);
    const svc = props.service;
    this.service = svc;
    const release = releaseOf(svc.podTemplate);
    if (release === undefined) {
      throw propError(this, 'service', svc.node.path, 'is not a multi-node service, so it has no LeaderWorkerSet groups to stage',
        'use CanaryRollout for a single-node service, or give the service multiNode options');
    }
    this.release = release;
    check(svc.metricsScrape !== undefined, this, 'service.scrape', false,
      'is off, and only the service\'s PodMonitor gives the series the release label the gates tell canary from stable by',
      'drop scrape: false from the service');
    const stage = props.stage;
    const canaryStage = stage.name === 'canary';
    const least = canaryStage ? 1 : 0;
    check(Number.isInteger(stage.canaryGroups) && stage.canaryGroups >= least && stage.canaryGroups < svc.replicas, this, 'stage.groups', stage.canaryGroups,
      `must leave at least one of the ${svc.replicas} groups on the stable version, or there is nothing to compare against`,
      svc.replicas > 1 ? `use groups: ${svc.replicas > 2 ? `1 to ${svc.replicas - 1}` : 1}, or UpdateStage.full()` : 'run 2 or more replicas to stage an update, or use UpdateStage.full()');
    check(stage.stableRelease !== release, this, 'stage.stableRelease', stage.stableRelease,
      'is this commit\'s own release, so the canary groups would be compared with themselves',
      'give the release the groups run now, before this change; or, with no change of the pods, use UpdateStage.full()');
    check(props.gates.length > 0, this, 'gates', [], 'is empty, so the canary groups would be measured by nothing', 'give at least one Gate');
    this.partition = canaryStage ? svc.replicas - stage.canaryGroups : 0;
    this.gpuPlan = groupPlan(svc);
    if (props.gpuBudget !== undefined) {
      int(this, 'gpuBudget', props.gpuBudget, 1, undefined, `e.g. gpuBudget: ${this.gpuPlan.peakGpus}`);
      check(this.gpuPlan.peakGpus <= props.gpuBudget, this, 'gpuBudget', props.gpuBudget, `an update can hold ${this.gpuPlan.peakGpus} GPUs at once (${this.gpuPlan.description})`,
        `raise gpuBudget to ${this.gpuPlan.peakGpus}, or set the service's maxSurge: 0 with maxUnavailable: 1 (one group down at a time, no extra GPUs)`);
    }

    if (!canaryStage) {
      // Not run in this stage, but checked: the commit that starts the next canary must not be the first to find it broken.
      const candidate = ValidationTarget.rolloutCandidate();
      if (props.validation) renderValidation(this, { ...props.validation, service: svc }, candidate, rolloutCandidateUrl(svc));
      this.inferencePeers = [];
      return;
    }
    this.canaryService = new VariantService(this, 'CanaryService', svc.port, {
      metadata: svc.metadata(childName(svc.name, 'canary')),
      spec: {
        type: 'ClusterIP',
        selector: { ...svc.selectorLabels, [LwsLabels.WORKER_INDEX]: '0', [RELEASE_LABEL]: release },
        ports: svc.servicePorts,
      },
    });
    const validation = props.validation
      ? renderJobMetric(new Construct(this, 'Validation'), { ...props.validation, service: svc }, ValidationTarget.rolloutCandidate())
      : undefined;
    this.inferencePeers = validation?.candidateClient ? [validation.candidateClient] : [];
    const namespace = svc.namespace ?? Chart.of(this).namespace;
    check(namespace !== undefined, this, 'service.namespace', namespace, 'is unset, and the gates select series by namespace',
      'set the chart\'s or the service\'s namespace');
    const args = {
      'namespace': namespace!,
      'canary-hash': release,
      ...stage.stableRelease ? { 'stable-hash': stage.stableRelease } : {},
      [CANDIDATE_SERVICE_ARG]: this.canaryService.name,
    };
    // Argo CD may start the PostSync hook as soon as the LeaderWorkerSet is applied (it has no built-in health check for
    // it): every measurement, the evaluator's too, waits out the groups' startup timeout, so loading groups are never measured.
    const startup = svc.startupTimeout.toSeconds();
    // Rendered with the chart's PrometheusSettings, wherever they were created; checked now for what does not depend on them.
    props.gates.forEach(g => g._metricNames(this, svc));
    const gateMetrics = () => props.gates.flatMap(g => g.bind(this, svc)).map(m => ({
      ...m,
      query: stage.stableRelease ? m.query : otherReleases(this, m.name, m.query, PrometheusSettings.of(this).podTemplateHashLabel, svc.name),
      initialDelay: shortDuration(this, 'gates.initialDelay', Duration.seconds(startup + seconds(m.initialDelay))),
    }));
    this.node.addValidation({ validate: () => settingsFindings(gateMetrics) });
    const validationMetrics = validation ? [{ ...validation.metric, initialDelay: shortDuration(this, 'validation', svc.startupTimeout) }] : [];
    const metadata: ApiObjectMetadata = svc.metadata(childName(svc.name, `stage-${release}`), {
      // After the Sync phase; Argo CD reads the run's health: Successful → Healthy, Failed/Error → Degraded (the
      // sync fails), Running → Progressing, Inconclusive → Unknown.
      'argocd.argoproj.io/hook': 'PostSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      [`${DOMAIN}/gpu-plan`]: this.gpuPlan.description,
    });
    new ApiObject(this, 'Analysis', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisRun',
      metadata,
      spec: {
        args: Object.entries(args).map(([name, value]) => ({ name, value })),
        metrics: Lazy.any({ produce: () => [...analysisMetricsJson(gateMetrics(), PrometheusSettings.of(this).address), ...validationMetrics] }),
      },
    });
  }
}

/**
 * A gate query with its stable series selected as every release of the service but this commit's: the scrape gives
 * the service's series `job` = the service name, the empty release is excluded (series without the label), and the
 * canary groups' release is the run's `canary-hash`.
 */
function otherReleases(scope: Construct, metric: string, query: string, hashLabel: string, service: string): string {
  const selected = query.split(hashMatcher(hashLabel, 'stable')).join(`${hashLabel}!~"{{args.canary-hash}}|",job="${service}"`);
  check(!selected.includes('{{args.stable-hash}}'), scope, 'stage.stableRelease', undefined,
    `is unset, and gate ${metric} reads {{args.stable-hash}} itself`, 'give UpdateStage.canary the stableRelease, or select the stable series in the gate\'s query yourself');
  return selected;
}

/** Seconds of a short duration (`90s`, `5m`, `2h`). */
function seconds(short: string): number {
  const [, n, unit] = /^(\d+)([smh])$/.exec(short)!;
  return Number(n) * { s: 1, m: 60, h: 3600 }[unit as 's' | 'm' | 'h'];
}

/**
 * The GPUs of an update of whole groups: `maxSurge` extra groups, each of nodes x GPUs per node. With a partition
 * set, LWS keeps the surge groups until the update completes, so they are held for the whole canary stage.
 */
function groupPlan(svc: GpuModelService): GpuCapacityPlan {
  const lws = ApiObject.of(svc.node.findChild('LeaderWorkerSet')).toJson();
  const surge = Number(lws.spec.rolloutStrategy.rollingUpdateConfiguration.maxSurge);
  return capacityPlan(svc.gpusPerReplica, svc.replicas, svc.replicas + surge,
    `${surge} surge group(s) of ${svc.nodesPerReplica} nodes x ${svc.gpusPerReplica / svc.nodesPerReplica} GPUs beside ${svc.replicas} group(s), kept while a partition is set`);
}

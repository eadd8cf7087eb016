import { check, deferFactoryChecks } from '../internal/errors';

/** The kind of object a notification trigger watches, and so the controller that sends it. */
export enum NotifiedObject {
  /** An Argo Rollouts `Rollout` (config: `argo-rollouts-notification-configmap`). */
  ROLLOUT = 'Rollout',
  /** An Argo CD `Application` (config: `argocd-notifications-cm`). */
  APPLICATION = 'Application',
}

/**
 * The built-in triggers of Argo Rollouts v1.9 (`manifests/notifications/`; the controller derives the trigger from
 * the event reason, e.g. `RolloutAborted` -> `on-rollout-aborted`).
 */
const ROLLOUT_TRIGGERS = [
  'on-analysis-run-error', 'on-analysis-run-failed', 'on-analysis-run-running', 'on-rollout-aborted', 'on-rollout-completed',
  'on-rollout-paused', 'on-rollout-step-completed', 'on-rollout-updated', 'on-scaling-replica-set',
];
/** The triggers of Argo CD's notifications catalog (`notifications_catalog/triggers/`, v3.5). */
const APPLICATION_TRIGGERS = [
  'on-created', 'on-deleted', 'on-deployed', 'on-health-degraded', 'on-sync-failed', 'on-sync-running', 'on-sync-status-unknown',
  'on-sync-succeeded',
];

/**
 * A notification trigger of the upstream catalogs: an event of a Rollout (Argo Rollouts) or of an Application
 * (Argo CD). Only triggers that exist upstream can be built, so a subscription never names a trigger the
 * controller does not know (it would silently send nothing).
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/notifications/
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/notifications/catalog/
 */
export class NotificationTrigger {
  /** A rollout update was aborted (a failed analysis, the progress deadline, or a person): traffic went back to stable. */
  public static readonly ROLLOUT_ABORTED = new NotificationTrigger('on-rollout-aborted', NotifiedObject.ROLLOUT);
  /** A rollout update finished: every step passed and the new version is stable. */
  public static readonly ROLLOUT_COMPLETED = new NotificationTrigger('on-rollout-completed', NotifiedObject.ROLLOUT);
  /** A rollout paused (a pause step, an inconclusive analysis, a person). */
  public static readonly ROLLOUT_PAUSED = new NotificationTrigger('on-rollout-paused', NotifiedObject.ROLLOUT);
  /** One canary step completed. */
  public static readonly ROLLOUT_STEP_COMPLETED = new NotificationTrigger('on-rollout-step-completed', NotifiedObject.ROLLOUT);
  /** The rollout's spec changed: an update started. */
  public static readonly ROLLOUT_UPDATED = new NotificationTrigger('on-rollout-updated', NotifiedObject.ROLLOUT);
  /** The replicas of one of the rollout's ReplicaSets changed. */
  public static readonly SCALING_REPLICA_SET = new NotificationTrigger('on-scaling-replica-set', NotifiedObject.ROLLOUT);
  /** An analysis run failed (a gate measured a failure). */
  public static readonly ANALYSIS_RUN_FAILED = new NotificationTrigger('on-analysis-run-failed', NotifiedObject.ROLLOUT);
  /** An analysis run ended in Error (queries kept failing). */
  public static readonly ANALYSIS_RUN_ERROR = new NotificationTrigger('on-analysis-run-error', NotifiedObject.ROLLOUT);
  /** An analysis run started. */
  public static readonly ANALYSIS_RUN_RUNNING = new NotificationTrigger('on-analysis-run-running', NotifiedObject.ROLLOUT);
  /** An Application sync failed (e.g. a PreSync validation hook failed). */
  public static readonly SYNC_FAILED = new NotificationTrigger('on-sync-failed', NotifiedObject.APPLICATION);
  /** An Application sync started. */
  public static readonly SYNC_RUNNING = new NotificationTrigger('on-sync-running', NotifiedObject.APPLICATION);
  /** An Application sync succeeded. */
  public static readonly SYNC_SUCCEEDED = new NotificationTrigger('on-sync-succeeded', NotifiedObject.APPLICATION);
  /** An Application's sync status is Unknown. */
  public static readonly SYNC_STATUS_UNKNOWN = new NotificationTrigger('on-sync-status-unknown', NotifiedObject.APPLICATION);
  /** An Application's health became Degraded (e.g. an aborted Rollout). */
  public static readonly HEALTH_DEGRADED = new NotificationTrigger('on-health-degraded', NotifiedObject.APPLICATION);
  /** An Application synced and is healthy, once per commit. */
  public static readonly DEPLOYED = new NotificationTrigger('on-deployed', NotifiedObject.APPLICATION);
  /** An Application was created. */
  public static readonly CREATED = new NotificationTrigger('on-created', NotifiedObject.APPLICATION);
  /** An Application was deleted. */
  public static readonly DELETED = new NotificationTrigger('on-deleted', NotifiedObject.APPLICATION);

  /** A trigger by its upstream name, e.g. `on-rollout-aborted`; names not in either catalog are refused. */
  public static named(name: string): NotificationTrigger {
    const object = ROLLOUT_TRIGGERS.includes(name) ? NotifiedObject.ROLLOUT
      : APPLICATION_TRIGGERS.includes(name) ? NotifiedObject.APPLICATION : undefined;
    check(object !== undefined, undefined, 'NotificationTrigger.named', name,
      'is not a trigger of the Argo Rollouts or Argo CD notification catalogs, so no controller would ever fire it',
      `use one of ${[...ROLLOUT_TRIGGERS, ...APPLICATION_TRIGGERS].join(', ')}`);
    return new NotificationTrigger(name, object!);
  }

  private constructor(
    /** The trigger's name, e.g. `on-rollout-aborted`. */
    public readonly name: string,
    /** The kind of object that has this event. */
    public readonly object: NotifiedObject,
  ) {}
}

deferFactoryChecks(NotificationTrigger);

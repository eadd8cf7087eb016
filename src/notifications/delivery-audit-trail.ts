import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { NotificationSubscription } from './notification-subscription';
import { NotificationTrigger } from './notification-trigger';
import { Notify } from './notify';
import { bindInputs, check } from '../internal/errors';
import { LabelKeys } from '../internal/labels';
import { dns1123Label } from '../internal/validate';

/** Properties of a DeliveryAuditTrail. */
export interface DeliveryAuditTrailProps {
  /**
   * Key of the namespace's `argo-rollouts-notification-secret` (and, for Argo CD, of `argocd-notifications-secret`)
   * holding the audit webhook's URL: the URL is never written into the manifests.
   */
  readonly urlSecretKey: string;
  /**
   * The webhook's name: `service.webhook.<name>` in the ConfigMap, and the service of the subscriptions.
   * @default 'mlops-audit'
   * @see https://argo-rollouts.readthedocs.io/en/stable/generated/notification-services/webhook/
   */
  readonly webhookName?: string;
}

const DEFAULT_NAME = 'mlops-audit';
/** The namespace config Argo Rollouts reads (utils/record: NotificationConfigMap). */
const CONFIG_MAP = 'argo-rollouts-notification-configmap';

/** An audit event: the trigger that sends it and the template's name suffix. */
interface AuditEvent {
  readonly trigger: NotificationTrigger;
  readonly event: string;
}

/** Delivery events of a Rollout that an audit log records. */
const ROLLOUT_EVENTS: AuditEvent[] = [
  { trigger: NotificationTrigger.ROLLOUT_UPDATED, event: 'update-started' },
  { trigger: NotificationTrigger.ROLLOUT_STEP_COMPLETED, event: 'step-passed' },
  { trigger: NotificationTrigger.ANALYSIS_RUN_FAILED, event: 'analysis-failed' },
  { trigger: NotificationTrigger.ROLLOUT_ABORTED, event: 'aborted-rolled-back' },
  { trigger: NotificationTrigger.ROLLOUT_COMPLETED, event: 'promoted' },
];

/** Argo CD catalog's `on-sync-failed` condition (notifications_catalog/triggers/on-sync-failed.yaml, v3.5). */
const SYNC_FAILED_WHEN = "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']";
const SYNC_FAILED_ONCE_PER = 'app.status.operationState?.syncResult?.revision';

/** The lineage annotations every object of the library carries, as JSON fields of the payload. */
const LINEAGE_FIELDS: Record<string, string> = {
  modelName: LabelKeys.MODEL_NAME,
  modelVersion: LabelKeys.MODEL_VERSION,
  modelUri: LabelKeys.MODEL_URI,
  trainingRunId: LabelKeys.TRAINING_RUN_ID,
  trainingDataHash: LabelKeys.TRAINING_DATA_HASH,
  gitRevision: LabelKeys.GIT_REVISION,
};

/**
 * An audit trail of delivery events through Argo notifications: every update started, step passed, failed analysis
 * (each failing gate with its last measured value), abort (the rollback to the stable version) and promotion of the
 * namespace's Rollouts is POSTed as JSON, with the model's lineage, to an audit webhook. Subscribe the rollouts with
 * `subscription` (or `DeliveryAuditTrail.auditSubscription()`).
 *
 * It renders the namespace's own `argo-rollouts-notification-configmap` (Argo Rollouts' self-service notification
 * config: the controller runs with `--self-service-notification-enabled`; the URL is in the namespace's
 * `argo-rollouts-notification-secret`). Its triggers have the upstream names, so subscriptions stay valid, and only
 * send the audit template; the controller's own config keeps sending everything else. `argoCdEntries` are the entries
 * to merge into `argocd-notifications-cm` for failed syncs, which the platform owns.
 *
 * Child ids: `Resource` (the ConfigMap).
 * @see https://argo-rollouts.readthedocs.io/en/stable/features/notifications/#namespace-based-configuration
 * @see https://argo-cd.readthedocs.io/en/stable/operator-manual/notifications/services/webhook/
 */
export class DeliveryAuditTrail extends Construct {
  /**
   * The subscription of the audited events (Rollout events, and a failed sync of an Application) to the audit webhook,
   * for objects built before or without the trail's construct.
   * @param webhookName the trail's `webhookName` (default 'mlops-audit')
   */
  public static auditSubscription(webhookName?: string): NotificationSubscription {
    return { on: [...ROLLOUT_EVENTS.map(e => e.trigger), NotificationTrigger.SYNC_FAILED], notify: [Notify.webhook(webhookName ?? DEFAULT_NAME)] };
  }

  /** The recipient of the subscriptions: the audit webhook. */
  public readonly notify: Notify;
  /** The subscription that sends every audited event of a Rollout (and a failed sync of an Application) to the webhook. */
  public readonly subscription: NotificationSubscription;
  /** Entries for `argocd-notifications-cm`: the webhook, the audit template, and `on-sync-failed` also sending it. */
  public readonly argoCdEntries: { [key: string]: string };

  constructor(scope: Construct, id: string, props: DeliveryAuditTrailProps) {
    super(scope, id);
    bindInputs(this, props);
    const name = props.webhookName ?? DEFAULT_NAME;
    dns1123Label(this, 'webhookName', name, "'mlops-audit'");
    this.subscription = DeliveryAuditTrail.auditSubscription(name);
    this.notify = this.subscription.notify[0];
    check(/^[-._a-zA-Z0-9]+$/.test(props.urlSecretKey ?? ''), this, 'urlSecretKey', props.urlSecretKey, 'must be a Secret data key (the URL itself stays in the Secret)',
      "e.g. urlSecretKey: 'audit-webhook-url'");
    const service = yamlBlock({ url: `$${props.urlSecretKey}`, headers: [{ name: 'Content-Type', value: 'application/json' }] });

    const data: Record<string, string> = { [`service.webhook.${name}`]: service };
    for (const e of ROLLOUT_EVENTS) {
      data[`trigger.${e.trigger.name}`] = yamlBlock([{ send: [`${name}-${e.event}`] }]);
      data[`template.${name}-${e.event}`] = webhookTemplate(name, rolloutBody(e.event));
    }
    const namespace = Chart.of(this).namespace;
    new k8s.KubeConfigMap(this, 'Resource', { metadata: { name: CONFIG_MAP, namespace }, data });
    // The ConfigMap's name is fixed by Argo Rollouts: one trail per namespace. Charts of one app may go to different
    // clusters, so only a second trail in the same chart is certainly a clash.
    this.node.addValidation({
      validate: () => {
        const first = Chart.of(this).node.findAll().find((c): c is DeliveryAuditTrail => c instanceof DeliveryAuditTrail);
        return first === this ? [] : [`[${this.node.path}] namespace: another DeliveryAuditTrail of this chart (${first!.node.path}) already renders ${CONFIG_MAP} `
          + `in its namespace (got ${JSON.stringify(namespace ?? null)}). Fix: create one DeliveryAuditTrail per namespace and subscribe every rollout of it.`];
      },
    });

    this.argoCdEntries = {
      [`service.webhook.${name}`]: service,
      [`template.${name}-sync-failed`]: webhookTemplate(name, applicationBody('sync-failed')),
      // The catalog's trigger, also sending the audit template (templates of one trigger merge into one notification).
      'trigger.on-sync-failed': yamlBlock([{ when: SYNC_FAILED_WHEN, send: ['app-sync-failed', `${name}-sync-failed`], oncePer: SYNC_FAILED_ONCE_PER }]),
    };
  }
}

/**
 * The payload of a Rollout event, a Go text/template with sprig (notifications-engine); `dig` reads fields that may
 * be absent without failing the template. Failing gates come from `.analysisRuns` (the runs of the current revision).
 */
function rolloutBody(event: string): string {
  const lineage = lineageDict('.rollout');
  return [
    '{{- $gates := list -}}',
    '{{- range .analysisRuns }}{{ $run := dig "metadata" "name" "" . }}{{ range dig "status" "metricResults" (list) . }}',
    '{{- if or (eq .phase "Failed") (eq .phase "Error") }}{{ $value := "" }}{{ with dig "measurements" (list) . }}{{ $value = dig "value" "" (last .) }}{{ end }}',
    '{{- $gates = append $gates (dict "analysisRun" $run "gate" .name "phase" .phase "value" $value "message" (dig "message" "" .)) }}{{ end }}{{ end }}{{ end -}}',
    `{{ toJson (dict "event" "${event}" "time" (dateInZone "2006-01-02T15:04:05Z07:00" now "UTC") "kind" "Rollout"`
      + ' "namespace" .rollout.metadata.namespace "name" .rollout.metadata.name'
      + ' "revision" (dig "metadata" "annotations" "rollout.argoproj.io/revision" "" .rollout)'
      + ' "phase" (dig "status" "phase" "" .rollout) "message" (dig "status" "message" "" .rollout)'
      + ' "step" (dig "status" "currentStepIndex" "" .rollout) "failedGates" $gates'
      + ` "lineage" ${lineage}) }}`,
  ].join('\n');
}

/** The payload of an Application event (`.app` in Argo CD templates). */
function applicationBody(event: string): string {
  return `{{ toJson (dict "event" "${event}" "time" (dateInZone "2006-01-02T15:04:05Z07:00" now "UTC") "kind" "Application"`
    + ' "namespace" .app.metadata.namespace "name" .app.metadata.name'
    + ' "revision" (dig "status" "operationState" "syncResult" "revision" "" .app)'
    + ' "phase" (dig "status" "operationState" "phase" "" .app) "message" (dig "status" "operationState" "message" "" .app)'
    + ` "lineage" ${lineageDict('.app')}) }}`;
}

function lineageDict(object: string): string {
  return `(dict ${Object.entries(LINEAGE_FIELDS).map(([field, key]) => `"${field}" (dig "metadata" "annotations" "${key}" "" ${object})`).join(' ')})`;
}

function webhookTemplate(name: string, body: string): string {
  return yamlBlock({ webhook: { [name]: { method: 'POST', body } } });
}

/**
 * YAML of a ConfigMap value. JSON is YAML; strings are quoted, so template text never turns into YAML syntax.
 */
function yamlBlock(value: unknown): string {
  return JSON.stringify(value);
}

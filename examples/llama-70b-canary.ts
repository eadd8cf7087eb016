// A canary of the 70B service behind Istio. One canary pod comes up without traffic and the ValidationJob
// (quality vs the production baseline, latency SLA, response schema) runs against it; only then
// 25% -> 50% -> 100%, each step gated on error rate, p95 latency and time to first token, with the
// stable version shrinking as the canary grows. Monitored from the first request: scraping (on by
// default), alerts, KEDA autoscaling, a dashboard. Pods run only on nodes whose driver runs vLLM's CUDA 12.8 and
// load the version from a shared cache filled, once, before the rollout.
import { Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AlertPreset, AlertReceiver, AlertRoute, AlertRoutingOptions, AlertSeverity, CanaryRollout, CanaryStep, DeliveryAuditTrail, Gate, GpuModelService,
  IModelService, ModelAlerts, ModelAutoscaler, ModelDashboard, NotificationSubscription, NotificationTrigger, NotifiedObject, Notify, Percentile,
  PredictionDistribution, PrometheusSettings, ScalingMetric, TrafficRouter, ValidationCheck, ValidationJob, ValidationOptions,
} from '../src';
import { llama70b, llamaSharedCache } from './llama-70b-vllm';
import { synthExample } from './synth';

export const LLAMA_GATES = [
  Gate.errorRate({ maxRatio: 0.01, stableTolerance: 1 }),
  Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(8), stableTolerance: 0.2 }),
  Gate.timeToFirstToken({ percentile: Percentile.P95, threshold: Duration.millis(500) }),
];

export const LLAMA_ALERTS = [
  AlertPreset.availabilitySlo({ objective: 0.999 }),
  AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(10) }),
  AlertPreset.errorRate({ maxRatio: 0.02 }),
  AlertPreset.latency({ percentile: Percentile.P99, threshold: Duration.seconds(20) }),
  AlertPreset.timeToFirstToken({ threshold: Duration.seconds(1) }),
  AlertPreset.queueDepth({ maxWaiting: 20 }),
  AlertPreset.kvCacheUsage({ maxUsage: 0.98 }),
  AlertPreset.gpuUnderutilized(),
  AlertPreset.gpuSaturated(),
  AlertPreset.gpuMemoryNearFull(),
  AlertPreset.gpuXidErrors(),
  AlertPreset.gpuMetricsMissing(),
  AlertPreset.metricsMissing(),
  AlertPreset.dataDrift({ metric: 'prompt_embedding_drift_score', threshold: 0.3, selector: 'job="drift-exporter",model="llama-70b"' }),
  AlertPreset.predictionShift({ distribution: PredictionDistribution.histogram('vllm:request_generation_tokens'), maxDistance: 0.2 }),
  AlertPreset.qualityBelowBaseline({ metric: 'llm_judge_score', baseline: 0.82, tolerance: 0.03, selector: 'job="online-eval",model="llama-70b"' }),
];

/**
 * Critical alerts page, warnings go to Slack, and drift or a quality drop starts a retraining through a webhook
 * (here an Argo Events EventSource; the URL is in a Secret). Credentials are Secret references only.
 */
export const LLAMA_ALERT_ROUTING: AlertRoutingOptions = {
  routes: [
    AlertRoute.retraining({ receiver: AlertReceiver.webhook({ name: 'retraining', url: { secretName: 'alerting', key: 'retraining-webhook-url' }, sendResolved: false }) }),
    AlertRoute.severity({ severity: AlertSeverity.CRITICAL, receiver: AlertReceiver.pagerDuty({ routingKey: { secretName: 'alerting', key: 'pagerduty-routing-key' } }) }),
    AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: AlertReceiver.slack({ apiUrl: { secretName: 'alerting', key: 'slack-webhook-url' }, channel: '#ml-alerts' }) }),
  ],
};

/**
 * The team hears about failures (aborted, failed or erroring analysis, a failed or degraded sync) and completion;
 * every delivery event also goes to the audit webhook (see DeliveryAuditTrail).
 */
export const LLAMA_NOTIFICATIONS: NotificationSubscription[] = [
  {
    on: [NotificationTrigger.ROLLOUT_ABORTED, NotificationTrigger.ANALYSIS_RUN_FAILED, NotificationTrigger.ANALYSIS_RUN_ERROR,
      NotificationTrigger.SYNC_FAILED, NotificationTrigger.HEALTH_DEGRADED],
    notify: [Notify.slack('#ml-oncall'), Notify.pagerDuty('llm-serving')],
  },
  { on: [NotificationTrigger.ROLLOUT_PAUSED, NotificationTrigger.ROLLOUT_COMPLETED, NotificationTrigger.DEPLOYED], notify: [Notify.slack('#ml-releases')] },
  DeliveryAuditTrail.auditSubscription(),
];

/** The audit webhook's config in the model's namespace; its URL is key `audit-webhook-url` of argo-rollouts-notification-secret. */
export function llamaAuditTrail(scope: Construct): DeliveryAuditTrail {
  return new DeliveryAuditTrail(scope, 'AuditTrail', { urlSecretKey: 'audit-webhook-url' });
}

/** Alerts (routed), autoscaling and the dashboard of a 70B service. */
export function llamaMonitoring(scope: Construct, service: IModelService): void {
  new ModelAlerts(scope, 'Alerts', { service, runbookBaseUrl: 'https://runbooks.example.com/llm', alerts: LLAMA_ALERTS, routing: LLAMA_ALERT_ROUTING });
  // Down to 2 replicas when quiet, up to the 4 the GPU budget was planned for.
  new ModelAutoscaler(scope, 'Autoscaler', { service, minReplicas: 2, maxReplicas: 4, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 8 })] });
  new ModelDashboard(scope, 'Dashboard', { service, folder: 'LLM serving' });
}

/** The 70B's validation: our evaluator image scores the candidate on the held-out chat set. */
export const LLAMA_VALIDATION: ValidationOptions = {
  image: 'ghcr.io/acme/llm-evaluator@sha256:4f2a0e8c1b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f',
  dataset: { uri: 's3://acme-eval-sets/chat-holdout/v3/', sha256: '5e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d' },
  checks: [
    ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8, baseline: 0.84, baselineTolerance: 0.01 }),
    ValidationCheck.latency({ p50: Duration.seconds(2), p95: Duration.seconds(6), p99: Duration.seconds(10), requestsPerSecond: 4 }),
    ValidationCheck.schema({ outputSchema: { type: 'object', required: ['id', 'choices'], properties: { choices: { type: 'array', minItems: 1 } } } }),
    ValidationCheck.slices({ metric: 'accuracy', sliceBy: 'language', maxGap: 0.08, minimum: 0.7 }),
  ],
};

/** Validation first (one canary pod, no traffic), then gated traffic steps. */
export function llamaCanarySteps(validation?: ValidationJob): CanaryStep[] {
  return [
    ...validation ? CanaryStep.validateBeforeTraffic(validation) : [],
    CanaryStep.weight(25),
    CanaryStep.analysis({ gates: LLAMA_GATES }),
    CanaryStep.weight(50),
    CanaryStep.analysis({ gates: LLAMA_GATES }),
    CanaryStep.weight(100),
  ];
}

export class Llama70bCanaryChart extends Chart {
  public readonly service: GpuModelService;
  public readonly validation: ValidationJob;
  public readonly rollout: CanaryRollout;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    PrometheusSettings.configure(this, { address: 'http://prometheus-operated.monitoring.svc:9090' });
    this.service = llama70b(this, { replicas: 4, modelCache: llamaSharedCache() });
    this.validation = new ValidationJob(this, 'Validation', { ...LLAMA_VALIDATION, service: this.service });
    this.rollout = new CanaryRollout(this, 'Canary', {
      service: this.service,
      trafficRouter: TrafficRouter.istio(),
      dynamicStableScale: true,
      gpuBudget: 48,
      steps: llamaCanarySteps(this.validation),
      backgroundAnalysis: [Gate.kvCacheUsage({ maxUsage: 0.95, count: 30 })],
      // A bare rollout has no Application: only its Argo Rollouts events.
      notifications: LLAMA_NOTIFICATIONS.map(s => ({ ...s, on: s.on.filter(t => t.object === NotifiedObject.ROLLOUT) })),
    });
    llamaMonitoring(this, this.service);
    llamaAuditTrail(this);
  }
}

if (require.main === module) synthExample('llama-70b-canary', app => new Llama70bCanaryChart(app, 'llama-70b-canary'));

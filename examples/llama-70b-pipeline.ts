// The 70B canary from staging to production. Both environments run the same GPU configuration (H100 SXM,
// TP=8) and validate one canary pod before any traffic; production is smaller in budget terms but larger in
// scale, has stricter gates, needs a person to sync, and its PreSync hook re-validates staging's Service
// before anything is applied. Argo CD Applications point at one output directory per environment.
import { App, Duration, YamlOutputType } from 'cdk8s';
import { Gate, ModelDeliveryPipeline, Percentile, TrafficRouter, ValidationCheck } from '../src';
import { llamaAuditTrail, LLAMA_NOTIFICATIONS, LLAMA_VALIDATION, llamaCanarySteps, llamaMonitoring } from './llama-70b-canary';
import { llama70bProps, llamaSharedCache } from './llama-70b-vllm';
import { synthExample } from './synth';

export function llama70bPipeline(app: App): ModelDeliveryPipeline {
  const pipeline = new ModelDeliveryPipeline(app, 'llama-70b', {
    // Each environment fills its own cache (one claim per namespace) in the MODEL_CACHE wave, before its Rollout.
    service: llama70bProps({ modelCache: llamaSharedCache() }),
    trafficRouter: TrafficRouter.istio(),
    validation: LLAMA_VALIDATION,
    staging: {
      namespace: 'llm-staging',
      replicas: 1,
      steps: llamaCanarySteps(),
      gpuBudget: 16,
      // Staging accepts a wider quality margin: it exists to catch regressions early, production decides.
      validationChecks: [
        ValidationCheck.quality({ metric: 'accuracy', threshold: 0.78, baseline: 0.84, baselineTolerance: 0.03 }),
        ...LLAMA_VALIDATION.checks.slice(1),
      ],
    },
    production: {
      namespace: 'llm',
      replicas: 4,
      steps: llamaCanarySteps(),
      gpuBudget: 48,
      backgroundAnalysis: [
        Gate.kvCacheUsage({ maxUsage: 0.95, count: 30 }),
        Gate.latency({ percentile: Percentile.P99, threshold: Duration.seconds(20), count: 30 }),
      ],
    },
    // Rollout triggers subscribe both Rollouts, Argo CD triggers both Applications.
    notifications: LLAMA_NOTIFICATIONS,
    gitOps: { repoUrl: 'https://github.com/acme/ml-deployments.git', path: 'clusters/gpu-prod/llama-70b', targetRevision: 'main' },
  });
  // Production is monitored and autoscaled; its Application then leaves the Rollout's replicas to KEDA.
  llamaMonitoring(pipeline.production, pipeline.production.service);
  // Each environment's namespace gets the audit webhook's notification config.
  llamaAuditTrail(pipeline.staging);
  llamaAuditTrail(pipeline.production);
  return pipeline;
}

if (require.main === module) {
  synthExample('llama-70b-pipeline', llama70bPipeline, { yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
}

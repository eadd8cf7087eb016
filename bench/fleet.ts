// What one model of the fleet is: everything the library emits for a production model (GpuModelService with its
// default scraping, a ValidationJob gate, a gated canary, alerts, KEDA autoscaling, a dashboard). When a construct
// is added to the library, it is added to fleetService() and nowhere else.
import { createHash } from 'crypto';
import { App, Chart, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Accelerator, AlertPreset, BlueGreenRollout, CanaryRollout, CanaryStep, Gate, GpuModelService, MigProfile, ModelAlerts, ModelAutoscaler,
  ModelDashboard, ModelRuntime, ModelSource, Percentile, Precision, PrometheusSettings, ScalingMetric, TrafficRouter, ValidationCheck,
  ValidationJob,
} from '../src';

/** The namespace every fleet object lands in, in every chart layout, so the layouts emit the same documents. */
export const FLEET_NAMESPACE = 'models';

/** The Prometheus the fleet's gates query (configured once per chart). */
export const FLEET_PROMETHEUS = 'http://prometheus-operated.monitoring.svc:9090';

/** The alerts every fleet model carries: SLOs, vLLM saturation, GPU health, drift, quality. */
const ALERTS = [
  AlertPreset.availabilitySlo({ objective: 0.999 }),
  AlertPreset.latencySlo({ objective: 0.99, threshold: Duration.seconds(10) }),
  AlertPreset.errorRate({ maxRatio: 0.02 }),
  AlertPreset.latency({ percentile: Percentile.P99, threshold: Duration.seconds(20) }),
  AlertPreset.timeToFirstToken({ threshold: Duration.seconds(1) }),
  AlertPreset.queueDepth({ maxWaiting: 20 }),
  AlertPreset.kvCacheUsage({ maxUsage: 0.98 }),
  AlertPreset.gpuUnderutilized(),
  AlertPreset.gpuMemoryNearFull(),
  AlertPreset.gpuXidErrors(),
  AlertPreset.metricsMissing(),
  AlertPreset.dataDrift({ metric: 'prompt_embedding_drift_score', threshold: 0.3 }),
  AlertPreset.qualityBelowBaseline({ metric: 'llm_judge_score', baseline: 0.82, tolerance: 0.03 }),
];

/** A gated Hugging Face model at a pinned revision (a hash of `seed`). */
function huggingFaceModel(repoId: string, seed: string): ModelSource {
  return ModelSource.huggingFace({ repoId, revision: createHash('sha1').update(seed).digest('hex'), token: { secretName: 'hf-token', key: 'token' } });
}

/**
 * One production model `i`: a vLLM GpuModelService (H100, TP 8, pinned Hugging Face revision, scraped) taken over
 * by an Istio-routed canary that first validates one canary pod with a ValidationJob, then gates its traffic steps;
 * alerts, KEDA autoscaling and a dashboard. Names, revision and replicas vary with `i`;
 * construct ids do too when `uniqueIds` is set (needed when several models share a chart).
 */
export function fleetService(scope: Construct, i: number, uniqueIds: boolean): CanaryRollout {
  const name = `llm-${i}`;
  const replicas = 2 + (i % 3);
  const id = (base: string) => (uniqueIds ? `${base}${i}` : base);
  const service = new GpuModelService(scope, id('Model'), {
    name,
    model: huggingFaceModel(`fleet-org/model-${i}-70b-instruct`, `model-${i}`),
    runtime: ModelRuntime.vllm({ maxModelLen: 32768, enablePrefixCaching: true }),
    accelerator: Accelerator.H100_SXM,
    tensorParallelSize: 8,
    replicas,
    footprint: { parametersBillions: 70.6, precision: Precision.BF16, kvCacheBudget: Size.gibibytes(200) },
    priorityClassName: 'gpu-serving',
  });
  const gates = [
    Gate.errorRate({ maxRatio: 0.01, stableTolerance: 1 }),
    Gate.latency({ percentile: Percentile.P95, threshold: Duration.seconds(8 + (i % 4)), stableTolerance: 0.2 }),
    Gate.timeToFirstToken({ percentile: Percentile.P95, threshold: Duration.millis(500) }),
  ];
  const validation = new ValidationJob(scope, id('Validation'), {
    service,
    image: 'ghcr.io/fleet-org/llm-evaluator@sha256:4f2a0e8c1b7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f',
    dataset: { uri: `s3://fleet-evals/model-${i}/v3/` },
    checks: [
      ValidationCheck.quality({ metric: 'accuracy', threshold: 0.8, baseline: 0.84, baselineTolerance: 0.01 }),
      ValidationCheck.latency({ p95: Duration.seconds(6 + (i % 4)), p99: Duration.seconds(10 + (i % 4)), requestsPerSecond: 4 }),
      ValidationCheck.schema({ outputSchema: { type: 'object', required: ['id', 'choices'] } }),
    ],
  });
  new ModelAlerts(scope, id('Alerts'), { service, runbookBaseUrl: 'https://runbooks.example.com/llm', alerts: ALERTS });
  new ModelAutoscaler(scope, id('Autoscaler'), { service, minReplicas: 2, maxReplicas: replicas, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 8 })] });
  new ModelDashboard(scope, id('Dashboard'), { service });
  return new CanaryRollout(scope, id('Canary'), {
    service,
    trafficRouter: TrafficRouter.istio(),
    dynamicStableScale: true,
    gpuBudget: 2 * replicas * 8,
    steps: [
      ...CanaryStep.validateBeforeTraffic(validation),
      CanaryStep.weight(25),
      CanaryStep.analysis({ gates }),
      CanaryStep.weight(50),
      CanaryStep.analysis({ gates }),
      CanaryStep.weight(100),
    ],
    backgroundAnalysis: [Gate.kvCacheUsage({ maxUsage: 0.95, count: 30 })],
  });
}

/** The alerts of the varied fleet's smaller models: those every runtime has the metrics for. */
const BASIC_ALERTS = [AlertPreset.availabilitySlo({ objective: 0.995 }), AlertPreset.errorRate({ maxRatio: 0.02 }), AlertPreset.gpuXidErrors()];

/**
 * Model `i` of the varied fleet, one of four kinds in turn: the production 70B canary of fleetService(), a Triton
 * classifier on one L4 in blue-green, an 8B TGI service on two A100s in a short canary, a vLLM embedding model on a
 * MIG slice with autoscaling and no rollout.
 */
export function variedService(scope: Construct, i: number, uniqueIds: boolean): void {
  const id = (base: string) => (uniqueIds ? `${base}${i}` : base);
  const name = `model-${i}`;
  switch (i % 4) {
    case 0:
      fleetService(scope, i, uniqueIds);
      return;
    case 1: {
      const service = new GpuModelService(scope, id('Classifier'), {
        name,
        model: ModelSource.s3({ uri: `s3://ml-models/classifier-${i}/2026-11-03/triton-repo/`, modelName: `classifier-${i}`, version: '2026-11-03' }),
        runtime: ModelRuntime.triton(),
        accelerator: Accelerator.L4,
        replicas: 2 + (i % 3),
        cpu: 4,
      });
      new ModelAlerts(scope, id('Alerts'), { service, alerts: BASIC_ALERTS });
      new BlueGreenRollout(scope, id('BlueGreen'), {
        service,
        prePromotionAnalysis: { gates: [Gate.errorRate({ maxRatio: 0.001 })] },
        autoPromotionEnabled: true,
        scaleDownDelay: Duration.minutes(5),
      });
      return;
    }
    case 2: {
      const service = new GpuModelService(scope, id('Model'), {
        name,
        model: huggingFaceModel(`fleet-org/model-${i}-8b-instruct`, `model-${i}`),
        runtime: ModelRuntime.tgi({ maxTotalTokens: 8192 }),
        accelerator: Accelerator.A100_80GB,
        tensorParallelSize: 2,
        replicas: 2,
        footprint: { parametersBillions: 8, precision: Precision.BF16 },
      });
      new ModelAlerts(scope, id('Alerts'), { service, alerts: BASIC_ALERTS });
      new CanaryRollout(scope, id('Canary'), {
        service,
        trafficRouter: TrafficRouter.istio(),
        steps: [CanaryStep.weight(20), CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 })] }), CanaryStep.weight(100)],
      });
      return;
    }
    default: {
      const service = new GpuModelService(scope, id('Embeddings'), {
        name,
        model: huggingFaceModel(`fleet-org/embed-${i}`, `embed-${i}`),
        runtime: ModelRuntime.vllm({ gpuMemoryUtilization: 0.85, extraArgs: ['--task', 'embed'] }),
        accelerator: Accelerator.H100_SXM,
        migProfile: MigProfile.PROFILE_1G_10GB,
        footprint: { parametersBillions: 0.335, precision: Precision.FP16 },
        replicas: 4,
      });
      new ModelAutoscaler(scope, id('Autoscaler'), { service, minReplicas: 2, maxReplicas: 8, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 16 })] });
    }
  }
}

/** Which models the fleet holds. */
export enum Fleet {
  /** Every model the production 70B canary of fleetService(). */
  UNIFORM = 'uniform',
  /** Four kinds of models in turn (variedService()): runtimes, GPUs, sizes and delivery strategies differ. */
  VARIED = 'varied',
}

/** How the services are spread over charts. */
export enum Layout {
  /** One chart holds every service. */
  SINGLE = 'single',
  /** One chart per service, named after it; the same construct ids in every chart (the recommended style). */
  PER_SERVICE = 'per-service',
  /**
   * One chart per service with ids that differ per chart (`Model7`, `Canary7`): past ~1,500 charts V8 leaves its
   * fast path for every new object (see the README's "Fleets" section).
   */
  PER_SERVICE_UNIQUE_IDS = 'per-service-unique-ids',
}

/** The name of model `i`'s chart in the one-chart-per-service layouts. */
export function serviceChartName(i: number): string {
  return `llm-${i}`;
}

/** Builds `n` services of `fleet` into `app` in the given chart layout. */
export function buildFleet(app: App, n: number, layout: Layout, fleet: Fleet = Fleet.UNIFORM): void {
  let chart: Chart | undefined;
  for (let i = 0; i < n; i++) {
    if (!chart || layout !== Layout.SINGLE) {
      chart = new Chart(app, layout === Layout.SINGLE ? 'fleet' : serviceChartName(i), { namespace: FLEET_NAMESPACE });
      PrometheusSettings.configure(chart, { address: FLEET_PROMETHEUS });
    }
    (fleet === Fleet.UNIFORM ? fleetService : variedService)(chart, i, layout !== Layout.PER_SERVICE);
  }
}

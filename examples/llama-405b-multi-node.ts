// Llama-3.1-405B-Instruct in BF16 (~810 GB of weights) on 2 nodes x 8 H100 SXM per replica: one LeaderWorkerSet
// group per replica, tensor parallel 8 inside each node over NVLink, pipeline parallel 2 across the nodes. An
// update is staged and gated: this commit runs the new version on one of the two groups and measures it against
// the other with the same gates and evaluator as the 70B canary; the next commit (`UpdateStage.full()`) moves the rest.
import { Chart, ChartProps, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Accelerator, AlertPreset, GpuModelService, ModelAlerts, ModelDashboard, ModelRuntime, ModelSource, Precision, PrometheusSettings,
  StagedGroupUpdate, UpdateStage,
} from '../src';
import { LLAMA_GATES, LLAMA_VALIDATION } from './llama-70b-canary';
import { VLLM_IMAGE } from './llama-70b-vllm';
import { cdk8sExample } from './synth';

export class Llama405bMultiNodeChart extends Chart {
  public readonly service: GpuModelService;
  public readonly update: StagedGroupUpdate;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    PrometheusSettings.configure(this, { address: 'http://prometheus-operated.monitoring.svc:9090' });
    this.service = new GpuModelService(this, 'Llama405b', {
      name: 'llama-405b',
      // 810 GB is read by every node of a group: a ReadOnlyMany volume (Lustre, Filestore) rather than a download per pod.
      model: ModelSource.persistentVolumeClaim({
        claimName: 'llama-3-1-405b-instruct', modelName: 'meta-llama/Llama-3.1-405B-Instruct', version: '2024-07-23',
      }),
      runtime: ModelRuntime.vllm({ maxModelLen: 32768, enablePrefixCaching: true, image: VLLM_IMAGE }),
      accelerator: Accelerator.H100_SXM,
      tensorParallelSize: 8,
      pipelineParallelSize: 2,
      replicas: 2,
      // A surge group would be 16 more GPUs: replace one group at a time instead.
      maxSurge: 0,
      maxUnavailable: 1,
      footprint: { parametersBillions: 405, precision: Precision.BF16, kvCacheBudget: Size.gibibytes(200) },
      priorityClassName: 'gpu-serving',
      // Both nodes of a group in one GKE node pool (one NVLink-connected, compact placement), one group per pool.
      multiNode: { exclusiveTopologyKey: 'cloud.google.com/gke-nodepool' },
    });
    this.update = new StagedGroupUpdate(this, 'Update', {
      service: this.service,
      // The other group keeps the release it runs; the gates compare against every release of the service but this one.
      stage: UpdateStage.canary({ groups: 1 }),
      gates: LLAMA_GATES,
      // The 70B's evaluator, run in the same AnalysisRun against the canary group's leader (llama-405b-canary).
      validation: LLAMA_VALIDATION,
      gpuBudget: 32,
    });
    new ModelAlerts(this, 'Alerts', {
      service: this.service,
      runbookBaseUrl: 'https://runbooks.example.com/llm',
      alerts: [
        AlertPreset.availabilitySlo({ objective: 0.999 }),
        AlertPreset.errorRate({ maxRatio: 0.02 }),
        AlertPreset.queueDepth({ maxWaiting: 20 }),
        AlertPreset.gpuXidErrors(),
        AlertPreset.gpuMetricsMissing(),
        AlertPreset.metricsMissing(),
      ],
    });
    new ModelDashboard(this, 'Dashboard', { service: this.service, folder: 'LLM serving' });
  }
}

export const synth = cdk8sExample(module, app => new Llama405bMultiNodeChart(app, 'llama-405b'));

// DeepSeek-R1 (671B parameters) in BF16, ~1.34 TB of weights, on 2 nodes x 8 H200 per replica over InfiniBand:
// TP 8 inside each node, PP 2 across the two. The weights are a BF16 conversion of deepseek-ai/DeepSeek-R1
// (published in FP8) on a ReadOnlyMany volume every node of a group mounts.
import { Chart, ChartProps, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, GpuModelService, Interconnect, ModelRuntime, ModelSource, Precision } from '../src';
import { VLLM_IMAGE } from './llama-70b-vllm';
import { cdk8sExample } from './synth';

export class DeepSeekR1MultiNodeChart extends Chart {
  public readonly service: GpuModelService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    this.service = new GpuModelService(this, 'DeepSeekR1', {
      name: 'deepseek-r1',
      model: ModelSource.persistentVolumeClaim({
        claimName: 'deepseek-r1-bf16', modelName: 'deepseek-ai/DeepSeek-R1', version: '8a58a132790c9935686eb97f042afa8013451c9f-bf16',
      }),
      runtime: ModelRuntime.vllm({ maxModelLen: 32768, image: VLLM_IMAGE }),
      accelerator: Accelerator.H200,
      tensorParallelSize: 8,
      pipelineParallelSize: 2,
      replicas: 1,
      maxSurge: 0,
      maxUnavailable: 1,
      footprint: { parametersBillions: 671, precision: Precision.BF16, kvCacheBudget: Size.gibibytes(400) },
      priorityClassName: 'gpu-serving',
      multiNode: {
        nodesPerReplica: 2,
        // The namespace must admit IPC_LOCK (see Interconnect.rdma).
        interconnect: Interconnect.rdma({ resourceName: 'rdma/ib', acknowledgeIpcLock: true }),
      },
    });
  }
}

export const synth = cdk8sExample(module, app => new DeepSeekR1MultiNodeChart(app, 'deepseek-r1'));

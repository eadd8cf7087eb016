// Llama-3.1-70B-Instruct on one 8x H100 SXM node per replica, served by vLLM with TP=8.
import { Chart, ChartProps, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, GpuModelService, GpuModelServiceProps, ModelRuntime, ModelSource, Precision } from '../src';
import { cdk8sExample } from './synth';

/** The 70B service every Llama example builds on. */
export function llama70bProps(overrides: Partial<GpuModelServiceProps> = {}): GpuModelServiceProps {
  return {
    name: 'llama-70b',
    model: ModelSource.huggingFace({
      repoId: 'meta-llama/Llama-3.1-70B-Instruct',
      revision: '1605565b47bb9346c5515c34102e054115b4f98b',
      token: { secretName: 'hf-token', key: 'token' },
    }),
    runtime: ModelRuntime.vllm({ maxModelLen: 32768, enablePrefixCaching: true }),
    accelerator: Accelerator.H100_SXM,
    tensorParallelSize: 8,
    replicas: 2,
    footprint: { parametersBillions: 70.6, precision: Precision.BF16, kvCacheBudget: Size.gibibytes(200) },
    priorityClassName: 'gpu-serving',
    // Lineage beyond the model source: the fine-tuning run and its data.
    provenance: {
      trainingRunId: 'mlflow-run-7f3c2a91d4e84b1f',
      trainingDataHash: 'sha256:9b4c1e0d7a6f3e2b8c5d4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d',
    },
    ...overrides,
  };
}

export function llama70b(scope: Construct, overrides: Partial<GpuModelServiceProps> = {}): GpuModelService {
  return new GpuModelService(scope, 'Llama70b', llama70bProps(overrides));
}

export class Llama70bChart extends Chart {
  public readonly service: GpuModelService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });
    this.service = llama70b(this);
  }
}

export const synth = cdk8sExample(module, app => new Llama70bChart(app, 'llama-70b'));

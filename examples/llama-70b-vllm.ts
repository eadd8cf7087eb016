// Llama-3.1-70B-Instruct on one 8x H100 SXM node per replica, served by vLLM with TP=8.
import { Chart, ChartProps, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, GpuModelService, GpuModelServiceProps, ModelCache, ModelRuntime, ModelSource, Precision } from '../src';
import { synthExample } from './synth';

/** vLLM v0.11.0, by the digest of its multi-platform image index. */
export const VLLM_IMAGE = 'vllm/vllm-openai:v0.11.0@sha256:014a95f21c9edf6abe0aea6b07353f96baa4ec291c427bb1176dc7c93a85845c';

/**
 * The shared cache of the canary and pipeline examples: each version is downloaded once, by a Job checked against
 * the commit's hashes, before the workload; every pod loads it from the volume. The repository also holds the
 * original checkpoint (`original/*.pth`), so a version takes about twice the weights.
 */
export function llamaSharedCache(): ModelCache {
  return ModelCache.shared({ storageClassName: 'efs-models', size: Size.gibibytes(600), keepVersions: 2, sizePerVersion: Size.gibibytes(290) });
}

/** The 70B service every Llama example builds on. */
export function llama70bProps(overrides: Partial<GpuModelServiceProps> = {}): GpuModelServiceProps {
  return {
    name: 'llama-70b',
    model: ModelSource.huggingFace({
      repoId: 'meta-llama/Llama-3.1-70B-Instruct',
      revision: '1605565b47bb9346c5515c34102e054115b4f98b',
      token: { secretName: 'hf-token', key: 'token' },
    }),
    // Pinned by digest (the tag is kept for readers): production refuses a tag, which can be pushed over.
    runtime: ModelRuntime.vllm({ maxModelLen: 32768, enablePrefixCaching: true, image: VLLM_IMAGE }),
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

if (require.main === module) synthExample('llama-70b-vllm', app => new Llama70bChart(app, 'llama-70b'));

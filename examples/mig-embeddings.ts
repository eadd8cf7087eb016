// An embedding model on a 1g.10gb MIG slice of an H100, from MLflow's registry at a pinned version.
import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, GpuModelService, MigProfile, ModelRuntime, ModelSource, Precision } from '../src';
import { cdk8sExample } from './synth';

export class MigEmbeddingsChart extends Chart {
  public readonly service: GpuModelService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'search', ...props });
    this.service = new GpuModelService(this, 'Embeddings', {
      name: 'bge-embeddings',
      model: ModelSource.mlflow({
        trackingUri: 'https://mlflow.internal.example.com',
        modelName: 'bge-large-en',
        version: '12',
        artifactPath: 'model',
        credentialsSecretName: 'mlflow-credentials',
      }),
      runtime: ModelRuntime.vllm({ gpuMemoryUtilization: 0.85, extraArgs: ['--task', 'embed'] }),
      accelerator: Accelerator.H100_SXM,
      migProfile: MigProfile.PROFILE_1G_10GB,
      footprint: { parametersBillions: 0.335, precision: Precision.FP16 },
      replicas: 4,
    });
  }
}

export const synth = cdk8sExample(module, app => new MigEmbeddingsChart(app, 'embeddings'));

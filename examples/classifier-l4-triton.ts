// A small image classifier on one L4, served by Triton from a model repository in S3.
import { App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, GpuModelService, ModelRuntime, ModelSource } from '../src';

export class ClassifierChart extends Chart {
  public readonly service: GpuModelService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'vision', ...props });
    this.service = new GpuModelService(this, 'Classifier', {
      name: 'resnet-classifier',
      model: ModelSource.s3({
        uri: 's3://ml-models/resnet-classifier/2024-11-03/triton-repo/',
        modelName: 'resnet-classifier',
        version: '2024-11-03',
      }),
      runtime: ModelRuntime.triton(),
      accelerator: Accelerator.L4,
      replicas: 3,
      cpu: 4,
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/model-reader' },
    });
  }
}

if (require.main === module) {
  const app = new App({ outdir: process.argv[2] ?? 'dist/examples/classifier-l4-triton' });
  new ClassifierChart(app, 'classifier');
  app.synth();
}

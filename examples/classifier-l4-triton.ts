// A small image classifier on one L4, served by Triton from a model repository in S3.
import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, GpuModelService, ModelRuntime, ModelSource } from '../src';
import { cdk8sExample } from './synth';

/** The classifier service the blue-green example builds on. */
export function classifier(scope: Construct): GpuModelService {
  return new GpuModelService(scope, 'Classifier', {
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

export class ClassifierChart extends Chart {
  public readonly service: GpuModelService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'vision', ...props });
    this.service = classifier(this);
  }
}

export const synth = cdk8sExample(module, app => new ClassifierChart(app, 'classifier'));

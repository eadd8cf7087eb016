import { Chart, Testing } from 'cdk8s';
import { Accelerator, GpuModelService, GpuModelServiceProps, ModelRuntime, ModelSource, ValidationCheck, ValidationJob, ValidationTarget } from '../../src';

export const SHA = '1605565b47bb9346c5515c34102e054115b4f98b';

export function hfSource(): ModelSource {
  return ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA });
}

/** A chart with one service: the defaults plus whatever the test overrides. */
export function service(overrides: Partial<GpuModelServiceProps> = {}): { chart: Chart; svc: GpuModelService } {
  const chart = Testing.chart();
  const svc = new GpuModelService(chart, 'Svc', {
    model: hfSource(),
    runtime: ModelRuntime.vllm(),
    accelerator: Accelerator.H100_SXM,
    ...overrides,
  });
  return { chart, svc };
}

/** The synthesized documents of a chart, by kind (first of each). */
export function byKind(docs: any[]): Record<string, any> {
  const out: Record<string, any> = {};
  for (const d of docs) out[d.kind] ??= d;
  return out;
}

export function podSpec(docs: any[]): any {
  return byKind(docs).Deployment.spec.template.spec;
}

export function server(docs: any[]): any {
  return podSpec(docs).containers.find((c: any) => c.name === 'server');
}

/** An in-process ValidationJob on `svc`: the chart's documents and the evaluator's pod spec. */
export function inProcessEvaluator(chart: Chart, svc: GpuModelService): { docs: any[]; evaluator: any } {
  new ValidationJob(chart, 'V', {
    service: svc,
    image: 'ghcr.io/acme/eval:1.0',
    dataset: { uri: 's3://e/x/' },
    checks: [ValidationCheck.quality({ metric: 'a', threshold: 0.5 })],
    target: ValidationTarget.inProcess(),
  });
  const docs = Testing.synth(chart);
  return { docs, evaluator: byKind(docs).AnalysisTemplate.spec.metrics[0].provider.job.spec.template.spec };
}

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart, Yaml, YamlOutputType } from 'cdk8s';
import { App as TerraformApp, TerraformStack, Testing as TerraformTesting } from 'cdktf';
import { llama70bPipeline } from '../../examples/llama-70b-pipeline';
import { DeliveryEnvironment } from '../../src';
import { KubernetesManifests } from '../../src/terraform';

const WAVE = 'argocd.argoproj.io/sync-wave';
const HOOK = 'argocd.argoproj.io/hook';

/** A new app with the example pipeline, whose production environment gets monitoring after it is created. */
function pipelineApp(outdir: string) {
  const app = new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir });
  return { app, pipeline: llama70bPipeline(app) };
}

const key = (d: any) => `${d.kind}/${d.metadata.name}`;
const wavesOf = (docs: any[]) => Object.fromEntries(docs.map(d => [key(d), d.metadata.annotations?.[WAVE] ?? null]));

/** Every document `app.synth()` wrote for a chart (one file per resource, a folder per chart). */
function writtenDocs(outdir: string, env: Chart): any[] {
  const folder = fs.readdirSync(outdir).find(f => f.includes(env.node.id))!;
  return fs.readdirSync(path.join(outdir, folder)).flatMap(f => Yaml.load(path.join(outdir, folder, f)));
}

describe('DeliveryEnvironment annotations are rendered, not added during validation', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'env-annotations-'));

  test('app.synth() writes the same documents with or without validations run before, once or twice', () => {
    const plain = pipelineApp(path.join(tmp, 'plain'));
    plain.app.synth();
    const validated = pipelineApp(path.join(tmp, 'validated'));
    for (let i = 0; i < 2; i++) {
      for (const c of validated.app.node.findAll()) expect(c.node.validate()).toEqual([]);
    }
    validated.app.synth();
    for (const env of ['staging', 'production'] as const) {
      const docs = writtenDocs(path.join(tmp, 'plain'), plain.pipeline[env]);
      expect(docs.length).toBeGreaterThan(10);
      expect(writtenDocs(path.join(tmp, 'validated'), validated.pipeline[env])).toEqual(docs);
      // What Chart.toJson() renders (Terraform, Testing.synth) is what the App wrote.
      expect(new Map(plain.pipeline[env].toJson().map(d => [key(d), d]))).toEqual(new Map(docs.map(d => [key(d), d])));
    }
  });

  test('every object gets its wave, monitoring added after the environment included; the tree keeps only its own annotations', () => {
    const { pipeline } = pipelineApp(path.join(tmp, 'tree'));
    const env: DeliveryEnvironment = pipeline.production;
    const docs = env.toJson();
    const waves = wavesOf(docs);
    expect(waves['Rollout/llama-70b']).toBe('0');
    expect(waves['ScaledObject/llama-70b']).toBe('10');
    expect(waves['PrometheusRule/llama-70b-alerts']).toBe('10');
    expect(waves['ConfigMap/llama-70b-dashboard']).toBe('10');
    expect(waves['Service/llama-70b']).toBe('-10');
    for (const d of docs) {
      if (d.metadata.annotations?.[HOOK] === undefined) expect([d.kind, d.metadata.annotations?.[WAVE]]).toEqual([d.kind, expect.stringMatching(/^-?\d+$/)]);
    }
    // Rendering added nothing to the objects: their own metadata has no wave the environment decided.
    const rollout = env.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Rollout')!;
    expect(rollout.metadata.toJson().annotations?.[WAVE]).toBeUndefined();
    expect(env.toJson()).toEqual(docs);
  });

  test('Terraform applies the same waves, whether or not the cdk8s validations ran before', () => {
    const plan = (validateFirst: boolean) => {
      const { app, pipeline } = pipelineApp(path.join(tmp, `tf-${validateFirst}`));
      if (validateFirst) for (const c of app.node.findAll()) c.node.validate();
      const stack = new TerraformStack(new TerraformApp({ outdir: path.join(tmp, `tf-out-${validateFirst}`) }), 'llm');
      new KubernetesManifests(stack, 'Manifests', { chart: pipeline.production });
      const resources = JSON.parse(TerraformTesting.synth(stack)).resource.kubernetes_manifest as Record<string, any>;
      return { resources, docs: pipeline.production.toJson() };
    };
    const first = plan(false);
    const manifests = Object.values(first.resources).map(r => r.manifest);
    expect(wavesOf(manifests)).toEqual(wavesOf(first.docs));
    expect(plan(true).resources).toEqual(first.resources);
  });
});

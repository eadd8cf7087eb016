// The 70B canary applied through Terraform instead of Argo CD: the same chart, one kubernetes_manifest per
// object, written as plain Terraform JSON (stacks/llama-70b/cdk.tf.json) that `terraform` applies without cdktf.
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import * as cdk8s from 'cdk8s';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Llama70bCanaryChart } from './llama-70b-canary';
import { example } from './synth';
import { KubernetesManifests } from '../src/terraform';

export class Llama70bTerraformStack extends TerraformStack {
  public readonly chart: Llama70bCanaryChart;
  public readonly manifests: KubernetesManifests;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // A relative state path keeps the file free of the machine it was synthesized on; teams set their own backend.
    new LocalBackend(this, { path: 'terraform.tfstate' });
    new KubernetesProvider(this, 'kubernetes', { configPath: '~/.kube/config' });
    this.chart = new Llama70bCanaryChart(new cdk8s.App(), 'llama-70b-canary');
    this.manifests = new KubernetesManifests(this, 'Llama70bCanary', { chart: this.chart });
  }
}

export const synth = example(module, outdir => {
  // cdktf synthesizes in-process: no terraform binary is needed.
  const app = new App({ outdir });
  new Llama70bTerraformStack(app, 'llama-70b');
  app.synth();
});

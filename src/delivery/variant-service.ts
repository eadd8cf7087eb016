import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { IServiceRef } from '../serving/model-service';

/**
 * A Service a delivery construct creates in front of one version of a model service (a rollout's canary, stable or
 * preview Service, a staged update's canary groups), referenced by object.
 */
export class VariantService extends k8s.KubeService implements IServiceRef {
  public readonly namespace?: string;

  constructor(scope: Construct, id: string, public readonly port: number, props: k8s.KubeServiceProps) {
    super(scope, id, props);
    this.namespace = props.metadata?.namespace;
  }
}

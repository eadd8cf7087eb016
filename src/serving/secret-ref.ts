import * as kplus from 'cdk8s-plus-34';

/**
 * A reference to one key of a Kubernetes Secret. Credentials reach containers only this way,
 * never as literal values in the synthesized manifests. Name the Secret with `secretName` or pass the
 * cdk8s-plus object as `secret`: exactly one of them.
 */
export interface SecretKeyRef {
  /**
   * Name of the Secret, in the namespace of the workload.
   * @default - the name of `secret`
   * @see https://kubernetes.io/docs/concepts/configuration/secret/
   */
  readonly secretName?: string;
  /**
   * The Secret as a cdk8s-plus object (`new kplus.Secret(...)` or `kplus.Secret.fromSecretName(...)`), in the
   * namespace of the workload.
   * @default - the Secret named by `secretName`
   * @see https://kubernetes.io/docs/concepts/configuration/secret/
   */
  readonly secret?: kplus.ISecret;
  /** Key inside the Secret. */
  readonly key: string;
}

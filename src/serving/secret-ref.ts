/**
 * A reference to one key of a Kubernetes Secret. Credentials reach containers only this way,
 * never as literal values in the synthesized manifests.
 */
export interface SecretKeyRef {
  /** Name of the Secret, in the namespace of the workload. */
  readonly secretName: string;
  /** Key inside the Secret. */
  readonly key: string;
}

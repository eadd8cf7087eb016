/**
 * `cdk8s-mlops/plugin`: the cdk8s validation plugin alone (also exported by the main entry point), for
 * `cdk8s.yaml` `validations:` with a local `package:` path.
 */
export * from './mlops-validation';

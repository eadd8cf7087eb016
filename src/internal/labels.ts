/** The domain of the library's own labels and annotations. */
export const DOMAIN = 'mlops.cdk8s.io';

/** Labels and annotations keys, in one place so every construct writes the same ones. */
export const LabelKeys = {
  NAME: 'app.kubernetes.io/name',
  INSTANCE: 'app.kubernetes.io/instance',
  VERSION: 'app.kubernetes.io/version',
  COMPONENT: 'app.kubernetes.io/component',
  MANAGED_BY: 'app.kubernetes.io/managed-by',
  MODEL_NAME: `${DOMAIN}/model-name`,
  MODEL_VERSION: `${DOMAIN}/model-version`,
  MODEL_SOURCE: `${DOMAIN}/model-source`,
  MODEL_URI: `${DOMAIN}/model-uri`,
  TRAINING_DATA_HASH: `${DOMAIN}/training-data-hash`,
  TRAINING_RUN_ID: `${DOMAIN}/training-run-id`,
  GIT_REVISION: `${DOMAIN}/git-revision`,
  RUNTIME: `${DOMAIN}/runtime`,
  ACCELERATOR: `${DOMAIN}/accelerator`,
} as const;

export const MANAGED_BY = 'cdk8s-mlops';

/**
 * The selector labels of a workload: stable for its whole life (a Deployment's selector is
 * immutable), so they never carry the model version.
 */
export function selectorLabels(name: string): Record<string, string> {
  return { [LabelKeys.NAME]: name, [LabelKeys.INSTANCE]: name };
}

import { labelValue } from './names';
import { ModelLineage as Lineage } from '../serving/lineage';

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

// Every object of a service carries the same lineage labels; shortening a value hashes it, so compute them once.
const labelsOf = new WeakMap<Lineage, Record<string, string>>();

/** Labels for selecting objects by model and version; values are shortened to valid label values. */
export function lineageLabels(l: Lineage): Record<string, string> {
  let labels = labelsOf.get(l);
  if (!labels) {
    labels = renderLineageLabels(l);
    labelsOf.set(l, labels);
  }
  return { ...labels };
}

function renderLineageLabels(l: Lineage): Record<string, string> {
  return {
    [LabelKeys.MODEL_NAME]: labelValue(l.modelName),
    [LabelKeys.MODEL_VERSION]: labelValue(l.modelVersion),
    [LabelKeys.MODEL_SOURCE]: labelValue(l.sourceKind),
    ...withValues(labelValue, provenanceOf(l)),
  };
}

/** Annotations carrying the full, unshortened lineage values. */
export function lineageAnnotations(l: Lineage): Record<string, string> {
  return {
    [LabelKeys.MODEL_NAME]: l.modelName,
    [LabelKeys.MODEL_VERSION]: l.modelVersion,
    [LabelKeys.MODEL_URI]: l.sourceUri,
    ...withValues(v => v, provenanceOf(l)),
  };
}

function provenanceOf(l: Lineage): Record<string, string | undefined> {
  return {
    [LabelKeys.TRAINING_DATA_HASH]: l.trainingDataHash,
    [LabelKeys.TRAINING_RUN_ID]: l.trainingRunId,
    [LabelKeys.GIT_REVISION]: l.gitRevision,
  };
}

function withValues(format: (v: string) => string, entries: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v).map(([k, v]) => [k, format(v!)]));
}

/**
 * The selector labels of a workload: stable for its whole life (a Deployment's selector is
 * immutable), so they never carry the model version.
 */
export function selectorLabels(name: string): Record<string, string> {
  return { [LabelKeys.NAME]: name, [LabelKeys.INSTANCE]: name };
}

/** The recommended `app.kubernetes.io/*` labels plus the lineage labels. */
export function standardLabels(name: string, component: string, l: Lineage): Record<string, string> {
  return {
    ...selectorLabels(name),
    [LabelKeys.VERSION]: labelValue(l.modelVersion),
    [LabelKeys.COMPONENT]: component,
    [LabelKeys.MANAGED_BY]: MANAGED_BY,
    ...lineageLabels(l),
  };
}

import { ModelLineage as Lineage } from './lineage';
import { LabelKeys, MANAGED_BY, selectorLabels } from '../internal/labels';
import { labelValue } from '../internal/names';

/**
 * Labels for selecting objects by model and version; values are shortened to valid label values. Computed on each
 * call (a hash only for a value that is too long or invalid): no cache kept across charts or apps.
 */
export function lineageLabels(l: Lineage): Record<string, string> {
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

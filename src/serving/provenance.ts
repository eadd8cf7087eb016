import { IConstruct } from 'constructs';
import { ModelLineage, Provenance } from './lineage';

/** The construct context key (set on the app or a chart) holding the git revision of the synth. */
export const GIT_REVISION_CONTEXT = 'cdk8s-mlops:gitRevision';

/** The environment variable read for the git revision when neither the prop nor the context sets it. */
export const GIT_REVISION_ENV = 'CDK8S_MLOPS_GIT_REVISION';

/**
 * Adds the provenance to a source's lineage, resolving the git revision from the prop, the context or the environment.
 */
export function withProvenance(scope: IConstruct, lineage: ModelLineage, provenance: Provenance = {}): ModelLineage {
  const fromContext = scope.node.tryGetContext(GIT_REVISION_CONTEXT);
  const gitRevision = provenance.gitRevision ?? (typeof fromContext === 'string' ? fromContext : undefined) ?? process.env[GIT_REVISION_ENV];
  return {
    ...lineage,
    trainingDataHash: provenance.trainingDataHash ?? lineage.trainingDataHash,
    trainingRunId: provenance.trainingRunId ?? lineage.trainingRunId,
    gitRevision: gitRevision || undefined,
  };
}

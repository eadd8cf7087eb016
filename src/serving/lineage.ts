/**
 * Where one model version came from. Recorded as labels (for selection) and annotations (full
 * values) on every object a construct of this library creates.
 */
export interface ModelLineage {
  /** The model's name, e.g. `meta-llama/Llama-3.1-70B-Instruct`. */
  readonly modelName: string;
  /** The exact version: a commit SHA, a registry version number, an image digest. */
  readonly modelVersion: string;
  /** The kind of source: `huggingface`, `s3`, `gcs`, `mlflow`, `oci`, `pvc`. */
  readonly sourceKind: string;
  /** The full URI of the source at that version. */
  readonly sourceUri: string;
  /**
   * Hash of the training data the version was trained on.
   * @default - not recorded
   */
  readonly trainingDataHash?: string;
  /**
   * The training run (experiment tracker run id) that produced the version.
   * @default - not recorded
   */
  readonly trainingRunId?: string;
  /**
   * Git revision of the code that synthesized the manifests.
   * @default - not recorded
   */
  readonly gitRevision?: string;
}

/**
 * What the model source cannot know about a version: how it was trained and which commit synthesized it.
 */
export interface Provenance {
  /**
   * Hash of the training data (e.g. the dataset manifest's sha256).
   * @default - not recorded
   */
  readonly trainingDataHash?: string;
  /**
   * The training run id (e.g. the MLflow run id of the registered version).
   * @default - not recorded
   */
  readonly trainingRunId?: string;
  /**
   * Git revision of the synth, e.g. `process.env.GITHUB_SHA`.
   * @default - the construct context value `cdk8s-mlops:gitRevision`, else the environment variable
   * `CDK8S_MLOPS_GIT_REVISION`, else not recorded
   */
  readonly gitRevision?: string;
}

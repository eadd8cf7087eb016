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
}

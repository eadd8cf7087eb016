import { Duration, Size } from 'cdk8s';

/**
 * Access modes of a PersistentVolumeClaim.
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
 */
export enum CacheAccessMode {
  /** Read-write by pods on many nodes: what a shared cache needs (one Job writes, every replica reads). */
  READ_WRITE_MANY = 'ReadWriteMany',
  /** Read-only by many nodes: nothing could fill it. */
  READ_ONLY_MANY = 'ReadOnlyMany',
  /** Read-write by pods of one node: replicas on other nodes could not mount it. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Read-write by one pod. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
}

/** One file of a sha256 manifest. */
export interface Sha256ManifestEntry {
  /** The file's path relative to the model directory, e.g. `model-00001-of-00030.safetensors`. */
  readonly path: string;
  /** Its sha256, 64 lowercase hex digits. */
  readonly sha256: string;
  /** Its size: the manifest must account for the model's weights. */
  readonly size: Size;
}

/** Options of a sha256 manifest. */
export interface Sha256ManifestOptions {
  /** Every file of the model version; a file on disk that is not listed fails the fill. */
  readonly files: Sha256ManifestEntry[];
}

/** The integrity check a cache fill runs before it marks a version complete. */
export class CacheIntegrity {
  /**
   * The Hugging Face commit's own hashes: the sha256 of every LFS file and the git blob id of every other file,
   * read from the Hub API (`model_info(files_metadata=True)`). Only for `ModelSource.huggingFace()`.
   * @see https://huggingface.co/docs/huggingface_hub/package_reference/hf_api#huggingface_hub.HfApi.model_info
   */
  public static huggingFaceCommit(): CacheIntegrity {
    return new CacheIntegrity(undefined);
  }

  /** A manifest of sha256 sums you give: every listed file must match, and no other file may be present. */
  public static sha256Manifest(options: Sha256ManifestOptions): CacheIntegrity {
    return new CacheIntegrity(options.files);
  }

  private constructor(private readonly manifest: Sha256ManifestEntry[] | undefined) {}

  /**
   * The manifest's files; none for the Hugging Face commit's hashes.
   * @internal
   */
  public get _files(): Sha256ManifestEntry[] | undefined {
    return this.manifest;
  }
}

/** Options of a shared, versioned model cache. */
export interface SharedModelCacheOptions {
  /**
   * The StorageClass of the claim: one that provisions ReadWriteMany volumes (EFS, Filestore, Azure Files, CephFS, NFS)
   * and lets the pods' group (10001, `fsGroup`) write.
   */
  readonly storageClassName: string;
  /** The claim's size: it must hold `keepVersions` versions of the model. */
  readonly size: Size;
  /**
   * The claim's access mode; must let many nodes read and one Job write.
   * @default CacheAccessMode.READ_WRITE_MANY
   */
  readonly accessMode?: CacheAccessMode;
  /**
   * Versions kept on the volume, the one being filled included. At least 2: during a canary and after an abort the
   * stable pods still load the previous version.
   * @default 2
   */
  readonly keepVersions?: number;
  /**
   * What one version takes on the volume (everything the source downloads: some repositories also hold the original
   * checkpoint format).
   * @default - the service footprint's weights plus 10%
   */
  readonly sizePerVersion?: Size;
  /**
   * How the fill proves it has the pinned version.
   * @default - CacheIntegrity.huggingFaceCommit() for a Hugging Face source; required for other sources
   */
  readonly integrity?: CacheIntegrity;
  /**
   * How long the fill Job may take (`activeDeadlineSeconds`): download and hashing of every file.
   * @default Duration.hours(6)
   */
  readonly fillTimeout?: Duration;
}


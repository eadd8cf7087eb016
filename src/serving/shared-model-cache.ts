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

/** One object of an S3 model version, pinned by its version id, its ETag, or both. */
export interface S3ObjectPin {
  /** The object's key relative to the source's `uri`, which is also its path in the model directory. */
  readonly path: string;
  /** Its size: the pins must account for the model's weights. */
  readonly size: Size;
  /**
   * The S3 version id (a versioned bucket): the fill checks the downloaded file against that version.
   * @default - the object's current version, which must then carry `eTag`
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
   */
  readonly versionId?: string;
  /**
   * The ETag you recorded (without quotes): the object in S3 must still have it.
   * @default - whatever the pinned version has
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html
   */
  readonly eTag?: string;
}

/** Options of S3 object pins. */
export interface S3ObjectsOptions {
  /** Every object of the model version; a file on disk that is not listed fails the fill. */
  readonly objects: S3ObjectPin[];
}

/** What an integrity check compares the files against. */
export enum CacheIntegrityKind {
  /** The Hugging Face commit's file hashes. */
  HUGGING_FACE_COMMIT = 'huggingface-commit',
  /** A sha256 manifest. */
  SHA256_MANIFEST = 'sha256-manifest',
  /** S3 object versions or ETags. */
  S3_OBJECTS = 's3-objects',
}

/** The integrity check a cache fill runs before it marks a version complete. */
export class CacheIntegrity {
  /**
   * The Hugging Face commit's own hashes: the sha256 of every LFS file and the git blob id of every other file,
   * read from the Hub API (`model_info(files_metadata=True)`). Only for `ModelSource.huggingFace()`.
   * @see https://huggingface.co/docs/huggingface_hub/package_reference/hf_api#huggingface_hub.HfApi.model_info
   */
  public static huggingFaceCommit(): CacheIntegrity {
    return new CacheIntegrity(CacheIntegrityKind.HUGGING_FACE_COMMIT, []);
  }

  /** A manifest of sha256 sums you give: every listed file must match, and no other file may be present. */
  public static sha256Manifest(options: Sha256ManifestOptions): CacheIntegrity {
    return new CacheIntegrity(CacheIntegrityKind.SHA256_MANIFEST, options.files);
  }

  /**
   * S3 objects pinned by version id or ETag (only for `ModelSource.s3()`): each downloaded file must have the size of
   * the pinned object and its ETag, recomputed from the file (MD5, or the MD5 of the parts' MD5s for a multipart
   * upload, with the part size S3 reports). Objects encrypted with SSE-KMS or SSE-C have ETags that are no MD5:
   * use `sha256Manifest()` for them.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
   */
  public static s3Objects(options: S3ObjectsOptions): CacheIntegrity {
    return new CacheIntegrity(CacheIntegrityKind.S3_OBJECTS, options.objects);
  }

  private constructor(
    /** What the files are compared against. */
    public readonly kind: CacheIntegrityKind,
    private readonly entries: Array<Sha256ManifestEntry | S3ObjectPin>,
  ) {}

  /**
   * The manifest's files or the pinned objects; none for the Hugging Face commit's hashes.
   * @internal
   */
  public get _entries(): Array<Partial<Sha256ManifestEntry & S3ObjectPin> & { path: string; size: Size }> {
    return this.entries;
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
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
   */
  readonly accessMode?: CacheAccessMode;
  /**
   * Versions kept on the volume, the one being filled included. At least 2: during a canary and after an abort the
   * stable pods still load the previous version.
   * @default 2
   * @see https://argo-rollouts.readthedocs.io/en/stable/features/canary/#dynamic-stable-scale-with-traffic-routing
   */
  readonly keepVersions?: number;
  /**
   * What one version takes on the volume (everything the source downloads: some repositories also hold the original
   * checkpoint format).
   * @default - the service footprint's weights plus 10%
   * @see https://huggingface.co/docs/hub/storage-limits
   */
  readonly sizePerVersion?: Size;
  /**
   * How the fill proves it has the pinned version.
   * @default - CacheIntegrity.huggingFaceCommit() for a Hugging Face source; required for other sources
   * @see https://huggingface.co/docs/huggingface_hub/package_reference/hf_api#huggingface_hub.HfApi.model_info
   */
  readonly integrity?: CacheIntegrity;
  /**
   * How long the fill Job may take (`activeDeadlineSeconds`): download and hashing of every file.
   * @default Duration.hours(6)
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup
   */
  readonly fillTimeout?: Duration;
}


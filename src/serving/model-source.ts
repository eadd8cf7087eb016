import * as kplus from 'cdk8s-plus-34';
import { k8s } from 'cdk8s-plus-34';
import { secretEnv, secretEnvFrom } from './env';
import { ModelLineage } from './lineage';
import { SecretKeyRef } from './secret-ref';
import { check, deferFactoryChecks } from '../internal/errors';
import { recordReferences, referencedName, secretKeyRef } from '../internal/object-ref';
import { absolutePath, nonEmpty, relativePath, url } from '../internal/validate';

/**
 * What a model source needs from the service that uses it.
 */
export interface ModelSourceBindOptions {
  /** Where the model volume is mounted, in both the downloader and the server. */
  readonly mountPath: string;
}

/**
 * How a source delivers the model into the pod.
 */
export interface ModelSourceConfig {
  /** Model name, version and URI, recorded on every object the service creates. */
  readonly lineage: ModelLineage;
  /** The directory (or file) the server loads the model from. */
  readonly modelPath: string;
  /**
   * The container that downloads the model into the model volume, before the server starts.
   * It gets the service's security context and resources; set only what is specific to the source.
   * Without an image, the service uses the runtime's image when it bundles `huggingface_hub`.
   * @default - no download: the volume already holds the model
   */
  readonly downloader?: k8s.Container;
  /**
   * The volume that holds the model when the source brings its own (an existing PVC).
   * @default - the service provides the model cache volume
   */
  readonly volume?: k8s.Volume;
}

/** Options shared by every source that downloads. */
export interface DownloaderOptions {
  /**
   * The downloader image, pinned by digest or an explicit tag.
   * @default - a pinned upstream image for the source's CLI (see each factory)
   */
  readonly downloaderImage?: string;
}

/** A model on the Hugging Face Hub, at one commit. */
export interface HuggingFaceSourceOptions extends DownloaderOptions {
  /** Repository id, e.g. `meta-llama/Llama-3.1-70B-Instruct`. */
  readonly repoId: string;
  /**
   * The commit SHA (40 hex characters) to serve. Branches and tags move; a commit does not.
   * @see https://huggingface.co/docs/huggingface_hub/guides/download#from-specific-version
   */
  readonly revision: string;
  /**
   * Allow a branch or tag as `revision`. The served weights can then change without a new deployment.
   * @default false
   */
  readonly allowMutableRevision?: boolean;
  /**
   * The Hugging Face token, for gated models.
   * @default - anonymous download
   */
  readonly token?: SecretKeyRef;
}

/** Properties shared by object-store sources (S3, GCS). */
export interface ObjectStoreSourceOptions extends DownloaderOptions {
  /** The prefix that holds the model files, e.g. `s3://models/llama/v3/`. */
  readonly uri: string;
  /** The model's name, for lineage. */
  readonly modelName: string;
  /**
   * The model version. It must appear as a path segment of `uri`, so that one version is one immutable prefix.
   */
  readonly version: string;
  /**
   * A Secret whose keys become the downloader's environment (S3: `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`; GCS: none, mount a key via workload identity instead).
   * @default - the pod's identity (IRSA, workload identity), or `credentialsSecret`
   */
  readonly credentialsSecretName?: string;
  /**
   * The same Secret as a cdk8s-plus object, in the service's namespace; at most one of this and `credentialsSecretName`.
   * @default - the pod's identity (IRSA, workload identity), or `credentialsSecretName`
   * @see https://kubernetes.io/docs/concepts/configuration/secret/
   */
  readonly credentialsSecret?: kplus.ISecret;
}

/** A model in S3 or an S3-compatible store. */
export interface S3SourceOptions extends ObjectStoreSourceOptions {
  /**
   * Endpoint of an S3-compatible store (MinIO, Ceph).
   * @default - AWS S3
   */
  readonly endpointUrl?: string;
}

/** A registered model version in MLflow's model registry. */
export interface MlflowSourceOptions extends DownloaderOptions {
  /** The MLflow tracking server, e.g. `https://mlflow.example.com`. */
  readonly trackingUri: string;
  /** The registered model's name. */
  readonly modelName: string;
  /**
   * The registered version number, e.g. `7`: served as `models:/<name>/<version>`.
   * @default - none: then `alias` with `allowAlias` is required
   * @see https://mlflow.org/docs/latest/model-registry.html
   */
  readonly version?: string;
  /**
   * A registry alias such as `champion`, served as `models:/<name>@<alias>`. An alias moves when someone
   * reassigns it, so it needs `allowAlias`.
   * @default - none
   */
  readonly alias?: string;
  /**
   * Accept a moving alias.
   * @default false
   */
  readonly allowAlias?: boolean;
  /**
   * The path of the model files inside the downloaded artifact (e.g. `model` for a transformers flavor).
   * @default - the artifact root
   */
  readonly artifactPath?: string;
  /**
   * A Secret whose keys become the downloader's environment (`MLFLOW_TRACKING_TOKEN`, or
   * `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`).
   * @default - no credentials, or `credentialsSecret`
   */
  readonly credentialsSecretName?: string;
  /**
   * The same Secret as a cdk8s-plus object, in the service's namespace; at most one of this and `credentialsSecretName`.
   * @default - no credentials, or `credentialsSecretName`
   * @see https://kubernetes.io/docs/concepts/configuration/secret/
   */
  readonly credentialsSecret?: kplus.ISecret;
}

/** A model packaged as an OCI image (a "modelcar"). */
export interface OciSourceOptions {
  /** The image, pinned by digest: `registry/repo@sha256:<64 hex>`. */
  readonly image: string;
  /**
   * Where the model files are inside the image.
   * @default '/models'
   */
  readonly pathInImage?: string;
  /**
   * The model's name, for lineage.
   * @default - the image repository's last path segment
   */
  readonly modelName?: string;
  /**
   * The model version, for lineage.
   * @default - the image digest
   */
  readonly version?: string;
}

/** A model already on a PersistentVolumeClaim. */
export interface PvcSourceOptions {
  /**
   * The claim's name. Exactly one of this and `claim`.
   * @default - the name of `claim`
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#persistentvolumeclaims
   */
  readonly claimName?: string;
  /**
   * The claim as a cdk8s-plus object (`new kplus.PersistentVolumeClaim(...)` or `kplus.PersistentVolumeClaim.fromClaimName(...)`),
   * in the service's namespace. Exactly one of this and `claimName`.
   * @default - the claim named by `claimName`
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#persistentvolumeclaims
   */
  readonly claim?: kplus.IPersistentVolumeClaim;
  /**
   * The model's directory on the volume.
   * @default - the volume root
   */
  readonly path?: string;
  /** The model's name, for lineage. */
  readonly modelName: string;
  /** The model version stored there, for lineage. Nothing can check it: keep one version per directory. */
  readonly version: string;
}

const COMMIT_SHA = /^[0-9a-f]{40}$/;
// huggingface_hub's validate_repo_id: at most one "/", names of letters, digits, "-", "_", "." (no "--" or "..").
const HF_REPO_ID = /^(?!.*(--|\.\.))([\w.-]{1,96}\/)?[\w.-]{1,96}$/;
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const AWS_CLI_IMAGE = 'amazon/aws-cli:2.27.50';
const GCLOUD_IMAGE = 'gcr.io/google.com/cloudsdktool/google-cloud-cli:529.0.0-slim';
const MLFLOW_IMAGE = 'ghcr.io/mlflow/mlflow:v2.22.1';

/**
 * Where a model comes from, pinned to one immutable version. The source downloads it in an init
 * container into the model cache volume (or mounts an existing volume), and records its lineage.
 */
export abstract class ModelSource {
  /**
   * A Hugging Face Hub repository at a commit, downloaded with `huggingface_hub.snapshot_download`.
   *
   * The downloader image defaults to the runtime's image when it bundles `huggingface_hub` (vLLM, TGI).
   * @see https://huggingface.co/docs/huggingface_hub/guides/download
   */
  public static huggingFace(props: HuggingFaceSourceOptions): ModelSource {
    const where = 'ModelSource.huggingFace';
    check(typeof props.repoId === 'string' && HF_REPO_ID.test(props.repoId), undefined, `${where}.repoId`, props.repoId,
      'must be a Hub repository id: "<owner>/<name>" or "<name>", letters, digits, "-", "_" and "."', "e.g. 'meta-llama/Llama-3.1-8B-Instruct'");
    nonEmpty(undefined, `${where}.revision`, props.revision, 'copy the commit from the repository\'s history');
    check(props.allowMutableRevision || COMMIT_SHA.test(props.revision), undefined, `${where}.revision`, props.revision,
      'must be a 40-character commit SHA, branches and tags move', "copy the commit from the repository's history, or set allowMutableRevision: true");
    if (props.token !== undefined) secretKeyRef(undefined, `${where}.token`, props.token);
    checkDownloader(where, props);
    return recordReferences(new DownloadedSource(
      { modelName: props.repoId, modelVersion: props.revision, sourceKind: 'huggingface', sourceUri: `https://huggingface.co/${props.repoId}/tree/${props.revision}` },
      'huggingface',
      dir => ({
        image: props.downloaderImage,
        // Values reach the script through the environment, never through string interpolation.
        command: ['python3', '-c', 'import os\nfrom huggingface_hub import snapshot_download\nsnapshot_download(repo_id=os.environ["MODEL_REPO"], revision=os.environ["MODEL_REVISION"], local_dir=os.environ["MODEL_DIR"])'],
        env: [
          { name: 'MODEL_REPO', value: props.repoId },
          { name: 'MODEL_REVISION', value: props.revision },
          { name: 'MODEL_DIR', value: dir },
          { name: 'HF_HOME', value: '/tmp/hf' },
          ...(props.token ? [secretEnv('HF_TOKEN', props.token)] : []),
        ],
      }),
    ), [[`${where}.token.secret`, props.token?.secret]]);
  }

  /**
   * A prefix in S3 (or an S3-compatible store), downloaded with `aws s3 sync`.
   * @see https://docs.aws.amazon.com/cli/latest/reference/s3/sync.html
   */
  public static s3(props: S3SourceOptions): ModelSource {
    const credentials = checkObjectStore('s3', props);
    return withCredentials('s3', props, new DownloadedSource(lineageOf('s3', props), 's3', dir => ({
      image: props.downloaderImage ?? AWS_CLI_IMAGE,
      command: ['aws', 's3', 'sync', props.uri, dir, '--only-show-errors', ...(props.endpointUrl ? ['--endpoint-url', props.endpointUrl] : [])],
      env: [{ name: 'HOME', value: '/tmp' }],
      envFrom: secretEnvFrom(credentials),
    })));
  }

  /**
   * A prefix in Google Cloud Storage, downloaded with `gcloud storage rsync`.
   * @see https://cloud.google.com/sdk/gcloud/reference/storage/rsync
   */
  public static gcs(props: ObjectStoreSourceOptions): ModelSource {
    const credentials = checkObjectStore('gs', props);
    return withCredentials('gcs', props, new DownloadedSource(lineageOf('gcs', props), 'gcs', dir => ({
      image: props.downloaderImage ?? GCLOUD_IMAGE,
      command: ['gcloud', 'storage', 'rsync', '--recursive', props.uri, dir],
      env: [{ name: 'CLOUDSDK_CONFIG', value: '/tmp/gcloud' }],
      envFrom: secretEnvFrom(credentials),
    })));
  }

  /**
   * A registered model version from MLflow's model registry, downloaded with `mlflow artifacts download`.
   * @see https://mlflow.org/docs/latest/cli.html#mlflow-artifacts-download
   */
  public static mlflow(props: MlflowSourceOptions): ModelSource {
    const where = 'ModelSource.mlflow';
    url(undefined, `${where}.trackingUri`, props.trackingUri, ['http', 'https'], "'https://mlflow.example.com'");
    check(typeof props.modelName === 'string' && /^[^/@\s][^/@]*$/.test(props.modelName) && props.modelName.trim() === props.modelName, undefined,
      `${where}.modelName`, props.modelName, 'must be a registered model name without "/", "@" or surrounding spaces', "e.g. 'fraud-detector'");
    check(props.version === undefined || props.alias === undefined, undefined, `${where}.alias`, props.alias,
      `is set together with version ${JSON.stringify(props.version)}`, 'pin the version and drop the alias');
    check(props.alias === undefined || !!props.allowAlias, undefined, `${where}.alias`, props.alias,
      'an alias moves when it is reassigned, so the served model could change without a deployment', 'pin version to the registered version number, or set allowAlias: true');
    if (props.alias !== undefined) {
      check(/^[A-Za-z0-9_-]+$/.test(props.alias), undefined, `${where}.alias`, props.alias, 'must be letters, digits, "-" and "_"', "e.g. alias: 'champion'");
    }
    check(props.alias !== undefined || /^[1-9][0-9]*$/.test(props.version ?? ''), undefined, `${where}.version`, props.version,
      'must be a registered version number', "use the number shown in the registry, e.g. version: '7'; for an alias use alias with allowAlias");
    if (props.artifactPath !== undefined) relativePath(undefined, `${where}.artifactPath`, props.artifactPath.replace(/^\/+/, ''), "'model'");
    const credentials = credentialsName(where, props);
    checkDownloader(where, props);
    const ref = props.alias !== undefined ? `${props.modelName}@${props.alias}` : `${props.modelName}/${props.version}`;
    const modelUri = `models:/${ref}`;
    return withCredentials('mlflow', props, new DownloadedSource(
      { modelName: props.modelName, modelVersion: props.version ?? `alias-${props.alias}`, sourceKind: 'mlflow', sourceUri: `${props.trackingUri.replace(/\/+$/, '')}#${modelUri}` },
      'mlflow',
      dir => ({
        image: props.downloaderImage ?? MLFLOW_IMAGE,
        command: ['mlflow', 'artifacts', 'download', '--artifact-uri', modelUri, '--dst-path', dir],
        env: [{ name: 'MLFLOW_TRACKING_URI', value: props.trackingUri }, { name: 'HOME', value: '/tmp' }],
        envFrom: secretEnvFrom(credentials),
      }),
      props.artifactPath,
    ));
  }

  /**
   * A model packaged in an OCI image ("modelcar"), pinned by digest. An init container from that image
   * copies the files into the model cache, so any cluster from 1.28 on can run it (image volumes need 1.33+).
   * The image must contain `cp`, as busybox-based modelcars do.
   * @see https://kserve.github.io/website/latest/modelserving/storage/oci/
   */
  public static oci(props: OciSourceOptions): ModelSource {
    check(typeof props.image === 'string' && /^[^\s@]+@sha256:[0-9a-f]{64}$/.test(props.image), undefined, 'ModelSource.oci.image', props.image,
      'must be pinned by digest', 'use registry/repo@sha256:<digest>; a tag can be pushed over');
    if (props.pathInImage !== undefined) absolutePath(undefined, 'ModelSource.oci.pathInImage', props.pathInImage);
    if (props.modelName !== undefined) nonEmpty(undefined, 'ModelSource.oci.modelName', props.modelName, "e.g. modelName: 'llama-3.1-8b'");
    if (props.version !== undefined) nonEmpty(undefined, 'ModelSource.oci.version', props.version, "e.g. version: 'v3'");
    const repo = props.image.replace(DIGEST, '');
    const digest = props.image.slice(props.image.indexOf('@') + 1);
    const from = (props.pathInImage ?? '/models').replace(/\/+$/, '');
    return new DownloadedSource(
      { modelName: props.modelName ?? repo.split('/').pop()!.split(':')[0], modelVersion: props.version ?? digest, sourceKind: 'oci', sourceUri: `oci://${props.image}` },
      'oci',
      dir => ({ image: props.image, command: ['cp', '-R', `${from}/.`, `${dir}/`] }),
    );
  }

  /**
   * A model already stored on a PersistentVolumeClaim, mounted read-only. No download.
   */
  public static persistentVolumeClaim(props: PvcSourceOptions): ModelSource {
    const where = 'ModelSource.persistentVolumeClaim';
    const claimName = referencedName(undefined,
      { nameProp: `${where}.claimName`, name: props.claimName, objectProp: `${where}.claim`, object: props.claim, kind: 'PersistentVolumeClaim', required: true })!;
    if (props.path !== undefined && props.path.replace(/^\/+|\/+$/g, '') !== '') relativePath(undefined, `${where}.path`, props.path.replace(/^\/+/, ''), "'models/llama/v3'");
    nonEmpty(undefined, `${where}.modelName`, props.modelName, "e.g. modelName: 'llama-3.1-8b'");
    nonEmpty(undefined, `${where}.version`, props.version, "e.g. version: 'v3'");
    return recordReferences(new PvcSource(claimName, props), [[`${where}.claim`, props.claim]]);
  }

  /** Binds the source to a service: the init container, the model path and the lineage. */
  public abstract bind(options: ModelSourceBindOptions): ModelSourceConfig;
}

type DownloaderFactory = (dir: string) => Omit<k8s.Container, 'name'>;

class DownloadedSource extends ModelSource {
  constructor(
    private readonly lineage: ModelLineage,
    private readonly kind: string,
    private readonly downloader: DownloaderFactory,
    private readonly subPath?: string,
  ) {
    super();
  }

  public bind(options: ModelSourceBindOptions): ModelSourceConfig {
    const dir = options.mountPath;
    return {
      lineage: this.lineage,
      modelPath: this.subPath ? `${dir}/${this.subPath.replace(/^\/+/, '')}` : dir,
      downloader: { name: `fetch-model-${this.kind}`, ...this.downloader(dir) },
    };
  }
}

class PvcSource extends ModelSource {
  constructor(private readonly claimName: string, private readonly props: PvcSourceOptions) {
    super();
  }

  public bind(options: ModelSourceBindOptions): ModelSourceConfig {
    const path = this.props.path?.replace(/^\/+|\/+$/g, '');
    return {
      lineage: {
        modelName: this.props.modelName,
        modelVersion: this.props.version,
        sourceKind: 'pvc',
        sourceUri: `pvc://${this.claimName}/${path ?? ''}`,
      },
      modelPath: path ? `${options.mountPath}/${path}` : options.mountPath,
      volume: { name: 'model', persistentVolumeClaim: { claimName: this.claimName, readOnly: true } },
    };
  }
}

/** Checks an object-store source's props; returns the name of its credentials Secret, if any. */
function checkObjectStore(scheme: string, props: ObjectStoreSourceOptions & S3SourceOptions): string | undefined {
  const where = `ModelSource.${scheme === 'gs' ? 'gcs' : scheme}`;
  check(typeof props.uri === 'string' && new RegExp(`^${scheme}://[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?(/\\S*)?$`).test(props.uri), undefined, `${where}.uri`, props.uri,
    `must start with ${scheme}:// and a valid bucket name`, `give the full ${scheme}://bucket/prefix/ of the model files`);
  nonEmpty(undefined, `${where}.modelName`, props.modelName, "e.g. modelName: 'llama-3.1-8b'");
  check(typeof props.version === 'string' && props.version !== '' && !['.', '..'].includes(props.version), undefined, `${where}.version`, props.version,
    'must name one version', "e.g. version: 'v3'");
  relativePath(undefined, `${where}.uri`, props.uri.slice(`${scheme}://`.length), `'${scheme}://bucket/model/v3/'`);
  check(props.uri.split('/').includes(props.version), undefined, `${where}.version`, props.version,
    `must be a path segment of uri ${JSON.stringify(props.uri)}, so that the prefix holds exactly one immutable version`,
    `store each version under its own prefix, e.g. ${scheme}://bucket/${props.modelName}/${props.version}/`);
  if (props.endpointUrl !== undefined) url(undefined, `${where}.endpointUrl`, props.endpointUrl, ['http', 'https'], "'https://minio.example.com:9000'");
  checkDownloader(where, props);
  return credentialsName(where, props);
}

/** The credentials Secret's name, given by name or as a cdk8s-plus object. */
function credentialsName(where: string, props: ObjectStoreSourceOptions | MlflowSourceOptions): string | undefined {
  return referencedName(undefined,
    { nameProp: `${where}.credentialsSecretName`, name: props.credentialsSecretName, objectProp: `${where}.credentialsSecret`, object: props.credentialsSecret, kind: 'Secret' });
}

/** Records the credentials Secret object, for the namespace check of the service the source is given to. */
function withCredentials(factory: string, props: { readonly credentialsSecret?: kplus.ISecret }, source: ModelSource): ModelSource {
  return recordReferences(source, [[`ModelSource.${factory}.credentialsSecret`, props.credentialsSecret]]);
}

function checkDownloader(where: string, props: DownloaderOptions): void {
  if (props.downloaderImage !== undefined) {
    check(typeof props.downloaderImage === 'string' && /^\S+$/.test(props.downloaderImage), undefined, `${where}.downloaderImage`, props.downloaderImage,
      'must be an image reference without spaces', "e.g. 'amazon/aws-cli:2.27.50'");
  }
}

deferFactoryChecks(ModelSource);

function lineageOf(sourceKind: string, props: ObjectStoreSourceOptions): ModelLineage {
  return { modelName: props.modelName, modelVersion: props.version, sourceKind, sourceUri: props.uri };
}

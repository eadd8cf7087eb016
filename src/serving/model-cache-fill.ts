import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';
import { ModelLineage } from './lineage';
import { standardLabels } from './lineage-labels';
import { CacheAccessMode, CacheIntegrity, CacheIntegrityKind, SharedModelCacheOptions } from './shared-model-cache';
import { gib } from '../gpu/model-footprint';
import { wholeSeconds } from '../internal/duration';
import { check } from '../internal/errors';
import { DOMAIN } from '../internal/labels';
import { childName, labelValue, shortHash } from '../internal/names';
import { sizeQuantity } from '../internal/quantity';
import { restrictedContainer, restrictedPod } from '../internal/security';
import { size as checkSize } from '../internal/validate';

/** What the service gives a shared cache to render its claim and fill Job. */
export interface SharedCacheRequest {
  /** The service name: the claim is `<name>-model-cache`. */
  readonly serviceName: string;
  /** Metadata of an object of the service. */
  readonly metadata: (name: string, annotations?: Record<string, string>) => k8s.ObjectMeta;
  readonly lineage: ModelLineage;
  /** The model server's ServiceAccount: the fill needs the model's credentials (IRSA, Workload Identity). */
  readonly serviceAccountName: string;
  /** The source's downloader, with its image resolved, writing into `mountPath`. */
  readonly downloader: k8s.Container;
  /** Where the model directory is mounted, in the fill and in the server. */
  readonly mountPath: string;
  /** Bytes of the model's weights, from the footprint. */
  readonly weightBytes?: number;
}

/** What the service's pods use of a shared cache. */
export interface SharedCacheMount {
  readonly volume: k8s.Volume;
  /** The version's directory on the volume. */
  readonly subPath: string;
  /** Keeps the server from starting until the version is complete (whatever order the objects were applied in). */
  readonly waitContainer: k8s.Container;
  /** The fill Job's name, recorded on the pod template for ordering (Terraform). */
  readonly fillJobName: string;
}

/** Pod template annotation naming the Job that fills the model version the pods read. */
export const FILL_JOB_ANNOTATION = `${DOMAIN}/model-cache-fill-job`;
/** The init container that waits for a complete version: its presence marks a pod reading a shared cache. */
export const WAIT_CONTAINER = 'wait-for-model-cache';
const MARKER = '.mlops-cache-complete';
const CACHE_ROOT = '/cache';

// Keeps the newest keepVersions-1 complete versions besides the one being filled, and creates its directory as the
// pod's user (kubelet would create a missing subPath as root).
const PRUNE = `set -eu
mkdir -p "${CACHE_ROOT}/$VERSION_DIR"
cd ${CACHE_ROOT}
ls -1t -- */${MARKER} 2>/dev/null | cut -d/ -f1 | grep -vxF -- "$VERSION_DIR" | tail -n "+$KEEP_VERSIONS" | while IFS= read -r dir; do
  echo "pruning model version $dir"
  rm -rf -- "./$dir"
done`;

const MARK = `printf '%s\\n' "$MODEL_VERSION" > "$MODEL_DIR/${MARKER}.tmp" && mv "$MODEL_DIR/${MARKER}.tmp" "$MODEL_DIR/${MARKER}"`;

// Hashes every file of the commit as the Hub records it: sha256 for LFS files, the git blob sha1 for the others.
const HF_VERIFY = `import hashlib, os, subprocess, sys
from huggingface_hub import HfApi
root = os.environ["MODEL_DIR"]
info = HfApi().model_info(os.environ["MODEL_REPO"], revision=os.environ["MODEL_REVISION"], files_metadata=True, token=os.environ.get("HF_TOKEN"))
bad, listed = [], set()
for f in info.siblings:
    listed.add(f.rfilename)
    path = os.path.join(root, f.rfilename)
    if not os.path.isfile(path):
        bad.append("missing " + f.rfilename)
        continue
    lfs = f.lfs
    if lfs:
        h, want = hashlib.sha256(), lfs["sha256"] if isinstance(lfs, dict) else lfs.sha256
    else:
        h, want = hashlib.sha1(b"blob %d\\0" % os.path.getsize(path)), f.blob_id
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 24), b""):
            h.update(chunk)
    if h.hexdigest() != want:
        bad.append("hash mismatch " + f.rfilename)
for dirpath, dirs, files in os.walk(root):
    dirs[:] = [d for d in dirs if os.path.relpath(os.path.join(dirpath, d), root) != ".cache"]
    for name in files:
        rel = os.path.relpath(os.path.join(dirpath, name), root)
        if rel not in listed and not rel.startswith("${MARKER}"):
            bad.append("not in the commit " + rel)
if bad:
    sys.exit("integrity check failed:\\n" + "\\n".join(bad))
subprocess.run(["sh", "-c", os.environ["MARK"]], check=True)`;

// Fails on any file that is not listed in /tmp/listed (the Hub's metadata under .cache and the marker aside).
const ONLY_LISTED = `find . -type f ! -path './.cache/*' ! -name '${MARKER}*' | sed 's#^\\./##' | sort > /tmp/found
if ! cmp -s /tmp/listed /tmp/found; then echo 'files on disk differ from the list:'; diff /tmp/listed /tmp/found || true; exit 1; fi`;

const MANIFEST_VERIFY = `set -eu
cd "$MODEL_DIR"
printf '%s\\n' "$CACHE_MANIFEST" | sha256sum -c -
printf '%s\\n' "$CACHE_MANIFEST" | sed 's/^[0-9a-f]*  //' | sort > /tmp/listed
${ONLY_LISTED}
eval "$MARK"`;

// Each pinned object: its ETag (and size) from HeadObject of the pinned version, compared with the pinned ETag and
// recomputed from the file: MD5, or for a multipart upload the MD5 of the parts' binary MD5s, "-" and the part count,
// with the part size S3 reports for part 1.
const S3_VERIFY = `set -euo pipefail
cd "$MODEL_DIR"
location="\${S3_URI#s3://}"
bucket="\${location%%/*}"
prefix="\${location#*/}"
prefix="\${prefix%/}/"
endpoint=()
if [ -n "\${S3_ENDPOINT_URL:-}" ]; then endpoint=(--endpoint-url "$S3_ENDPOINT_URL"); fi
md5hex() { md5sum | cut -d' ' -f1; }
failed=0
# Fields are separated by the unit separator: a tab is IFS whitespace, and two tabs would merge an empty version id.
while IFS=$'\\x1f' read -r path version pinned; do
  head=(s3api head-object --bucket "$bucket" --key "$prefix$path" "\${endpoint[@]}")
  if [ -n "$version" ]; then head+=(--version-id "$version"); fi
  read -r etag size <<< "$(aws "\${head[@]}" --query '[ETag, ContentLength]' --output text)"
  etag="\${etag//\\"/}"
  if [ -n "$pinned" ] && [ "$etag" != "$pinned" ]; then echo "$path: S3 has ETag $etag, pinned $pinned"; failed=1; continue; fi
  if [ ! -f "$path" ] || [ "$(stat -c %s "$path")" != "$size" ]; then echo "$path: missing, or not $size bytes"; failed=1; continue; fi
  case "$etag" in
    *-*)
      parts="\${etag##*-}"
      part_size="$(aws "\${head[@]}" --part-number 1 --query ContentLength --output text)"
      digests=""
      # head stops reading after one part, so tail ends on SIGPIPE: not a failure.
      for ((i = 0; i < parts; i++)); do digests+="$( (tail -c "+$((i * part_size + 1))" "$path" || true) | head -c "$part_size" | md5hex)"; done
      actual="$(printf "$(sed 's/../\\\\x&/g' <<< "$digests")" | md5hex)-$parts" ;;
    *) actual="$(md5hex < "$path")" ;;
  esac
  if [ "$actual" != "$etag" ]; then echo "$path: content does not match ETag $etag (got $actual)"; failed=1; fi
done <<< "$S3_OBJECTS"
[ "$failed" = 0 ]
printf '%s\\n' "$S3_OBJECTS" | cut -d $'\\x1f' -f1 | sort > /tmp/listed
${ONLY_LISTED}
eval "$MARK"`;

const WEIGHT_FILE = /\.(safetensors|bin|pt|pth|gguf|onnx|plan|engine|h5|msgpack|ckpt)$/;

/**
 * Renders a shared cache for one service: the claim (`ModelCacheClaim`), the Job that fills the service's model
 * version into its own directory (`ModelCacheFill`, named after the version and its spec, since a Job's template is
 * immutable), and what the pods mount. The Job carries no TTL: Argo CD would re-create a Job that disappeared.
 */
export function renderSharedCache(scope: Construct, options: SharedModelCacheOptions, request: SharedCacheRequest): SharedCacheMount {
  check(options.storageClassName?.trim().length > 0, scope, 'modelCache.storageClassName', options.storageClassName,
    'is empty: a shared cache needs a StorageClass that provisions ReadWriteMany volumes',
    'name one, e.g. storageClassName: \'efs-sc\' (EFS), \'filestore-rwx\' (Filestore), \'azurefile-csi\' (Azure Files)');
  const accessMode = options.accessMode ?? CacheAccessMode.READ_WRITE_MANY;
  check(accessMode === CacheAccessMode.READ_WRITE_MANY, scope, 'modelCache.accessMode', accessMode,
    'must let replicas on many nodes read while the fill Job writes, which only ReadWriteMany allows',
    'use CacheAccessMode.READ_WRITE_MANY with a StorageClass that supports it, or ModelCache.emptyDir() for a per-pod download');
  const keep = options.keepVersions ?? 2;
  check(Number.isInteger(keep) && keep >= 2, scope, 'modelCache.keepVersions', keep,
    'must be a whole number >= 2: the stable pods of a canary, and those re-created after an abort, load the previous version',
    'set keepVersions: 2 or more');
  if (options.sizePerVersion !== undefined) checkSize(scope, 'modelCache.sizePerVersion', options.sizePerVersion);
  const perVersion = options.sizePerVersion ? bytes(options.sizePerVersion)
    : request.weightBytes !== undefined ? request.weightBytes * 1.1 : undefined;
  check(perVersion !== undefined, scope, 'modelCache.sizePerVersion', undefined, 'is unknown, so the claim cannot be checked to hold the versions it keeps',
    'set the service\'s footprint, or sizePerVersion');
  const claimBytes = bytes(options.size);
  check(claimBytes >= keep * perVersion!, scope, 'modelCache.size', `${gib(claimBytes)}`,
    `must hold keepVersions ${keep} x ${gib(perVersion!)} per version = ${gib(keep * perVersion!)}`,
    `size: Size.gibibytes(${Math.ceil(keep * perVersion! / 2 ** 30)}) or more, or fewer keepVersions`);
  const integrity = options.integrity ?? CacheIntegrity.huggingFaceCommit();
  const verifier = verifierOf(scope, integrity, request.lineage, request.downloader, request.weightBytes);

  const claimName = childName(request.serviceName, 'model-cache');
  new k8s.KubePersistentVolumeClaim(scope, 'ModelCacheClaim', {
    metadata: request.metadata(claimName),
    spec: {
      accessModes: [accessMode],
      storageClassName: options.storageClassName,
      volumeMode: 'Filesystem',
      resources: { requests: { storage: sizeQuantity(options.size) } },
    },
  });

  // One directory per version of this source: the version, shortened when needed, and a hash of the source URI.
  const subPath = `${labelValue(request.lineage.modelVersion).slice(0, 40)}-${shortHash(request.lineage.sourceUri)}`;
  const model = request.mountPath;
  const env = (extra: Record<string, string>): k8s.EnvVar[] => {
    const names = new Set(Object.keys(extra));
    return [...(request.downloader.env ?? []).filter(e => !names.has(e.name)), ...Object.entries(extra).map(([name, value]) => ({ name, value }))];
  };
  // Every container states the node disk it writes (logs, /tmp): the model itself goes to the claim.
  const scratch = { 'ephemeral-storage': k8s.Quantity.fromString('1Gi') };
  const small = { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi'), ...scratch };
  const hashing = { cpu: k8s.Quantity.fromString('2'), memory: k8s.Quantity.fromString('4Gi'), ...scratch };
  const versionMount = { name: 'model', mountPath: model, subPath };
  const tmpMount = { name: 'fetch-tmp', mountPath: '/tmp' };
  const container = (c: k8s.Container): k8s.Container => ({ ...c, securityContext: restrictedContainer(), terminationMessagePolicy: 'FallbackToLogsOnError' });
  const podSpec: k8s.PodSpec = {
    restartPolicy: 'Never',
    serviceAccountName: request.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPod(),
    initContainers: [
      container({
        name: 'prune',
        image: request.downloader.image,
        imagePullPolicy: request.downloader.imagePullPolicy,
        command: ['sh', '-c', PRUNE],
        env: [{ name: 'VERSION_DIR', value: subPath }, { name: 'KEEP_VERSIONS', value: String(keep) }],
        resources: { requests: small, limits: small },
        volumeMounts: [{ name: 'model', mountPath: CACHE_ROOT }],
      }),
      container({
        ...request.downloader,
        resources: {
          requests: { ...request.downloader.resources?.requests, ...scratch },
          limits: { ...request.downloader.resources?.limits, ...scratch },
        },
        volumeMounts: [versionMount, tmpMount],
      }),
    ],
    containers: [container({
      name: 'verify',
      image: request.downloader.image,
      imagePullPolicy: request.downloader.imagePullPolicy,
      command: verifier.command,
      env: [...env({ MODEL_DIR: model, MODEL_VERSION: request.lineage.modelVersion, MARK }), ...verifier.env],
      envFrom: request.downloader.envFrom,
      resources: { requests: hashing, limits: hashing },
      volumeMounts: [versionMount, tmpMount],
    })],
    volumes: [{ name: 'model', persistentVolumeClaim: { claimName } }, { name: 'fetch-tmp', emptyDir: {} }],
  };
  const deadline = wholeSeconds(scope, 'modelCache.fillTimeout', options.fillTimeout ?? Duration.hours(6), 60);
  const jobSpec: k8s.JobSpec = {
    backoffLimit: 3,
    activeDeadlineSeconds: deadline,
    // Preemption or a node drain does not count against backoffLimit; the next pod resumes the download.
    podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
    template: { spec: podSpec },
  };
  const fillJobName = childName(request.serviceName, `cache-${shortHash(JSON.stringify(jobSpec))}`);
  const labels = standardLabels(fillJobName, 'model-cache', request.lineage);
  const meta = request.metadata(fillJobName);
  new k8s.KubeJob(scope, 'ModelCacheFill', {
    metadata: { ...meta, labels },
    spec: { ...jobSpec, template: { metadata: { labels, annotations: meta.annotations }, spec: podSpec } },
  });

  return {
    volume: { name: 'model', persistentVolumeClaim: { claimName, readOnly: true } },
    subPath,
    fillJobName,
    waitContainer: container({
      name: WAIT_CONTAINER,
      image: request.downloader.image,
      imagePullPolicy: request.downloader.imagePullPolicy,
      command: ['sh', '-c', `test -f "${model}/${MARKER}" || { echo "model version $MODEL_VERSION is not complete in the cache yet: Job ${fillJobName} fills it"; exit 1; }`],
      env: [{ name: 'MODEL_VERSION', value: request.lineage.modelVersion }],
      resources: { requests: small, limits: small },
      volumeMounts: [{ ...versionMount, readOnly: true }],
    }),
  };
}

/** Paths, sizes and coverage of a manifest or a list of S3 objects. */
function checkListed(scope: IConstruct, prop: string, files: Array<{ path: string; size: Size }>, weightBytes: number | undefined): void {
  check(files.length > 0, scope, prop, [], 'is empty', 'list every file of the model version with its size');
  const seen = new Set<string>();
  for (const f of files) {
    check(f.path.length > 0 && !f.path.startsWith('/') && !f.path.split('/').includes('..') && !/[\x00-\x1f]/.test(f.path),
      scope, `${prop}[].path`, f.path, 'must be a path inside the model directory', 'give it relative to the model directory, e.g. model-00001-of-00030.safetensors');
    check(!seen.has(f.path), scope, `${prop}[].path`, f.path, 'is listed twice', 'list each file once');
    seen.add(f.path);
  }
  check(files.some(f => WEIGHT_FILE.test(f.path)), scope, prop, files.map(f => f.path).join(', '), 'lists no weights file, so the weights would be loaded unchecked',
    'list every file of the version, weights (.safetensors, .bin, .gguf, .plan, ...) included');
  const listed = files.reduce((sum, f) => sum + bytes(f.size), 0);
  check(weightBytes === undefined || listed >= weightBytes, scope, prop, `${files.length} files, ${gib(listed)}`,
    `covers less than the model's weights (${gib(weightBytes ?? 0)} by the footprint), so some files would be loaded unchecked`,
    'list every file of the version with its size');
}

/** The verify container's command: the commit's hashes (Hugging Face), the user's manifest, or the pinned S3 objects. */
function verifierOf(scope: IConstruct, integrity: CacheIntegrity, lineage: ModelLineage, downloader: k8s.Container,
  weightBytes: number | undefined): { command: string[]; env: k8s.EnvVar[] } {
  const entries = integrity._entries;
  switch (integrity.kind) {
    case CacheIntegrityKind.HUGGING_FACE_COMMIT:
      check(lineage.sourceKind === 'huggingface', scope, 'modelCache.integrity', integrity.kind, `has no commit hashes to check a ${lineage.sourceKind} source against`,
        'give CacheIntegrity.sha256Manifest({ files }) with the sha256 of every file of the version'
        + (lineage.sourceKind === 's3' ? ', or CacheIntegrity.s3Objects({ objects }) with their version ids or ETags' : ''));
      return { command: ['python3', '-c', HF_VERIFY], env: [] };
    case CacheIntegrityKind.SHA256_MANIFEST:
      checkListed(scope, 'modelCache.integrity.files', entries, weightBytes);
      for (const f of entries) {
        check(/^[0-9a-f]{64}$/.test(f.sha256 ?? ''), scope, `modelCache.integrity.files[${f.path}].sha256`, f.sha256,
          'must be 64 lowercase hex digits', 'copy the output of sha256sum');
      }
      return { command: ['sh', '-c', MANIFEST_VERIFY], env: [{ name: 'CACHE_MANIFEST', value: entries.map(f => `${f.sha256}  ${f.path}`).join('\n') }] };
    default: {
      check(lineage.sourceKind === 's3', scope, 'modelCache.integrity', integrity.kind, `pins S3 objects, but the source is ${lineage.sourceKind}`,
        'use CacheIntegrity.sha256Manifest({ files }) for this source');
      checkListed(scope, 'modelCache.integrity.objects', entries, weightBytes);
      for (const o of entries) {
        check(o.versionId === undefined || /^\S+$/.test(o.versionId), scope, `modelCache.integrity.objects[${o.path}].versionId`, o.versionId,
          'must be an S3 version id (no spaces, not empty)', 'copy VersionId from aws s3api head-object');
        check(o.versionId !== undefined || o.eTag !== undefined, scope, `modelCache.integrity.objects[${o.path}]`, undefined,
          'pins nothing: without a version id or an ETag any object at that key would pass', 'give versionId (a versioned bucket) or eTag');
        check(o.eTag === undefined || /^[0-9a-f]{32}(-[1-9][0-9]*)?$/.test(o.eTag), scope, `modelCache.integrity.objects[${o.path}].eTag`, o.eTag,
          'must be an MD5-based ETag: 32 hex digits, with -<parts> for a multipart upload, without quotes', 'copy it from aws s3api head-object, without the quotes');
      }
      const at = downloader.command?.indexOf('--endpoint-url') ?? -1;
      return {
        command: ['bash', '-c', S3_VERIFY],
        env: [
          { name: 'S3_URI', value: lineage.sourceUri },
          ...at >= 0 ? [{ name: 'S3_ENDPOINT_URL', value: downloader.command![at + 1] }] : [],
          { name: 'S3_OBJECTS', value: entries.map(o => [o.path, o.versionId ?? '', o.eTag ?? ''].join('\x1f')).join('\n') },
        ],
      };
    }
  }
}

function bytes(size: Size): number {
  return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024;
}

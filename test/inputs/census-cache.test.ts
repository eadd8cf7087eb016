import { Duration, Size } from 'cdk8s';
import { census, x } from './census';
import { CacheAccessMode, CacheIntegrity, CudaVersion, DrainOptions, GpuModelServiceProps, ModelCache, ModelRuntime, ModelSource, Precision, S3ObjectPin, SharedModelCacheOptions } from '../../src';
import { service } from '../serving/helpers';

const FOOTPRINT = { parametersBillions: 8, precision: Precision.BF16 };
const cached = (options: Partial<SharedModelCacheOptions> = {}, props: Partial<GpuModelServiceProps> = {}) =>
  service({ name: 'llm', footprint: FOOTPRINT, replicas: 2, modelCache: ModelCache.shared({ storageClassName: 'efs-models', size: Size.gibibytes(100), ...options }), ...props });
const WEIGHTS = { path: 'model.safetensors', size: Size.gibibytes(16) };
const manifest = (files: Array<{ path: string; sha256: string; size: Size }>) => cached({ integrity: CacheIntegrity.sha256Manifest({ files }) });
const s3 = ModelSource.s3({ uri: 's3://models/llama/v1/', modelName: 'llama', version: 'v1' });
const pinned = (objects: S3ObjectPin[]) => cached({ integrity: CacheIntegrity.s3Objects({ objects }) }, { model: s3 });
const H = 'a'.repeat(64);
const cuda = (v: CudaVersion) => service({ runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.11.0', cudaVersion: v }) });
const drain = (d: DrainOptions) => service({ drain: d });

describe('shared model cache, CacheIntegrity, CudaVersion and drain', () => census([
  ['storageClassName blank', () => cached({ storageClassName: ' ' }), x('test/Svc', 'modelCache.storageClassName', '" "', 'name one')],
  ['storageClassName empty', () => cached({ storageClassName: '' }), x('test/Svc', 'modelCache.storageClassName', '""', 'name one')],
  ['accessMode RWO', () => cached({ accessMode: CacheAccessMode.READ_WRITE_ONCE }), x('test/Svc', 'modelCache.accessMode', '"ReadWriteOnce"', 'use CacheAccessMode.READ_WRITE_MANY with a StorageClass that')],
  ['accessMode ROX', () => cached({ accessMode: CacheAccessMode.READ_ONLY_MANY }), x('test/Svc', 'modelCache.accessMode', '"ReadOnlyMany"', 'use CacheAccessMode.READ_WRITE_MANY with a StorageClass that')],
  ['keepVersions 1', () => cached({ keepVersions: 1 }), x('test/Svc', 'modelCache.keepVersions', '1', 'set keepVersions: 2 or more')],
  ['keepVersions 2.5', () => cached({ keepVersions: 2.5 }), x('test/Svc', 'modelCache.keepVersions', '2.5', 'set keepVersions: 2 or more')],
  ['keepVersions NaN', () => cached({ keepVersions: NaN }), x('test/Svc', 'modelCache.keepVersions', 'NaN', 'set keepVersions: 2 or more')],
  ['size too small', () => cached({ size: Size.gibibytes(20) }), x('test/Svc', 'modelCache.size', '"20.0 GiB"', 'size: Size.gibibytes(33) or more, or fewer keepVersions')],
  ['size for 3 versions', () => cached({ size: Size.gibibytes(40), keepVersions: 3 }), x('test/Svc', 'modelCache.size', '"40.0 GiB"', 'size: Size.gibibytes(50) or more, or fewer keepVersions')],
  ['sizePerVersion above half', () => cached({ sizePerVersion: Size.gibibytes(51) }), x('test/Svc', 'modelCache.size', '"100.0 GiB"', 'size: Size.gibibytes(102) or more, or fewer keepVersions')],
  ['fillTimeout 30s', () => cached({ fillTimeout: Duration.seconds(30) }), x('test/Svc', 'modelCache.fillTimeout', '"30 seconds"', 'use Duration.seconds(n) with an integer n >= 60')],
  ['fillTimeout NaN', () => cached({ fillTimeout: Duration.seconds(NaN) }), x('test/Svc', 'modelCache.fillTimeout', 'NaN ms', 'use Duration.seconds(n) with an integer n >= 60')],
  ['hf commit on s3', () => cached({}, { model: s3 }), x('test/Svc', 'modelCache.integrity', '"huggingface-commit"', 'give CacheIntegrity.sha256Manifest({ files }) with the sha25')],
  ['s3 pins on hf', () => cached({ integrity: CacheIntegrity.s3Objects({ objects: [{ ...WEIGHTS, versionId: 'v1' }] }) }), x('test/Svc', 'modelCache.integrity', '"s3-objects"', 'use CacheIntegrity.sha256Manifest({ files }) for this source')],
  ['manifest empty', () => manifest([]), x('test/Svc', 'modelCache.integrity.files', '[]', 'list every file of the model version with its size')],
  ['manifest sha short', () => manifest([{ ...WEIGHTS, sha256: 'abc' }]), x('test/Svc', 'modelCache.integrity.files[model.safetensors].sha256', '"abc"', 'copy the output of sha256sum')],
  ['manifest sha upper', () => manifest([{ ...WEIGHTS, sha256: 'A'.repeat(64) }]), x('test/Svc', 'modelCache.integrity.files[model.safetensors].sha256', '"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"', 'copy the output of sha256sum')],
  ['manifest path dotdot', () => manifest([{ ...WEIGHTS, path: '../m.safetensors', sha256: H }]), x('test/Svc', 'modelCache.integrity.files[].path', '"../m.safetensors"', 'give it relative to the model directory')],
  ['manifest path absolute', () => manifest([{ ...WEIGHTS, path: '/m.safetensors', sha256: H }]), x('test/Svc', 'modelCache.integrity.files[].path', '"/m.safetensors"', 'give it relative to the model directory')],
  ['manifest path empty', () => manifest([{ ...WEIGHTS, path: '', sha256: H }]), x('test/Svc', 'modelCache.integrity.files[].path', '""', 'give it relative to the model directory')],
  ['manifest twice', () => manifest([{ ...WEIGHTS, sha256: H }, { ...WEIGHTS, sha256: H }]), x('test/Svc', 'modelCache.integrity.files[].path', '"model.safetensors"', 'list each file once')],
  ['manifest no weights', () => manifest([{ path: 'config.json', sha256: H, size: Size.gibibytes(16) }]), x('test/Svc', 'modelCache.integrity.files', '"config.json"', 'list every file of the version')],
  ['manifest too small', () => manifest([{ ...WEIGHTS, size: Size.gibibytes(4), sha256: H }]), x('test/Svc', 'modelCache.integrity.files', '"1 files, 4.0 GiB"', 'list every file of the version with its size')],
  ['s3 unpinned', () => pinned([{ ...WEIGHTS }]), x('test/Svc', 'modelCache.integrity.objects[model.safetensors]', 'undefined', 'give versionId (a versioned bucket) or eTag')],
  ['s3 etag quoted', () => pinned([{ ...WEIGHTS, eTag: '"0123456789abcdef0123456789abcdef"' }]), x('test/Svc', 'modelCache.integrity.objects[model.safetensors].eTag', '"\\"0123456789abcdef0123456789abcdef\\""', 'copy it from aws s3api head-object, without the quotes')],
  ['s3 etag short', () => pinned([{ ...WEIGHTS, eTag: 'abc' }]), x('test/Svc', 'modelCache.integrity.objects[model.safetensors].eTag', '"abc"', 'copy it from aws s3api head-object, without the quotes')],
  ['s3 etag parts 0', () => pinned([{ ...WEIGHTS, eTag: '0123456789abcdef0123456789abcdef-0' }]), x('test/Svc', 'modelCache.integrity.objects[model.safetensors].eTag', '"0123456789abcdef0123456789abcdef-0"', 'copy it from aws s3api head-object, without the quotes')],
  ['s3 empty', () => pinned([]), x('test/Svc', 'modelCache.integrity.objects', '[]', 'list every file of the model version with its size')],
  ['cuda 10.2', () => cuda(CudaVersion.of(10, 2)), x('test/Svc', 'runtime.cudaVersion', '"10.2"', 'give the CUDA version the image was built with')],
  ['cuda 14.0', () => cuda(CudaVersion.of(14, 0)), x('test/Svc', 'runtime.cudaVersion', '"14.0"', 'give the CUDA version the image was built with')],
  ['cuda 12.-1', () => cuda(CudaVersion.of(12, -1)), x('test/Svc', 'runtime.cudaVersion', '"12.-1"', 'give the CUDA version the image was built with')],
  ['cuda 12.5.1', () => cuda(CudaVersion.of(12.5, 1)), x('test/Svc', 'runtime.cudaVersion', '"12.5.1"', 'give the CUDA version the image was built with')],
  ['cuda NaN', () => cuda(CudaVersion.of(NaN, 0)), x('test/Svc', 'runtime.cudaVersion', '"NaN.0"', 'give the CUDA version the image was built with')],
  ['preStopDelay fractional', () => drain({ preStopDelay: Duration.millis(1500) }), x('test/Svc', 'drain.preStopDelay', '"1.5 seconds"', 'use Duration.seconds(n) with an integer n >= 0')],
  ['preStopDelay NaN', () => drain({ preStopDelay: Duration.seconds(NaN) }), x('test/Svc', 'drain.preStopDelay', 'NaN ms', 'e.g. Duration.seconds(30)')],
  ['preStopDelay int32', () => drain({ preStopDelay: Duration.days(30000) }), x('test/Svc', 'drain.preStopDelay', '"30000 days"', 'e.g. Duration.seconds(1)')],
  ['shutdownTimeout 0', () => drain({ shutdownTimeout: Duration.seconds(0) }), x('test/Svc', 'drain.shutdownTimeout', '"0 seconds"', 'use Duration.seconds(n) with an integer n >= 1')],
  ['shutdownTimeout NaN', () => drain({ shutdownTimeout: Duration.seconds(NaN) }), x('test/Svc', 'drain.shutdownTimeout', 'NaN ms', 'e.g. Duration.seconds(30)')],
]));

import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Duration, Size, Testing } from 'cdk8s';
import { byKind, inProcessEvaluator, podSpec, server, service, SHA } from './helpers';
import {
  CacheAccessMode, CacheIntegrity, GpuModelServiceProps, ModelCache, ModelSource, Precision, SharedModelCacheOptions,
  ValidationCheck, ValidationHook, ValidationTarget,
} from '../../src';
import { planApply } from '../../src/terraform/apply-plan';
import { expectConformant } from '../conformance';
import { simulateFirstSync } from '../gitops/argo-sync';

const of = (docs: any[], kind: string) => docs.filter(d => d.kind === kind);
// Llama-3.1-8B in BF16: 14.9 GiB of weights, 16.4 GiB per version with the 10% margin.
const FOOTPRINT = { parametersBillions: 8, precision: Precision.BF16 };
const shared = (options: Partial<SharedModelCacheOptions> = {}) => ModelCache.shared({ storageClassName: 'efs-models', size: Size.gibibytes(100), ...options });
const cached = (options: Partial<SharedModelCacheOptions> = {}, props: Partial<GpuModelServiceProps> = {}) =>
  service({ name: 'llm', footprint: FOOTPRINT, replicas: 2, modelCache: shared(options), ...props });
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('shared model cache', () => {
  test('an RWX claim, a fill Job per version, pods that mount their version read-only and only wait for it', async () => {
    const { chart } = cached();
    const docs = await expectConformant(chart);
    const claim = byKind(docs).PersistentVolumeClaim;
    expect(claim.metadata.name).toBe('llm-model-cache');
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'efs-models', volumeMode: 'Filesystem', resources: { requests: { storage: '100Gi' } } });

    const job = byKind(docs).Job;
    const fill = job.spec.template.spec;
    const dir = `${SHA}-${createHash('sha256').update(`https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/tree/${SHA}`).digest('hex').slice(0, 8)}`;
    expect(fill.serviceAccountName).toBe('llm');
    expect(fill.initContainers.map((c: any) => c.name)).toEqual(['prune', 'fetch-model-huggingface']);
    expect(fill.initContainers[1].volumeMounts).toContainEqual({ name: 'model', mountPath: '/models', subPath: dir });
    expect(fill.containers[0].name).toBe('verify');
    expect(fill.containers[0].command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(fill.volumes[0]).toEqual({ name: 'model', persistentVolumeClaim: { claimName: 'llm-model-cache' } });
    // Argo CD re-creates a Job that disappeared (TTL), which would fill again.
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec.backoffLimit).toBe(3);
    expect(job.metadata.labels['app.kubernetes.io/name']).not.toBe('llm');

    const pod = podSpec(docs);
    expect(pod.volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'llm-model-cache', readOnly: true } });
    expect(pod.volumes.map((v: any) => v.name)).not.toContain('fetch-tmp');
    expect(server(docs).volumeMounts).toContainEqual({ name: 'model', mountPath: '/models', subPath: dir, readOnly: true });
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['wait-for-model-cache']);
    expect(byKind(docs).Deployment.spec.template.metadata.annotations['mlops.cdk8s.io/model-cache-fill-job']).toBe(job.metadata.name);
  });

  test('sizePerVersion replaces the footprint estimate; fillTimeout is the Job\'s deadline (6 hours by default)', () => {
    expect(byKind(Testing.synth(cached().chart)).Job.spec.activeDeadlineSeconds).toBe(6 * 3600);
    const docs = Testing.synth(cached({ sizePerVersion: Size.gibibytes(40), size: Size.gibibytes(80), fillTimeout: Duration.hours(2) }).chart);
    expect(byKind(docs).Job.spec.activeDeadlineSeconds).toBe(7200);
    expect(() => cached({ sizePerVersion: Size.gibibytes(41), size: Size.gibibytes(80) })).toThrow(/modelCache\.size: must hold keepVersions 2 x 41\.0 GiB per version = 82\.0 GiB \(got "80\.0 GiB"\)/);
  });

  test('an in-process ValidationJob in the rollout reads the filled version like the server', () => {
    const { chart, svc } = cached();
    const { evaluator } = inProcessEvaluator(chart, svc);
    expect(evaluator.initContainers.map((c: any) => c.name)).toEqual(['wait-for-model-cache']);
    expect(evaluator.containers[0].volumeMounts).toContainEqual(server(Testing.synth(cached().chart)).volumeMounts[0]);
  });

  test('a new version: a new Job and directory, the same claim', () => {
    const [a, b] = [SHA, 'a'.repeat(40)].map(revision => Testing.synth(cached({}, {
      model: ModelSource.huggingFace({ repoId: 'meta-llama/Llama-3.1-8B-Instruct', revision }),
    }).chart));
    const claim = (docs: any[]) => ({ name: byKind(docs).PersistentVolumeClaim.metadata.name, spec: byKind(docs).PersistentVolumeClaim.spec });
    expect(claim(a)).toEqual(claim(b));
    expect(byKind(a).Job.metadata.name).not.toBe(byKind(b).Job.metadata.name);
    expect(server(a).volumeMounts[0].subPath).not.toBe(server(b).volumeMounts[0].subPath);
  });

  test('Argo CD: outside a pipeline the objects share one wave, so the rollout pods would read an unfilled version', () => {
    const docs = Testing.synth(cached().chart);
    expect(simulateFirstSync(docs).problems).toEqual([expect.stringMatching(/^Deployment\/llm \(Sync wave 0\): reads llm-model-cache\/.*, which no completed Job has written/)]);
  });

  test('Terraform: the claim, then the fill Job (awaited), then the workload', () => {
    const { chart } = cached();
    const steps = planApply(chart, Testing.synth(chart));
    const step = (kind: string) => steps.find(s => s.document.kind === kind)!;
    expect(step('Job').awaitCompletion).toBe(true);
    expect(steps.indexOf(step('PersistentVolumeClaim'))).toBeLessThan(steps.indexOf(step('Job')));
    // Same wave and kind stage: only the pod template's fill-job annotation orders them.
    expect(step('Deployment').dependsOn).toContain(step('Job').id);
    expect(steps.indexOf(step('Job'))).toBeLessThan(steps.indexOf(step('Deployment')));
  });

  test('a sha256 manifest for an S3 source: every file checked, no other file allowed', async () => {
    const files = [
      { path: 'config.json', sha256: sha('{}'), size: Size.kibibytes(1) },
      { path: 'model.safetensors', sha256: sha('w'), size: Size.gibibytes(15) },
    ];
    const { chart } = cached({ integrity: CacheIntegrity.sha256Manifest({ files }) }, { model: ModelSource.s3({ uri: 's3://m/llm/v3/', modelName: 'llm', version: 'v3' }) });
    const docs = await expectConformant(chart);
    const verify = byKind(docs).Job.spec.template.spec.containers[0];
    expect(verify.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(verify.env).toContainEqual({ name: 'CACHE_MANIFEST', value: `${sha('{}')}  config.json\n${sha('w')}  model.safetensors` });
    expect(verify.image).toBe('amazon/aws-cli:2.27.50');
  });
});

describe('the fill scripts, run', () => {
  const jobOf = (integrity?: CacheIntegrity) => byKind(Testing.synth(cached({ integrity, keepVersions: 2 }, integrity
    ? { model: ModelSource.s3({ uri: 's3://m/llm/v3/', modelName: 'llm', version: 'v3' }) } : {}).chart)).Job.spec.template.spec;
  const envOf = (c: any, extra: Record<string, string>) => ({
    ...process.env, ...Object.fromEntries((c.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value])), ...extra,
  });

  test('prune keeps the newest keepVersions-1 complete versions besides the one being filled', () => {
    const prune = jobOf().initContainers[0];
    const root = mkdtempSync(join(tmpdir(), 'cache-'));
    ['old', 'older', 'previous'].forEach((d, i) => {
      mkdirSync(join(root, d));
      writeFileSync(join(root, d, '.mlops-cache-complete'), d);
      const t = new Date(Date.UTC(2026, 0, 1 + i)).getTime() / 1000;
      utimesSync(join(root, d, '.mlops-cache-complete'), t, t);
    });
    mkdirSync(join(root, 'partial'));
    execFileSync('sh', ['-c', prune.command[2].split('/cache').join(root)], { env: envOf(prune, {}) });
    const target = prune.env.find((e: any) => e.name === 'VERSION_DIR').value;
    // 'previous' is the newest complete one: the stable pods of a canary still read it.
    expect(readdirSync(root).sort()).toEqual(['partial', 'previous', target].sort());
  });

  test('the manifest check passes on exactly the listed files and fails on a changed or an extra file', () => {
    const files = [{ path: 'config.json', sha256: sha('{}'), size: Size.kibibytes(1) }, { path: 'w/model.safetensors', sha256: sha('w'), size: Size.gibibytes(15) }];
    const verify = jobOf(CacheIntegrity.sha256Manifest({ files })).containers[0];
    const run = (setup: (dir: string) => void) => {
      const dir = mkdtempSync(join(tmpdir(), 'model-'));
      mkdirSync(join(dir, 'w'));
      writeFileSync(join(dir, 'config.json'), '{}');
      writeFileSync(join(dir, 'w/model.safetensors'), 'w');
      setup(dir);
      const tmp = mkdtempSync(join(tmpdir(), 'tmp-'));
      try {
        execFileSync('sh', ['-c', verify.command[2].split('/tmp/').join(`${tmp}/`)], { env: envOf(verify, { MODEL_DIR: dir }), stdio: 'pipe' });
      } catch {
        return { ok: false, marked: existsSync(join(dir, '.mlops-cache-complete')) };
      }
      return { ok: true, marked: existsSync(join(dir, '.mlops-cache-complete')) };
    };
    expect(run(() => undefined)).toEqual({ ok: true, marked: true });
    expect(run(dir => writeFileSync(join(dir, 'config.json'), '{"x":1}'))).toEqual({ ok: false, marked: false });
    expect(run(dir => writeFileSync(join(dir, 'extra.bin'), 'x'))).toEqual({ ok: false, marked: false });
  });
});

describe('the integrity checks, run against files', () => {
  const fake = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'model-'));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return dir;
  };
  const runVerify = (verify: any, dir: string, env: Record<string, string> = {}) => {
    const tmp = mkdtempSync(join(tmpdir(), 'tmp-'));
    const script = verify.command[2].split('/tmp/').join(`${tmp}/`);
    const declared = Object.fromEntries(verify.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
    const vars = { ...process.env, ...declared, MODEL_DIR: dir, ...env };
    try {
      execFileSync(verify.command[0], [verify.command[1], script], { env: vars, stdio: 'pipe' });
      return { ok: true, marked: existsSync(join(dir, '.mlops-cache-complete')) };
    } catch (e: any) {
      return { ok: false, marked: existsSync(join(dir, '.mlops-cache-complete')), output: String(e.stdout) + String(e.stderr) };
    }
  };
  const md5 = (b: Buffer) => createHash('md5').update(b).digest();

  test('S3: single-part and multipart ETags recomputed from the files, with the part size S3 reports', () => {
    const small = Buffer.from('{"hidden_size": 8192}');
    // Parts far larger than a pipe buffer, as real parts are: the part reader must survive SIGPIPE.
    const big = Buffer.concat([Buffer.alloc(600_000, 'x'), Buffer.alloc(600_000, 'y')]);
    const partSize = 500_000;
    const parts = [0, 1, 2].map(i => big.subarray(i * partSize, (i + 1) * partSize));
    const multipart = `${createHash('md5').update(Buffer.concat(parts.map(md5))).digest('hex')}-3`;
    const objects = [
      { path: 'config.json', size: Size.kibibytes(1), eTag: md5(small).toString('hex') },
      { path: 'w/model.safetensors', size: Size.gibibytes(15), versionId: 'v-42' },
    ];
    const verify = byKind(Testing.synth(cached({ integrity: CacheIntegrity.s3Objects({ objects }) }, {
      model: ModelSource.s3({ uri: 's3://models/llm/v3/', modelName: 'llm', version: 'v3', endpointUrl: 'https://minio.example.com' }),
    }).chart)).Job.spec.template.spec.containers[0];
    expect(verify.command[0]).toBe('bash');
    expect(verify.env).toEqual(expect.arrayContaining([
      { name: 'S3_URI', value: 's3://models/llm/v3/' },
      { name: 'S3_ENDPOINT_URL', value: 'https://minio.example.com' },
    ]));
    // A stand-in for the AWS CLI: answers HeadObject from what S3 would hold, and logs the calls.
    const bin = mkdtempSync(join(tmpdir(), 'bin-'));
    const log = join(bin, 'calls');
    writeFileSync(join(bin, 'aws'), `#!/bin/bash
echo "$*" >> ${log}
case "$*" in
  *"--key llm/v3/config.json "*) echo '"'"\${CONFIG_ETAG:-${md5(small).toString('hex')}}"'"	${small.length}' ;;
  *"--key llm/v3/w/model.safetensors "*"--part-number 1"*) echo ${partSize} ;;
  *"--key llm/v3/w/model.safetensors "*) echo '"'"$ETAG"'"	${big.length}' ;;
esac
`, { mode: 0o755 });
    const env = (etag: string) => ({ PATH: `${bin}:${process.env.PATH}`, ETAG: etag });
    const files = () => fake({ 'config.json': small.toString(), 'w/model.safetensors': big.toString() });
    expect(runVerify(verify, files(), env(multipart))).toEqual({ ok: true, marked: true });
    expect(readFileSync(log, 'utf8')).toContain('--key llm/v3/w/model.safetensors --endpoint-url https://minio.example.com --version-id v-42');
    // A file whose bytes differ from the pinned version, or S3 holding another object than the pin.
    expect(runVerify(verify, files(), env(`${'0'.repeat(32)}-3`))).toMatchObject({ ok: false, marked: false, output: expect.stringContaining('does not match ETag') });
    const changed = files();
    writeFileSync(join(changed, 'config.json'), '{"hidden_size": 4096}');
    expect(runVerify(verify, changed, env(multipart))).toMatchObject({ ok: false, marked: false });
    const extra = files();
    writeFileSync(join(extra, 'notes.txt'), 'x');
    expect(runVerify(verify, extra, env(multipart))).toMatchObject({ ok: false, marked: false, output: expect.stringContaining('files on disk differ from the list') });
    // The object at the key is no longer the one whose ETag was pinned (overwritten since).
    expect(runVerify(verify, files(), { ...env(multipart), CONFIG_ETAG: 'f'.repeat(32) }))
      .toMatchObject({ ok: false, marked: false, output: expect.stringContaining(`config.json: S3 has ETag ${'f'.repeat(32)}, pinned ${md5(small).toString('hex')}`) });
  });

  test('Hugging Face: LFS files by sha256, others by git blob id, nothing else on disk', () => {
    const verify = byKind(Testing.synth(cached().chart)).Job.spec.template.spec.containers[0];
    const weights = 'weights';
    const config = '{"a": 1}';
    const blobId = createHash('sha1').update(`blob ${config.length}\0${config}`).digest('hex');
    // A stand-in for huggingface_hub's HfApi.model_info(files_metadata=True), with the commit's hashes.
    const lib = mkdtempSync(join(tmpdir(), 'py-'));
    mkdirSync(join(lib, 'huggingface_hub'));
    writeFileSync(join(lib, 'huggingface_hub', '__init__.py'), `import os
class _S:
    def __init__(self, rfilename, blob_id, lfs):
        self.rfilename, self.blob_id, self.lfs = rfilename, blob_id, lfs
class _Info:
    siblings = [_S("config.json", "${blobId}", None), _S("model.safetensors", "x", {"sha256": os.environ["WANT"], "size": 7})]
class HfApi:
    def model_info(self, repo_id, revision=None, files_metadata=False, token=None):
        assert (repo_id, revision, files_metadata) == ("meta-llama/Llama-3.1-8B-Instruct", "${SHA}", True)
        return _Info()
`);
    const env = (want: string) => ({ PYTHONPATH: lib, WANT: want });
    const files = () => fake({ 'config.json': config, 'model.safetensors': weights, '.cache/huggingface/download/model.safetensors.metadata': 'x' });
    expect(runVerify(verify, files(), env(sha(weights)))).toEqual({ ok: true, marked: true });
    expect(runVerify(verify, files(), env(sha('other')))).toMatchObject({ ok: false, marked: false, output: expect.stringContaining('hash mismatch model.safetensors') });
    const extra = files();
    writeFileSync(join(extra, 'extra.bin'), 'x');
    expect(runVerify(verify, extra, env(sha(weights)))).toMatchObject({ ok: false, output: expect.stringContaining('not in the commit extra.bin') });
  });

  test('the pods\' init container passes only once the version is marked complete', () => {
    const wait = podSpec(Testing.synth(cached().chart)).initContainers[0];
    const dir = mkdtempSync(join(tmpdir(), 'model-'));
    const run = () => {
      try {
        execFileSync('sh', ['-c', wait.command[2].split('"/models/').join(`"${dir}/`)], { stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    };
    expect(run()).toBe(false);
    writeFileSync(join(dir, '.mlops-cache-complete'), SHA);
    expect(run()).toBe(true);
  });
});

describe('bad input', () => {
  const s3 = ModelSource.s3({ uri: 's3://m/llm/v3/', modelName: 'llm', version: 'v3' });
  test.each<[string, () => unknown, RegExp]>([
    ['no storage class', () => cached({ storageClassName: ' ' }),
      /^\[test\/Svc\] modelCache\.storageClassName: is empty: a shared cache needs a StorageClass that provisions ReadWriteMany volumes \(got " "\)\. Fix: name one/],
    ['an access mode that does not let many nodes read', () => cached({ accessMode: CacheAccessMode.READ_WRITE_ONCE }),
      /^\[test\/Svc\] modelCache\.accessMode: must let replicas on many nodes read while the fill Job writes, which only ReadWriteMany allows \(got "ReadWriteOnce"\)\. Fix: use CacheAccessMode\.READ_WRITE_MANY/],
    ['read-only many: nothing could fill it', () => cached({ accessMode: CacheAccessMode.READ_ONLY_MANY }), /modelCache\.accessMode: .*\(got "ReadOnlyMany"\)/],
    ['a claim smaller than the versions it keeps', () => cached({ size: Size.gibibytes(40), keepVersions: 3 }),
      /^\[test\/Svc\] modelCache\.size: must hold keepVersions 3 x 16\.4 GiB per version = 49\.2 GiB \(got "40\.0 GiB"\)\. Fix: size: Size\.gibibytes\(50\) or more, or fewer keepVersions$/],
    ['keeping one version: the stable pods would lose theirs', () => cached({ keepVersions: 1 }),
      /^\[test\/Svc\] modelCache\.keepVersions: must be a whole number >= 2: the stable pods of a canary.*\(got 1\)\. Fix: set keepVersions: 2 or more$/],
    ['no footprint and no size per version', () => cached({}, { footprint: undefined }),
      /^\[test\/Svc\] modelCache\.sizePerVersion: is unknown, so the claim cannot be checked to hold the versions it keeps \(got undefined\)\. Fix: set the service's footprint, or sizePerVersion$/],
    ['commit hashes for a source without commits', () => cached({}, { model: s3 }),
      /^\[test\/Svc\] modelCache\.integrity: has no commit hashes to check a s3 source against \(got "huggingface-commit"\)\. Fix: give CacheIntegrity\.sha256Manifest.*, or CacheIntegrity\.s3Objects/],
    ['S3 pins for a Hugging Face source', () => cached({ integrity: CacheIntegrity.s3Objects({ objects: [{ path: 'm.safetensors', size: Size.gibibytes(16), versionId: 'v1' }] }) }),
      /^\[test\/Svc\] modelCache\.integrity: pins S3 objects, but the source is huggingface \(got "s3-objects"\)\. Fix: use CacheIntegrity\.sha256Manifest/],
    ['an S3 object pinned by nothing', () => cached({ integrity: CacheIntegrity.s3Objects({ objects: [{ path: 'm.safetensors', size: Size.gibibytes(16) }] }) }, { model: s3 }),
      /^\[test\/Svc\] modelCache\.integrity\.objects\[m\.safetensors\]: pins nothing: without a version id or an ETag any object at that key would pass \(got undefined\)\. Fix: give versionId/],
    ['an ETag with quotes', () => cached({ integrity: CacheIntegrity.s3Objects({ objects: [{ path: 'm.safetensors', size: Size.gibibytes(16), eTag: '"0123456789abcdef0123456789abcdef"' }] }) }, { model: s3 }),
      /^\[test\/Svc\] modelCache\.integrity\.objects\[m\.safetensors\]\.eTag: must be an MD5-based ETag.*without quotes \(got "\\"0123456789abcdef0123456789abcdef\\""\)/],
    ['S3 pins that do not cover the weights', () => cached({ integrity: CacheIntegrity.s3Objects({ objects: [{ path: 'a.safetensors', size: Size.gibibytes(2), versionId: 'v1' }] }) }, { model: s3 }),
      /^\[test\/Svc\] modelCache\.integrity\.objects: covers less than the model's weights \(14\.9 GiB by the footprint\).*\(got "1 files, 2\.0 GiB"\)/],
    ['a manifest without the weights', () => cached({ integrity: CacheIntegrity.sha256Manifest({ files: [{ path: 'config.json', sha256: sha('{}'), size: Size.kibibytes(1) }] }) }, { model: s3 }),
      /^\[test\/Svc\] modelCache\.integrity\.files: lists no weights file, so the weights would be loaded unchecked \(got "config\.json"\)\. Fix: list every file of the version/],
    ['a manifest that covers less than the weights', () => cached({ integrity: CacheIntegrity.sha256Manifest({ files: [{ path: 'model-00001-of-00004.safetensors', sha256: sha('w'), size: Size.gibibytes(4) }] }) }, { model: s3 }),
      /^\[test\/Svc\] modelCache\.integrity\.files: covers less than the model's weights \(14\.9 GiB by the footprint\), so some files would be loaded unchecked \(got "1 files, 4\.0 GiB"\)\. Fix: list every file of the version with its size$/],
    ['a manifest entry that is not a sha256', () => cached({ integrity: CacheIntegrity.sha256Manifest({ files: [{ path: 'm.safetensors', sha256: 'abc', size: Size.gibibytes(16) }] }) }, { model: s3 }),
      /^\[test\/Svc\] modelCache\.integrity\.files\[m\.safetensors\]\.sha256: must be 64 lowercase hex digits \(got "abc"\)/],
    ['a manifest path outside the model', () => cached({ integrity: CacheIntegrity.sha256Manifest({ files: [{ path: '../m.safetensors', sha256: sha('w'), size: Size.gibibytes(16) }] }) }, { model: s3 }),
      /^\[test\/Svc\] modelCache\.integrity\.files\[\]\.path: must be a path inside the model directory \(got "\.\.\/m\.safetensors"\)/],
    ['an in-process PreSync hook, which runs before the fill', () => {
      const { chart, svc } = cached();
      return new ValidationHook(chart, 'Hook', { service: svc, image: 'ghcr.io/acme/eval:1.0', dataset: { uri: 's3://e/x/' }, checks: [ValidationCheck.quality({ metric: 'a', threshold: 0.5 })], target: ValidationTarget.inProcess() });
    }, /^\[test\/Hook\] target: the service loads its model from a shared cache, which is filled in the Sync phase, after every PreSync hook \(got "in-process"\)\. Fix: validate a running endpoint/],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });
});

test('the default per-pod caches are unchanged: emptyDir downloads in the pod', () => {
  const docs = Testing.synth(service({ footprint: FOOTPRINT }).chart);
  expect(of(docs, 'Job')).toEqual([]);
  expect(podSpec(docs).initContainers.map((c: any) => c.name)).toEqual(['fetch-model-huggingface']);
  expect(podSpec(docs).volumes[0]).toEqual({ name: 'model', emptyDir: { sizeLimit: '18Gi' } });
});

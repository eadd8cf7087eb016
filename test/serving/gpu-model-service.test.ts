import { Duration, Size, Testing } from 'cdk8s';
import { Accelerator, CanaryRollout, CanaryStep, CudaVersion, GpuModelService, MigProfile, ModelCache, ModelRuntime, ModelSource, Precision, PreStopHandler } from '../../src';
import { expectConformant } from '../conformance';
import { byKind, hfSource, podSpec, server, service, SHA } from './helpers';
import { bound } from '../inputs/bind';

describe('defaults', () => {
  test('a single-GPU vLLM service: snapshot, conformant', async () => {
    const { chart } = service();
    const docs = await expectConformant(chart);
    expect(docs.map((d: any) => d.kind)).toEqual(['ServiceAccount', 'Service', 'PodDisruptionBudget', 'NetworkPolicy', 'Deployment', 'PodMonitor', 'ServiceMonitor']);
    expect(docs).toMatchSnapshot();
  });

  test('GPU placement: product label, explicit toleration, GPU limit', async () => {
    const docs = await expectConformant(service({ tensorParallelSize: 4 }).chart);
    const spec = podSpec(docs);
    expect(spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    // One term per GFD driver label generation, each repeating the product requirements (terms are ORed).
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.map((t: any) => t.matchExpressions)).toEqual(
      ['nvidia.com/cuda.driver-version.major', 'nvidia.com/cuda.driver.major'].map(key => [
        { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3'] },
        { key: 'nvidia.com/gpu.count', operator: 'Gt', values: ['3'] },
        { key, operator: 'Gt', values: ['524'] },
      ]));
    expect(server(docs).resources.limits['nvidia.com/gpu']).toBe(4);
    // Guaranteed QoS: CPU and memory requests equal limits (ephemeral storage does not count towards the class).
    const { requests, limits } = server(docs).resources;
    expect({ ...requests, 'ephemeral-storage': undefined }).toEqual({ ...limits, 'ephemeral-storage': undefined });
    expect(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
  });

  test('tensor parallelism: flags, /dev/shm sized for TP, NCCL over NVLink', async () => {
    const docs = await expectConformant(service({ tensorParallelSize: 8 }).chart);
    const c = server(docs);
    expect(c.args).toEqual(expect.arrayContaining(['--tensor-parallel-size', '8', '--pipeline-parallel-size', '1']));
    expect(podSpec(docs).volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } });
    expect(c.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'NCCL_P2P_LEVEL', value: 'NVL' }]));
    // shm counts against memory: 16 GiB per GPU plus the 16 GiB of shm.
    expect(c.resources.limits.memory).toBe('144Gi');
  });

  test('restricted security: non-root 10001, read-only root, writable emptyDirs for caches, no token', async () => {
    const docs = await expectConformant(service().chart);
    const spec = podSpec(docs);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(byKind(docs).ServiceAccount.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
    for (const c of [...spec.containers, ...spec.initContainers]) {
      expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
      expect(c.resources.limits.cpu).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    }
    const env = Object.fromEntries(server(docs).env.map((e: any) => [e.name, e.value]));
    const mounts = server(docs).volumeMounts.map((m: any) => m.mountPath);
    for (const key of ['HF_HOME', 'VLLM_CACHE_ROOT', 'VLLM_CONFIG_ROOT', 'HOME']) {
      expect(mounts.some((m: string) => env[key].startsWith(m))).toBe(true);
    }
    expect(mounts).toContain('/tmp');
    expect(env.HF_HUB_OFFLINE).toBe('1');
  });

  test('probes and graceful drain', async () => {
    const docs = await expectConformant(service({ drain: { preStopDelay: Duration.seconds(20), shutdownTimeout: Duration.minutes(5) } }).chart);
    const c = server(docs);
    expect(c.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 180 });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.livenessProbe.failureThreshold).toBe(4);
    expect(c.lifecycle.preStop.exec.command).toEqual(['sleep', '20']);
    expect(podSpec(docs).terminationGracePeriodSeconds).toBe(320);
  });

  test('companions: Service, PDB, NetworkPolicy select the pods and carry the lineage', async () => {
    const docs = await expectConformant(service({ name: 'llama-8b', namespace: 'llm' }).chart);
    const k = byKind(docs);
    const selector = { 'app.kubernetes.io/name': 'llama-8b', 'app.kubernetes.io/instance': 'llama-8b' };
    expect(k.Service.spec.selector).toEqual(selector);
    // One replica: no voluntary eviction of the only healthy pod (see test/serving/pods.test.ts).
    expect(k.PodDisruptionBudget.spec).toEqual({ selector: { matchLabels: selector }, maxUnavailable: 0, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect(k.NetworkPolicy.spec.podSelector.matchLabels).toEqual(selector);
    expect(k.Deployment.spec.selector.matchLabels).toEqual(selector);
    for (const d of docs as any[]) {
      expect(d.metadata.namespace).toBe('llm');
      expect(d.metadata.labels['mlops.cdk8s.io/model-version']).toBe(SHA);
      expect(d.metadata.annotations['mlops.cdk8s.io/model-uri']).toBe(`https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/tree/${SHA}`);
    }
    expect(k.Deployment.spec.template.metadata.labels['mlops.cdk8s.io/model-version']).toBe(SHA);
  });

  test('the name defaults to the model name, stable across synths', () => {
    const a = service().svc.name;
    expect(a).toBe('llama-3-1-8b-instruct');
    expect(service().svc.name).toBe(a);
  });

  test('a rollout can take the workload over: the Deployment is removed', async () => {
    const { chart, svc } = service();
    new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(100)] });
    expect(svc.workload.kind).toBe('Rollout');
    expect(Testing.synth(chart).map((d: any) => d.kind)).not.toContain('Deployment');
    expect(() => new CanaryRollout(chart, 'Second', { service: svc, steps: [CanaryStep.weight(100)] })).toThrow(/workload: is already managed by/);
  });
});

describe('runtimes', () => {
  test('TGI: launcher flags, --num-shard for TP, port 8080', async () => {
    const docs = await expectConformant(service({ runtime: ModelRuntime.tgi({ maxTotalTokens: 8192 }), tensorParallelSize: 2 }).chart);
    const c = server(docs);
    expect(c.command).toEqual(['text-generation-launcher']);
    expect(c.args).toEqual(expect.arrayContaining(['--model-id', '/models', '--num-shard', '2', '--port', '8080', '--max-total-tokens', '8192']));
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  });

  test('TGI has no pipeline parallelism', () => {
    expect(() => service({ runtime: ModelRuntime.tgi(), tensorParallelSize: 2, pipelineParallelSize: 2 })).toThrow(/TGI has no pipeline parallelism/);
  });

  test('Triton: model repository, separate metrics and gRPC ports, v2 health endpoints', async () => {
    const docs = await expectConformant(service({
      runtime: ModelRuntime.triton(),
      accelerator: Accelerator.L4,
      model: ModelSource.s3({ uri: 's3://m/clf/7/', modelName: 'clf', version: '7' }),
    }).chart);
    const c = server(docs);
    expect(c.args).toContain('--model-repository=/models');
    expect(c.ports.map((p: any) => p.containerPort)).toEqual([8000, 8001, 8002]);
    expect(c.readinessProbe.httpGet.path).toBe('/v2/health/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/v2/health/live');
    expect(byKind(docs).Service.spec.ports.map((p: any) => p.name)).toEqual(['http', 'grpc', 'metrics']);
  });

  test('custom runtime: the model path is substituted into args', async () => {
    const docs = await expectConformant(service({
      runtime: ModelRuntime.custom({ image: 'ghcr.io/acme/server:1.2.3', port: 9000, args: ['--model={{modelPath}}'], livenessPath: '/healthz', cudaVersion: CudaVersion.CUDA_12_4 }),
      model: ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' }),
      drain: { preStopHandler: PreStopHandler.execSleep() },
    }).chart);
    expect(server(docs).args).toEqual(['--model=/models']);
    expect(server(docs).livenessProbe.httpGet.path).toBe('/healthz');
  });

  test('vLLM flags', async () => {
    const docs = await expectConformant(service({ runtime: ModelRuntime.vllm({ maxModelLen: 4096, gpuMemoryUtilization: 0.85, quantization: 'fp8', maxNumSeqs: 64 }), servedModelName: 'chat' }).chart);
    expect(server(docs).args).toEqual(['/models', '--served-model-name', 'chat', '--port', '8000', '--tensor-parallel-size', '1', '--pipeline-parallel-size', '1',
      '--gpu-memory-utilization', '0.85', '--max-model-len', '4096', '--max-num-seqs', '64', '--quantization', 'fp8']);
  });
});

describe('model sources', () => {
  test('Hugging Face: downloads the pinned commit with the runtime image, token from a Secret', async () => {
    const docs = await expectConformant(service({
      model: ModelSource.huggingFace({ repoId: 'org/m', revision: SHA, token: { secretName: 'hf', key: 'token' } }),
    }).chart);
    const init = podSpec(docs).initContainers[0];
    expect(init.image).toBe('vllm/vllm-openai:v0.11.0');
    expect(init.env).toEqual(expect.arrayContaining([
      { name: 'MODEL_REVISION', value: SHA },
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
    ]));
    expect(init.volumeMounts).toContainEqual({ name: 'model', mountPath: '/models' });
    expect(server(docs).volumeMounts).toContainEqual({ name: 'model', mountPath: '/models', readOnly: true });
  });

  test('Hugging Face on a runtime without huggingface_hub needs a downloader image', () => {
    expect(() => service({ runtime: ModelRuntime.triton() })).toThrow(/model.downloaderImage: the triton image has no huggingface_hub/);
  });

  test('S3 with an S3-compatible endpoint and credentials from a Secret', async () => {
    const docs = await expectConformant(service({
      model: ModelSource.s3({ uri: 's3://models/llama/v3/', modelName: 'llama', version: 'v3', endpointUrl: 'https://minio.local', credentialsSecretName: 's3-creds' }),
    }).chart);
    const init = podSpec(docs).initContainers[0];
    expect(init.command).toEqual(['aws', 's3', 'sync', 's3://models/llama/v3/', '/models', '--only-show-errors', '--endpoint-url', 'https://minio.local']);
    expect(init.envFrom).toEqual([{ secretRef: { name: 's3-creds' } }]);
  });

  test('GCS', async () => {
    const docs = await expectConformant(service({ model: ModelSource.gcs({ uri: 'gs://b/m/2/', modelName: 'm', version: '2' }) }).chart);
    expect(podSpec(docs).initContainers[0].command).toEqual(['gcloud', 'storage', 'rsync', '--recursive', 'gs://b/m/2/', '/models']);
  });

  test('MLflow: a registered version, served from the artifact path', async () => {
    const docs = await expectConformant(service({
      model: ModelSource.mlflow({ trackingUri: 'https://mlflow.example.com', modelName: 'fraud', version: '7', artifactPath: 'model' }),
    }).chart);
    const init = podSpec(docs).initContainers[0];
    expect(init.command).toEqual(['mlflow', 'artifacts', 'download', '--artifact-uri', 'models:/fraud/7', '--dst-path', '/models']);
    expect(server(docs).args[0]).toBe('/models/model');
    expect(byKind(docs).Deployment.metadata.annotations['mlops.cdk8s.io/model-uri']).toBe('https://mlflow.example.com#models:/fraud/7');
  });

  test('MLflow alias with opt-in', async () => {
    const docs = await expectConformant(service({
      model: ModelSource.mlflow({ trackingUri: 'https://mlflow.example.com', modelName: 'fraud', alias: 'champion', allowAlias: true }),
    }).chart);
    expect(podSpec(docs).initContainers[0].command).toContain('models:/fraud@champion');
  });

  test('OCI modelcar pinned by digest', async () => {
    const image = `registry.example.com/models/llama@sha256:${'a'.repeat(64)}`;
    const docs = await expectConformant(service({ model: ModelSource.oci({ image }) }).chart);
    const init = podSpec(docs).initContainers[0];
    expect(init.image).toBe(image);
    expect(init.command).toEqual(['cp', '-R', '/models/.', '/models/']);
    expect(byKind(docs).Deployment.metadata.labels['mlops.cdk8s.io/model-name']).toBe('llama');
  });

  test('existing PVC: mounted read-only, no download', async () => {
    const docs = await expectConformant(service({ model: ModelSource.persistentVolumeClaim({ claimName: 'weights', path: 'llama/v2', modelName: 'llama', version: 'v2' }) }).chart);
    expect(podSpec(docs).initContainers).toBeUndefined();
    expect(podSpec(docs).volumes).toContainEqual({ name: 'model', persistentVolumeClaim: { claimName: 'weights', readOnly: true } });
    expect(server(docs).args[0]).toBe('/models/llama/v2');
  });

  test('model cache: emptyDir sized from the footprint, or a PVC', async () => {
    const sized = await expectConformant(service({ footprint: { parametersBillions: 8 } }).chart);
    expect(podSpec(sized).volumes[0]).toEqual({ name: 'model', emptyDir: { sizeLimit: '18Gi' } });
    const pvc = await expectConformant(service({ modelCache: ModelCache.persistentVolumeClaim('cache') }).chart);
    expect(podSpec(pvc).volumes[0]).toEqual({ name: 'model', persistentVolumeClaim: { claimName: 'cache' } });
  });
});

describe('GPU catalog and MIG', () => {
  test('the catalog has the common products with GFD names, memory and NVLink', () => {
    const byName = Object.fromEntries(Accelerator.catalog().map(a => [a.name, a]));
    expect(Object.keys(byName)).toEqual(['A10G', 'L4', 'L40S', 'A100 40GB', 'A100 80GB', 'H100 SXM', 'H100 PCIe', 'H200', 'B200']);
    for (const a of Accelerator.catalog()) {
      expect(a.gfdProduct).toMatch(/^NVIDIA-[A-Za-z0-9-]+$/);
      expect(a.memory.toGibibytes({ rounding: 2 })).toBeGreaterThan(20);
    }
    expect(Accelerator.catalog().filter(a => a.nvlink).map(a => a.name)).toEqual(['A100 40GB', 'A100 80GB', 'H100 SXM', 'H200', 'B200']);
    expect(byName['H100 SXM'].gfdProduct).toBe('NVIDIA-H100-80GB-HBM3');
  });

  test('a custom accelerator needs a label-safe product name', () => {
    expect(() => bound(Accelerator.custom({ name: 'X', gfdProduct: 'NVIDIA X', memory: Size.gibibytes(16), nvlink: false }))).toThrow(/gfdProduct: must be the GFD label value/);
  });

  test('MIG: the profile resource, one instance, the mixed strategy', async () => {
    const docs = await expectConformant(service({ migProfile: MigProfile.PROFILE_1G_10GB }).chart);
    expect(server(docs).resources.limits['nvidia.com/mig-1g.10gb']).toBe(1);
    expect(server(docs).resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(podSpec(docs).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toContainEqual({ key: 'nvidia.com/mig.strategy', operator: 'In', values: ['mixed'] });
  });

  test('MIG profile names are validated', () => {
    expect(() => bound(MigProfile.of('1g10gb'))).toThrow(/not a MIG profile name/);
    expect(MigProfile.of('3g.40gb').resourceName).toBe('nvidia.com/mig-3g.40gb');
  });
});

describe('GPU memory fit check', () => {
  test('70B in bf16 fits on 8x H100 with a KV-cache budget', () => {
    const footprint = { parametersBillions: 70.6, precision: Precision.BF16, kvCacheBudget: Size.gibibytes(200) };
    expect(() => service({ tensorParallelSize: 8, footprint })).not.toThrow();
  });

  test('70B in bf16 does not fit on 1x H100: the numbers are in the message', () => {
    expect(() => service({ footprint: { parametersBillions: 70.6 } })).toThrow(
      /footprint: needs 131.5 GiB \(weights 131.5 GiB\) but 1 x H100 SXM x 0.9 utilization = 71.7 GiB.*tensorParallelSize: 2/);
  });

  test('the KV-cache budget counts', () => {
    expect(() => service({ footprint: { parametersBillions: 8, kvCacheBudget: Size.gibibytes(60) } })).toThrow(/weights 14.9 GiB \+ KV cache/);
  });

  test('precision changes the weights size', () => {
    expect(() => service({ footprint: { parametersBillions: 70.6, precision: Precision.FP8 } })).not.toThrow();
  });

  test('a MIG slice has its own memory', () => {
    expect(() => service({ migProfile: MigProfile.PROFILE_1G_10GB, footprint: { parametersBillions: 8 } })).toThrow(/H100 SXM MIG 1g.10gb/);
  });
});

describe('bad input', () => {
  test('TP not dividing the GPU count', () => {
    expect(() => service({ gpuCount: 6, tensorParallelSize: 4 })).toThrow(/\[test\/Svc\] tensorParallelSize: does not divide gpuCount 6 \(got 4\)\. Fix:/);
  });

  test('TP x PP not equal to the GPU count', () => {
    expect(() => service({ gpuCount: 8, tensorParallelSize: 4 })).toThrow(/tensorParallelSize x pipelineParallelSize = 4 must equal gpuCount 8.*pipelineParallelSize: 2/);
  });

  test('TP beyond the GPUs of one node', () => {
    expect(() => service({ tensorParallelSize: 16 })).toThrow(/tensorParallelSize: must fit in one node, and a H100 SXM node has at most 8 GPUs \(got 16\)/);
  });

  test("TP beyond a custom product's node size", () => {
    const small = Accelerator.custom({ name: 'Tiny', gfdProduct: 'NVIDIA-Tiny', memory: Size.gibibytes(80), nvlink: true, maxGpusPerNode: 4 });
    expect(() => service({ accelerator: small, tensorParallelSize: 8 })).toThrow(/at most 4 GPUs/);
  });

  test('TP > 1 without NVLink is refused, pointing at pipeline parallelism; opt-in accepts it', () => {
    expect(() => service({ accelerator: Accelerator.L40S, tensorParallelSize: 4 })).toThrow(/L40S has no NVLink.*prefer pipelineParallelSize: 4.*allowPcieTensorParallel: true/);
    expect(() => service({ accelerator: Accelerator.L40S, tensorParallelSize: 4, allowPcieTensorParallel: true })).not.toThrow();
    expect(() => service({ accelerator: Accelerator.L40S, pipelineParallelSize: 4 })).not.toThrow();
  });

  test('MIG with tensor parallelism, and a profile the product does not have', () => {
    expect(() => service({ migProfile: MigProfile.PROFILE_1G_10GB, tensorParallelSize: 2 })).toThrow(/a MIG instance is one GPU slice/);
    expect(() => service({ accelerator: Accelerator.A100_40GB, migProfile: MigProfile.of('3g.40gb') })).toThrow(/migProfile: is not a MIG profile of A100 40GB \(got "3g.40gb"\).*2g.10gb/);
    expect(() => service({ accelerator: Accelerator.L4, migProfile: MigProfile.PROFILE_1G_10GB })).toThrow(/L4 has no MIG/);
  });

  test('unpinned images', () => {
    expect(() => service({ runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:latest' }) })).toThrow(/runtime.image: 'latest' moves.*got "vllm\/vllm-openai:latest"/);
    expect(() => service({ runtime: ModelRuntime.vllm({ image: 'registry:5000/vllm' }) })).toThrow(/runtime.image: has no tag/);
    expect(() => service({ model: ModelSource.s3({ uri: 's3://b/m/1/', modelName: 'm', version: '1', downloaderImage: 'amazon/aws-cli' }) })).toThrow(/model.downloaderImage: has no tag/);
    expect(() => service({ runtime: ModelRuntime.vllm({ image: `vllm/vllm-openai@sha256:${'b'.repeat(64)}`, cudaVersion: CudaVersion.CUDA_12_8 }) })).not.toThrow();
  });

  test('mutable model references', () => {
    expect(() => bound(ModelSource.huggingFace({ repoId: 'org/m', revision: 'main' }))).toThrow(/revision: must be a 40-character commit SHA.*got "main".*allowMutableRevision/);
    expect(() => bound(ModelSource.mlflow({ trackingUri: 'https://m', modelName: 'fraud', alias: 'champion' }))).toThrow(/alias: an alias moves.*allowAlias: true/);
    expect(() => bound(ModelSource.mlflow({ trackingUri: 'https://m', modelName: 'fraud', version: 'latest' }))).toThrow(/version: must be a registered version number \(got "latest"\)/);
    expect(() => bound(ModelSource.oci({ image: 'registry/models/llama:v1' }))).toThrow(/image: must be pinned by digest/);
    expect(() => bound(ModelSource.s3({ uri: 's3://b/llama/', modelName: 'llama', version: 'v3' }))).toThrow(/version: must be a path segment of uri/);
    expect(() => bound(ModelSource.gcs({ uri: 's3://b/llama/v3/', modelName: 'llama', version: 'v3' }))).toThrow(/uri: must start with gs:\/\//);
  });

  test('secret values passed inline', () => {
    expect(() => service({ env: { HF_TOKEN: 'hf_' + 'x'.repeat(34) } })).toThrow(/\[test\/Svc\] env.HF_TOKEN: looks like a credential/);
    expect(() => service({ runtime: ModelRuntime.vllm({ env: { OPENAI_API_KEY: 'x' } }) })).toThrow(/env.OPENAI_API_KEY/);
    expect(() => service({ secretEnv: { HF_TOKEN: { secretName: 'hf', key: 'token' } } })).not.toThrow();
  });

  test('invalid names', () => {
    expect(() => service({ name: 'Llama_70B' })).toThrow(/name: must be a DNS-1035 label.*got "Llama_70B".*name: 'llama-70b'/);
    expect(() => service({ name: 'a'.repeat(51) })).toThrow(/at most 50 characters/);
  });

  test('zero or negative replicas', () => {
    expect(() => service({ replicas: 0 })).toThrow(/replicas: must be a whole number >= 1 \(got 0\)/);
    expect(() => service({ replicas: -2 })).toThrow(/replicas: must be a whole number >= 1 \(got -2\)/);
    expect(() => service({ replicas: 1.5 })).toThrow(/replicas/);
  });

  test('probe timings that make no sense', () => {
    expect(() => service({ probes: { timeout: Duration.seconds(10), readinessPeriod: Duration.seconds(5) } })).toThrow(/probes.timeout: must be shorter than every probe period \(shortest 5s\)/);
    expect(() => service({ probes: { startupTimeout: Duration.seconds(30) } })).toThrow(/probes.startupTimeout: must be a whole number of seconds >= 60/);
    expect(() => service({ probes: { readinessPeriod: Duration.seconds(0) } })).toThrow(/probes.readinessPeriod/);
    expect(() => service({ maxSurge: 0, maxUnavailable: 0 })).toThrow(/maxSurge and maxUnavailable are both 0/);
  });

  test('fractions of GPU memory', () => {
    expect(() => bound(ModelRuntime.vllm({ gpuMemoryUtilization: 1.2 }))).toThrow(/gpuMemoryUtilization: must be a fraction/);
  });
});

test('synthesis is deterministic: two builds of the same service give the same documents', () => {
  const a = Testing.synth(service().chart);
  const chart = Testing.chart();
  new GpuModelService(chart, 'Svc', { model: hfSource(), runtime: ModelRuntime.vllm(), accelerator: Accelerator.H100_SXM });
  expect(Testing.synth(chart)).toEqual(a);
});

import { App, Chart, Size, Testing } from 'cdk8s';
import { hfSource, service } from './helpers';
import { DeepSeekR1MultiNodeChart } from '../../examples/deepseek-r1-multi-node';
import { Llama405bMultiNodeChart } from '../../examples/llama-405b-multi-node';
import {
  Accelerator, CanaryRollout, CanaryStep, Comparison, Gate, GpuModelService, GpuModelServiceProps, Interconnect, MigProfile, ModelAutoscaler,
  ModelRuntime, Precision, ScalingMetric, StagedGroupUpdate, UpdateStage, ValidationCheck, ValidationHook, ValidationJob, ValidationTarget,
} from '../../src';
import { checkConformance, expectConformant } from '../conformance';
import { bound } from '../inputs/bind';

const IMAGE = 'vllm/vllm-openai:v0.11.0';
const WORKER_INDEX = 'leaderworkerset.sigs.k8s.io/worker-index';
const RELEASE = 'mlops.cdk8s.io/release';
const EVAL = { image: 'ghcr.io/acme/eval:1.0.0', dataset: { uri: 's3://x/y/', sha256: 'a'.repeat(64) }, checks: [ValidationCheck.schema({ outputSchema: { type: 'object' } })] };

/** 405B BF16 on 2 x 8 H100: the shape every test starts from. */
const props = (overrides: Partial<GpuModelServiceProps> = {}): Partial<GpuModelServiceProps> => ({
  name: 'big',
  runtime: ModelRuntime.vllm({ image: IMAGE }),
  tensorParallelSize: 8,
  pipelineParallelSize: 2,
  replicas: 2,
  footprint: { parametersBillions: 405, precision: Precision.BF16 },
  ...overrides,
});

const lwsOf = (chart: Chart) => Testing.synth(chart).find((d: any) => d.kind === 'LeaderWorkerSet');

describe('a replica larger than a node is a LeaderWorkerSet group', () => {
  const { chart, svc } = service(props());
  const docs = Testing.synth(chart);
  const lws = docs.find((d: any) => d.kind === 'LeaderWorkerSet');
  const { leaderTemplate, workerTemplate } = lws.spec.leaderWorkerTemplate;
  const [leader, worker] = [leaderTemplate.spec.containers[0], workerTemplate.spec.containers[0]];

  test('no Deployment; one group of 2 nodes per replica, recreated whole, workers started with the leader', async () => {
    await expectConformant(chart);
    expect(docs.filter((d: any) => d.kind === 'Deployment')).toEqual([]);
    expect(svc.workload).toEqual({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'big' });
    expect(svc.nodesPerReplica).toBe(2);
    expect(svc.gpusPerReplica).toBe(16);
    expect(svc.totalGpus).toBe(32);
    expect(lws.spec.replicas).toBe(2);
    expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
    expect(lws.spec.leaderWorkerTemplate.restartPolicy).toBe('RecreateGroupOnPodRestart');
    // LeaderReady would deadlock: the leader is ready only once the workers have joined its Ray cluster.
    expect(lws.spec.startupPolicy).toBe('LeaderCreated');
    expect(lws.spec.rolloutStrategy).toEqual({ type: 'RollingUpdate', rollingUpdateConfiguration: { partition: 0, maxSurge: 1, maxUnavailable: 0 } });
  });

  test('each pod takes all 8 GPUs of its node; TP 8 x PP 2 in the leader\'s vLLM, started after the Ray head has its workers', () => {
    for (const c of [leader, worker]) {
      expect(c.resources.limits['nvidia.com/gpu']).toBe(8);
      expect(c.resources.requests['nvidia.com/gpu']).toBe(8);
    }
    expect(leaderTemplate.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toContainEqual({ key: 'nvidia.com/gpu.count', operator: 'Gt', values: ['7'] });
    expect(leader.command).toEqual(['/bin/bash', '-c']);
    expect(leader.args[0]).toBe('bash /vllm-workspace/examples/online_serving/multi-node-serving.sh leader --ray_cluster_size=$LWS_GROUP_SIZE && exec vllm serve "$@"');
    const vllmArgs = leader.args.slice(2).join(' ');
    expect(vllmArgs).toContain('--tensor-parallel-size 8');
    expect(vllmArgs).toContain('--pipeline-parallel-size 2');
    expect(worker.args).toEqual(['exec bash /vllm-workspace/examples/online_serving/multi-node-serving.sh worker --ray_address=$LWS_LEADER_ADDRESS']);
  });

  test('health, readiness and metrics on the leader only; /dev/shm and NCCL on both', () => {
    expect(leader.readinessProbe.httpGet.path).toBe('/health');
    expect(leader.startupProbe).toBeDefined();
    expect(leader.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    for (const key of ['readinessProbe', 'livenessProbe', 'startupProbe', 'ports']) expect(worker[key]).toBeUndefined();
    for (const t of [leaderTemplate, workerTemplate]) {
      expect(t.spec.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } });
      const env = Object.fromEntries(t.spec.containers[0].env.map((e: any) => [e.name, e.value]));
      expect(env).toMatchObject({ NCCL_IB_DISABLE: '1', NCCL_P2P_LEVEL: 'NVL' });
    }
  });

  test('the Service selects leaders only; the PodDisruptionBudget counts every pod, so one evicted pod holds all other groups', () => {
    const byName = (kind: string) => docs.find((d: any) => d.kind === kind && d.metadata.name === 'big');
    expect(byName('Service').spec.selector).toEqual({ ...svc.selectorLabels, [WORKER_INDEX]: '0' });
    expect(byName('PodDisruptionBudget').spec).toMatchObject({ selector: { matchLabels: svc.selectorLabels }, maxUnavailable: 1 });
  });

  test('a group stays in one zone (pod affinity by group key); groups and pods spread across nodes', () => {
    const affinity = leaderTemplate.spec.affinity;
    expect(affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([{
      labelSelector: { matchLabels: svc.selectorLabels }, matchLabelKeys: ['leaderworkerset.sigs.k8s.io/group-key'], topologyKey: 'topology.kubernetes.io/zone',
    }]);
    expect(affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(workerTemplate.spec.affinity).toEqual(affinity);
    expect(lws.metadata.annotations['leaderworkerset.sigs.k8s.io/exclusive-topology']).toBeUndefined();
  });

  test('leader and workers carry the same release label; the PodMonitor turns it into the gates\' hash label', () => {
    const release = leaderTemplate.metadata.labels[RELEASE];
    expect(release).toMatch(/^[0-9a-f]{10}$/);
    expect(workerTemplate.metadata.labels[RELEASE]).toBe(release);
    const relabelings = docs.find((d: any) => d.kind === 'PodMonitor').spec.podMetricsEndpoints[0].relabelings;
    expect(relabelings.slice(0, 2)).toEqual([
      { sourceLabels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], targetLabel: 'rollouts_pod_template_hash' },
      { sourceLabels: ['__meta_kubernetes_pod_label_mlops_cdk8s_io_release'], targetLabel: 'rollouts_pod_template_hash', regex: '(.+)' },
    ]);
  });

  test('the DCGM scrape keeps the GPUs of the group\'s StatefulSet pods (leaders <name>-<group>, workers <name>-<group>-<index>)', () => {
    const keep = docs.find((d: any) => d.kind === 'ServiceMonitor').spec.endpoints[0].metricRelabelings[0];
    const regex = new RegExp(`^(?:${keep.regex})$`);
    expect(['big-0', 'big-1', 'big-0-1', 'big-12-3'].filter(pod => !regex.test(pod))).toEqual([]);
    expect(['big-canary-5d8f7-x7k2p', 'bigger-0', 'big-0-1-2', 'big-x'].filter(pod => regex.test(pod))).toEqual([]);
  });

  test('the release changes exactly when the pods would', () => {
    const release = (o: Partial<GpuModelServiceProps>) =>
      lwsOf(service(props(o)).chart).spec.leaderWorkerTemplate.leaderTemplate.metadata.labels[RELEASE];
    expect(release({})).toBe(leaderTemplate.metadata.labels[RELEASE]);
    expect(release({ replicas: 3 })).toBe(leaderTemplate.metadata.labels[RELEASE]);
    expect(release({ runtime: ModelRuntime.vllm({ image: IMAGE, maxModelLen: 4096 }) })).not.toBe(leaderTemplate.metadata.labels[RELEASE]);
  });

  test('the NetworkPolicy admits the pods of the same LeaderWorkerSet on any port (Ray, NCCL)', () => {
    const np = docs.find((d: any) => d.kind === 'NetworkPolicy');
    expect(np.spec.ingress).toContainEqual({ from: [{ podSelector: { matchLabels: { 'leaderworkerset.sigs.k8s.io/name': 'big' } } }] });
  });

  test('the fit check counts the whole group', () => {
    expect(() => service(props({ footprint: { parametersBillions: 405, precision: Precision.BF16, kvCacheBudget: Size.gibibytes(600) } })))
      .toThrow(/footprint: needs 1354\.4 GiB .* but 16 x H100 SXM \(2 nodes x 8\) x 0\.9 utilization = 1146\.9 GiB/);
  });
});

test('KEDA scales whole groups: the ScaledObject targets the LeaderWorkerSet (its scale subresource counts groups)', async () => {
  const { chart, svc } = service(props());
  new ModelAutoscaler(chart, 'Scale', { service: svc, minReplicas: 1, maxReplicas: 3, metrics: [ScalingMetric.queueDepth({ targetPerReplica: 8 })] });
  const docs = await expectConformant(chart);
  expect((docs.find((d: any) => d.kind === 'ScaledObject') as any).spec.scaleTargetRef)
    .toEqual({ apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: 'big' });
});

test('nodesPerReplica, exclusive topology, group topology and maxSurge in groups', () => {
  const { chart } = service(props({
    accelerator: Accelerator.H200,
    tensorParallelSize: 8,
    pipelineParallelSize: 3,
    maxSurge: 2,
    replicas: 3,
    multiNode: { nodesPerReplica: 3, groupTopologyKey: 'cloud.google.com/gke-nodepool', exclusiveTopologyKey: 'nvidia.com/gpu.clique' },
  }));
  const lws = lwsOf(chart);
  expect(lws.spec.leaderWorkerTemplate.size).toBe(3);
  expect(lws.metadata.annotations['leaderworkerset.sigs.k8s.io/exclusive-topology']).toBe('nvidia.com/gpu.clique');
  expect(lws.spec.leaderWorkerTemplate.workerTemplate.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey)
    .toBe('cloud.google.com/gke-nodepool');
  expect(lws.spec.rolloutStrategy.rollingUpdateConfiguration.maxSurge).toBe(2);
});

describe('RDMA', () => {
  const rdma = Interconnect.rdma({ acknowledgeIpcLock: true, resourceName: 'rdma/rdma_shared_device_a' });
  const { chart } = service(props({ multiNode: { interconnect: rdma } }));
  const lws = lwsOf(chart);

  test('requests the RDMA device, adds IPC_LOCK only, keeps NCCL on InfiniBand, and marks the pods\' one exception', () => {
    for (const t of [lws.spec.leaderWorkerTemplate.leaderTemplate, lws.spec.leaderWorkerTemplate.workerTemplate]) {
      const c = t.spec.containers[0];
      expect(c.resources.limits['rdma/rdma_shared_device_a']).toBe(1);
      expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['IPC_LOCK'] });
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(c.env.map((e: any) => e.name)).not.toContain('NCCL_IB_DISABLE');
      expect(t.metadata.annotations['mlops.cdk8s.io/pod-security-exception']).toBe('IPC_LOCK');
    }
  });

  test('the harness checks such pods against baseline plus IPC_LOCK, and nothing else', async () => {
    await expectConformant(chart);
    const docs = Testing.synth(chart);
    const unannotated = JSON.parse(JSON.stringify(docs));
    delete unannotated.find((d: any) => d.kind === 'LeaderWorkerSet').spec.leaderWorkerTemplate.leaderTemplate.metadata.annotations['mlops.cdk8s.io/pod-security-exception'];
    expect((await checkConformance(unannotated)).map(v => v.message)).toEqual([expect.stringMatching(/may only contain NET_BIND_SERVICE/)]);
    const sysAdmin = JSON.parse(JSON.stringify(docs));
    sysAdmin.find((d: any) => d.kind === 'LeaderWorkerSet').spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].securityContext.capabilities.add.push('SYS_ADMIN');
    expect((await checkConformance(sysAdmin)).map(v => v.message)).toEqual([expect.stringMatching(/baseline's capabilities and IPC_LOCK/)]);
  });
});

describe('bad input', () => {
  const gates = [Gate.errorRate({ maxRatio: 0.01 })];
  const stage = (groups = 1) => UpdateStage.canary({ groups, stableRelease: '0123456789' });
  test.each<[string, () => unknown, RegExp]>([
    ['TP not equal to the GPUs per node', () => service(props({ tensorParallelSize: 4, pipelineParallelSize: 4 })),
      /\[test\/Svc\] tensorParallelSize: must equal the GPUs of one node \(8 on H100 SXM\) .*\(got 4\)\. Fix: set tensorParallelSize: 8/],
    ['PP that does not match the node count', () => service(props({ multiNode: { nodesPerReplica: 3 } })),
      /pipelineParallelSize: must equal the nodes per replica \(3\): one pipeline stage per node \(got 2\)\. Fix: set pipelineParallelSize: 3/],
    ['a group larger than the user allows', () => service(props({ pipelineParallelSize: 3, multiNode: { maxNodesPerReplica: 2 } })),
      /multiNode\.nodesPerReplica: a replica would take 3 nodes, more than maxNodesPerReplica 2 \(got 3\)\. Fix: raise/],
    ['more than 4 nodes by default', () => service(props({ pipelineParallelSize: 5 })), /more than maxNodesPerReplica 4/],
    ['multiNode on a single-node model', () => service(props({ pipelineParallelSize: 1, multiNode: {} })),
      /multiNode\.nodesPerReplica: must be a whole number >= 2 \(got 1\)/],
    ['RDMA without the acknowledgement', () => bound(Interconnect.rdma({ acknowledgeIpcLock: false })),
      /^\[test\/Bind\] Interconnect\.rdma\.acknowledgeIpcLock: RDMA needs the IPC_LOCK capability.*\(got false\)\. Fix: set acknowledgeIpcLock: true/],
    ['an RDMA resource that is not an extended resource', () => bound(Interconnect.rdma({ acknowledgeIpcLock: true, resourceName: 'ib' })),
      /Interconnect\.rdma\.resourceName: must be an extended resource name/],
    ['a runtime that cannot span nodes (TGI)', () => service(props({ runtime: ModelRuntime.tgi(), pipelineParallelSize: 1, multiNode: { nodesPerReplica: 2 } })),
      /runtime: cannot span nodes: only vLLM .* \(got "tgi"\)\. Fix: use ModelRuntime\.vllm\(\)/],
    ['a runtime that cannot span nodes (Triton)', () => service(props({ runtime: ModelRuntime.triton(), multiNode: {} })), /runtime: cannot span nodes: .*\(got "triton"\)/],
    ['MIG in a multi-node replica', () => service(props({ accelerator: Accelerator.A100_80GB, migProfile: MigProfile.PROFILE_1G_10GB, tensorParallelSize: 1, pipelineParallelSize: 1, multiNode: {} })),
      /migProfile: a MIG instance is a slice of one GPU and cannot be part of a multi-node replica/],
    ['a surge larger than the replica count', () => service(props({ maxSurge: 3 })), /maxSurge: is more groups than the 2 replicas an update replaces \(got 3\)/],
    ['a canary of every group', () => staged({}, stage(2)), /stage\.groups: must leave at least one of the 2 groups on the stable version.* \(got 2\)\. Fix: use groups: 1, or UpdateStage\.full\(\)/],
    ['a canary of no group', () => staged({}, stage(0)), /stage\.groups: must leave at least one .*\(got 0\)/],
    ['a budget smaller than one extra group', () => staged({}, stage(), 40),
      /gpuBudget: an update can hold 48 GPUs at once \(peak 48 GPUs \(3 replicas x 16\): 1 surge group\(s\) of 2 nodes x 8 GPUs beside 2 group\(s\), kept while a partition is set\) \(got 40\)/],
    ['the canary compared with itself', () => {
      const { svc } = service(props());
      return staged({}, UpdateStage.canary({ groups: 1, stableRelease: releaseOf(svc) }));
    }, /stage\.stableRelease: is this commit's own release/],
    ['a stable release that is not one', () => bound(UpdateStage.canary({ groups: 1, stableRelease: 'v1' })), /UpdateStage\.canary\.stableRelease: must be the 10-character release/],
    ['no gates', () => staged({}, stage(), undefined, []), /gates: is empty/],
    ['a broken validation in the full stage (not run there, still checked)', () => {
      const { chart, svc } = service(props());
      return new StagedGroupUpdate(chart, 'U', { service: svc, stage: UpdateStage.full(), gates, validation: { ...EVAL, checks: [] } });
    }, /\[test\/U\] checks: is empty, so the validation would pass without checking anything/],
    ['a staged update without the scrape', () => staged({ scrape: false }, stage()), /service\.scrape: is off, and only the service's PodMonitor .* \(got false\)/],
    ['a staged update of a single-node service', () => {
      const { chart, svc } = service({ runtime: ModelRuntime.vllm({ image: IMAGE }) });
      return new StagedGroupUpdate(chart, 'U', { service: svc, stage: stage(), gates });
    }, /service: is not a multi-node service/],
    ['an Argo Rollout of a LeaderWorkerSet', () => {
      const { chart, svc } = service(props());
      return new CanaryRollout(chart, 'R', { service: svc, steps: [CanaryStep.weight(50)] });
    }, /\[test\/Svc\] workload: is a LeaderWorkerSet .* \(got "test\/R"\)\. Fix: update the groups with a StagedGroupUpdate/],
    ['an in-process validation (ValidationJob) of a multi-node model', () => {
      const { svc } = service(props());
      return new ValidationJob(svc, 'V', { ...EVAL, service: svc, target: ValidationTarget.inProcess() });
    }, /\[test\/Svc\/V\] target: loads the model in one evaluator pod, but a replica of this service is a LeaderWorkerSet group \(16 GPUs over several nodes\): an in-process evaluator would have to be a group too, and no engine that runs a validation waits for one: an Indexed Job gives every pod one template .*, and Argo Rollouts names its job metric's Job <AnalysisRun UID>\.<metric>\.<n>, whose dots the API server refuses in an Indexed Job \(got "in-process"\)\. Fix: validate the new groups through their endpoint: StagedGroupUpdate's validation/],
    ['an in-process PreSync validation (ValidationHook, in process by default) of a multi-node model', () => {
      const { chart, svc } = service(props());
      return new ValidationHook(chart, 'H', { ...EVAL, service: svc });
    }, /\[test\/H\] target: loads the model in one evaluator pod, but a replica of this service is a LeaderWorkerSet group .*Fix: validate the new groups through their endpoint/],
    // Found when the chart is validated: the gate queries are rendered with the chart's PrometheusSettings.
    ['a gate reading the stable release itself, with no stableRelease given', () => Testing.synth(Chart.of(staged({ namespace: 'llm' }, UpdateStage.canary({ groups: 1 }), undefined,
      [Gate.custom({ name: 'stable-up', query: 'sum(up{rollouts_pod_template_hash=~"{{args.stable-hash}}"})', comparison: Comparison.AT_LEAST, threshold: 1 })]))),
    /stage\.stableRelease: is unset, and gate stable-up reads \{\{args\.stable-hash\}\} itself.*Fix: give UpdateStage\.canary the stableRelease/],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  function staged(o: Partial<GpuModelServiceProps>, s: UpdateStage, gpuBudget?: number, g = gates) {
    const { chart, svc } = service(props(o));
    return new StagedGroupUpdate(chart, 'U', { service: svc, stage: s, gates: g, gpuBudget });
  }
});

function releaseOf(svc: GpuModelService): string {
  return svc.podTemplate.metadata!.labels![RELEASE];
}

describe('staged, gated update', () => {
  test('canary stage: partition leaves the lower groups on the old version; the AnalysisRun measures the top ones against them', async () => {
    const chart = new Llama405bMultiNodeChart(new App(), 'l');
    const docs = await expectConformant(chart);
    const lws = docs.find((d: any) => d.kind === 'LeaderWorkerSet') as any;
    expect(lws.spec.rolloutStrategy.rollingUpdateConfiguration).toEqual({ partition: 1, maxSurge: 0, maxUnavailable: 1 });
    const release = lws.spec.leaderWorkerTemplate.leaderTemplate.metadata.labels[RELEASE];
    expect(chart.update.release).toBe(release);
    const run = docs.find((d: any) => d.kind === 'AnalysisRun') as any;
    expect(run.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    // No stable release given: the stable series are the service's other releases.
    expect(run.spec.args).toEqual([
      { name: 'namespace', value: 'llm' }, { name: 'canary-hash', value: release }, { name: 'candidate-service', value: 'llama-405b-canary' },
    ]);
    const errorsVsStable = run.spec.metrics.find((m: any) => m.name === 'error-rate-vs-stable').provider.prometheus.query;
    expect(errorsVsStable).toContain('{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.canary-hash}}",');
    expect(errorsVsStable).toContain('{namespace="{{args.namespace}}",rollouts_pod_template_hash!~"{{args.canary-hash}}|",job="llama-405b",');
    expect(JSON.stringify(run)).not.toContain('stable-hash');
    // The evaluator's Job is a metric of the run, which cannot reference a template: none is rendered.
    expect(docs.filter((d: any) => d.kind === 'AnalysisTemplate')).toEqual([]);
    expect(docs.filter((d: any) => d.kind === 'ConfigMap' && d.metadata.name === 'llama-405b-validation')).toHaveLength(1);
    expect(docs.filter((d: any) => d.kind === 'ServiceAccount' && d.metadata.name === 'llama-405b-validation')).toHaveLength(1);
    expect(run.spec.metrics.map((m: any) => m.name)).toEqual(['error-rate', 'error-rate-vs-stable', 'latency-p95', 'latency-p95-vs-stable', 'ttft-p95', 'validation']);
    // The groups' startup timeout (30m) before the gate's own delay: Argo CD may run the hook while they load.
    expect(run.spec.metrics.slice(0, 5).map((m: any) => m.initialDelay)).toEqual(Array(5).fill('31m'));
    // The evaluator calls the canary group's leader through the run's candidate-service argument.
    expect(run.spec.metrics[5].initialDelay).toBe('30m');
    const evaluatorEnv = run.spec.metrics[5].provider.job.spec.template.spec.containers[0].env;
    expect(evaluatorEnv).toContainEqual({ name: 'MLOPS_ENDPOINT', value: 'http://{{args.candidate-service}}.{{args.namespace}}.svc:8000' });
    const canary = docs.find((d: any) => d.kind === 'Service' && d.metadata.name === 'llama-405b-canary') as any;
    expect(canary.spec.selector).toEqual({ ...chart.service.selectorLabels, [WORKER_INDEX]: '0', [RELEASE]: release });
    expect(chart.update.gpuPlan.peakGpus).toBe(32);
  });

  test('full stage: partition 0, no analysis; construct order does not matter', () => {
    const chart = Testing.chart();
    const build = () => new GpuModelService(chart, 'Svc', { model: hfSource(), accelerator: Accelerator.H100_SXM, ...props() } as GpuModelServiceProps);
    const svc = build();
    new StagedGroupUpdate(chart, 'U', { service: svc, stage: UpdateStage.full(), gates: [Gate.errorRate({ maxRatio: 0.01 })] });
    const docs = Testing.synth(chart);
    expect(docs.find((d: any) => d.kind === 'LeaderWorkerSet').spec.rolloutStrategy.rollingUpdateConfiguration.partition).toBe(0);
    expect(docs.filter((d: any) => d.kind === 'AnalysisRun' || d.metadata.name.endsWith('-canary'))).toEqual([]);
  });

  test('a validation of the canary groups runs in the same AnalysisRun, and the NetworkPolicy admits its evaluator', async () => {
    const { chart, svc } = service(props({ replicas: 3, namespace: 'llm' }));
    const update = new StagedGroupUpdate(chart, 'U', { service: svc, stage: UpdateStage.canary({ groups: 2 }), gates: [Gate.errorRate({ maxRatio: 0.01 })], validation: EVAL });
    const docs = await expectConformant(chart);
    expect(update.partition).toBe(1);
    const run = docs.find((d: any) => d.kind === 'AnalysisRun') as any;
    expect(run.spec.metrics.map((m: any) => m.name)).toEqual(['error-rate', 'validation']);
    expect(run.spec.metrics[1].provider.job).toBeDefined();
    const np = docs.find((d: any) => d.kind === 'NetworkPolicy') as any;
    expect(update.inferencePeers).toHaveLength(1);
    expect(np.spec.ingress).toContainEqual({ from: [update.inferencePeers[0]._render()], ports: [{ port: 8000, protocol: 'TCP' }] });
    expect(docs.filter((d: any) => d.kind === 'AnalysisTemplate')).toEqual([]);
  });

  test('a stable release given: the gates compare with that release only, passed as the run\'s stable-hash', () => {
    const { chart, svc } = service(props({ namespace: 'llm' }));
    new StagedGroupUpdate(chart, 'U', { service: svc, stage: UpdateStage.canary({ groups: 1, stableRelease: '0123456789' }), gates: [Gate.errorRate({ maxRatio: 0.01, stableTolerance: 1 })] });
    const run = Testing.synth(chart).find((d: any) => d.kind === 'AnalysisRun');
    expect(run.spec.args).toContainEqual({ name: 'stable-hash', value: '0123456789' });
    expect(run.spec.metrics[1].provider.prometheus.query).toContain('{namespace="{{args.namespace}}",rollouts_pod_template_hash="{{args.stable-hash}}",');
    expect(run.spec.metrics[1].provider.prometheus.query).not.toContain('!~');
  });

  test('the DeepSeek-R1 example: 2 x 8 H200 over RDMA, conformant', async () => {
    const chart = new DeepSeekR1MultiNodeChart(new App(), 'd');
    await expectConformant(chart);
    expect(chart.service.gpusPerReplica).toBe(16);
    expect(chart.service.nodesPerReplica).toBe(2);
  });
});

/**
 * The other side of the census: values at the edge of what is allowed are accepted, and their manifests pass the
 * conformance harness (schemas, PromQL parser, promtool, PSS restricted), so the checks refuse no working input.
 */
import { Duration, Size, Testing } from 'cdk8s';
import {
  CudaVersion, PreStopHandler,
  AlertPreset, CanaryRollout, CanaryStep, Comparison, Gate, HeaderMatch, ModelAlerts, ModelCache, ModelDashboard, ModelRuntime, ModelSource,
  TrafficRouter, AlertReceiver, AlertRoute, AlertSeverity, ArgoCdProject, Interconnect, NotificationTrigger, Notify, Precision,
  StagedGroupUpdate, UpdateStage,
} from '../../src';
import { expectConformant } from '../conformance';
import { server, service, SHA } from '../serving/helpers';

const custom = () => ModelRuntime.custom({ image: 'ghcr.io/acme/server:1.2.3', port: 9000, metricsPort: 9001, livenessPath: '/healthz', writablePaths: ['/tmp', '/var/cache/x'], cudaVersion: CudaVersion.CUDA_12_8 });

describe('accepted edge values pass the conformance harness', () => {
  test('runtimes: vLLM with its own flags and unmanaged extra flags; TGI one token apart', async () => {
    const vllm = service({
      runtime: ModelRuntime.vllm({
        maxModelLen: 2 ** 31 - 1,
        maxNumSeqs: 1,
        gpuMemoryUtilization: 1,
        quantization: 'compressed-tensors',
        extraArgs: ['--max-num-batched-tokens', '8192', '--enable-chunked-prefill'],
        env: { VLLM_LOGGING_LEVEL: 'DEBUG' },
      }),
    });
    const args = server(await expectConformant(vllm.chart)).args;
    expect(args).toEqual(expect.arrayContaining(['--max-model-len', '2147483647', '--quantization', 'compressed-tensors', '--max-num-batched-tokens']));
    const tgi = service({ runtime: ModelRuntime.tgi({ maxInputTokens: 4095, maxTotalTokens: 4096, cudaMemoryFraction: 0.01 }) });
    expect(server(await expectConformant(tgi.chart)).args).toEqual(expect.arrayContaining(['--max-input-tokens', '4095', '--max-total-tokens', '4096']));
  });

  test('sources: every kind with its optional props at their edges', async () => {
    const sources = [
      ModelSource.huggingFace({ repoId: 'gpt2', revision: SHA, token: { secretName: 'hf.token', key: 'HF_TOKEN.v1' } }),
      ModelSource.s3({ uri: 's3://b/m/1/', modelName: 'm', version: '1', endpointUrl: 'http://minio.minio:9000', credentialsSecretName: 's3-creds' }),
      ModelSource.gcs({ uri: 'gs://bucket.example.com/m/v1.2/', modelName: 'm', version: 'v1.2' }),
      ModelSource.mlflow({ trackingUri: 'https://mlflow.example.com/', modelName: 'fraud detector', alias: 'champion', allowAlias: true, artifactPath: 'model/data' }),
      ModelSource.oci({ image: `registry.example.com:5000/models/llama@sha256:${'0'.repeat(64)}`, pathInImage: '/' }),
      ModelSource.persistentVolumeClaim({ claimName: 'models.v1', path: '/llama/v3/', modelName: 'llama', version: 'v3' }),
    ];
    const modelCache = ModelCache.emptyDir({ sizeLimit: Size.mebibytes(1) });
    for (const model of sources) await expectConformant(service({ model, runtime: ModelRuntime.vllm(), modelCache }).chart);
  });

  test('alerts and dashboard on a custom runtime with its own request counters', async () => {
    const { chart, svc } = service({ name: 'llm', runtime: custom(), model: ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' }), drain: { preStopHandler: PreStopHandler.execSleep() } });
    const requests = { requestsMetric: 'http_requests_total', errorsMatcher: 'code=~"5..", route!~"/health|/metrics"' };
    new ModelAlerts(chart, 'Alerts', {
      service: svc,
      alerts: [AlertPreset.errorRate({ maxRatio: 0.999, ...requests }), AlertPreset.availabilitySlo({ objective: 0.9999, ...requests }),
        AlertPreset.latency({ threshold: Duration.millis(1), histogram: 'http_request_duration_seconds' }),
        AlertPreset.dataDrift({ metric: 'model:drift_score', threshold: 0, selector: 'job="drift", model=~"llama-.*"' })],
      alertLabels: { team: 'ml platform', owner_2: 'a'.repeat(200) },
      ruleLabels: { 'example.com/owner': 'a'.repeat(63) },
    });
    new ModelDashboard(chart, 'Dashboard', { service: svc, ...requests, latencyHistogram: 'http_request_duration_seconds', sidecarLabel: 'example.com/dash' });
    const docs = await expectConformant(chart);
    const rule = docs.find((d: any) => d.kind === 'PrometheusRule') as any;
    expect(rule.spec.groups[0].rules.map((r: any) => r.expr).join('\n')).toContain('code=~"5..", route!~"/health|/metrics"}');
  });

  test('gates and steps with RE2 header regexes and custom queries using declared args', async () => {
    const { chart, svc } = service({ name: 'llm', runtime: custom(), model: ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' }), drain: { preStopHandler: PreStopHandler.execSleep() } });
    new CanaryRollout(chart, 'Rollout', {
      service: svc,
      trafficRouter: TrafficRouter.istio(),
      steps: [
        CanaryStep.canaryScale({ replicas: 1 }),
        CanaryStep.headerRoute({ name: 'canary-header', match: [HeaderMatch.regex('x-user', '(?i)^tester-[0-9]+$'), HeaderMatch.exact('X-Canary', 'yes')] }),
        CanaryStep.analysis({
          gates: [
            Gate.errorRate({ maxRatio: 0.01, requestsMetric: 'http_requests_total', errorsMatcher: 'code=~"5.."' }),
            Gate.custom({
              name: 'accuracy',
              query: 'avg(model_accuracy{namespace="{{args.namespace}}", rollouts_pod_template_hash="{{args.canary-hash}}"})',
              comparison: Comparison.AT_LEAST,
              threshold: 0.8,
            }),
          ],
          args: { 'model-uri': 's3://m/1/' },
        }),
        CanaryStep.pause(Duration.days(30)),
        CanaryStep.weight(100),
      ],
    });
    await expectConformant(chart, { sampleArgs: { 'namespace': 'llm', 'canary-hash': 'abc', 'stable-hash': 'def' } });
    expect(Testing.synth(chart).some((d: any) => d.kind === 'AnalysisTemplate')).toBe(true);
  });
});

describe('accepted edge values of the areas added since the toolkit', () => {
  test('label matchers that overlap but can select a series: a regex and an exclusion, flags, two values in one regex', async () => {
    const { chart, svc } = service({ name: 'llm', runtime: custom(), model: ModelSource.s3({ uri: 's3://m/x/1/', modelName: 'x', version: '1' }), drain: { preStopHandler: PreStopHandler.execSleep() } });
    const requests = { requestsMetric: 'http_requests_total', inferenceMatcher: 'handler=~"/v1/.*", handler!="/v1/models"', errorsMatcher: 'code=~"5..", code!="503", code!~"(?i)x.*"' };
    new CanaryRollout(chart, 'Rollout', {
      service: svc,
      steps: [CanaryStep.weight(20), CanaryStep.analysis({
        gates: [Gate.errorRate({ maxRatio: 0.01, ...requests }), Gate.custom({
          name: 'accuracy',
          query: 'avg(model_accuracy{namespace="{{args.namespace}}", namespace!="kube-system", split=~"eval|test", split!="train"})',
          comparison: Comparison.AT_LEAST,
          threshold: 0.8,
        })],
      }), CanaryStep.weight(100)],
    });
    new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.errorRate({ maxRatio: 0.05, ...requests }), AlertPreset.dataDrift({ metric: 'd', threshold: 1, selector: 'job="drift", job!=""' })] });
    const docs = await expectConformant(chart, { sampleArgs: { 'namespace': 'llm', 'canary-hash': 'abc', 'stable-hash': 'def' } }) as any[];
    const queries = docs.find(d => d.kind === 'AnalysisTemplate').spec.metrics.map((m: any) => m.provider.prometheus.query);
    expect(queries[0]).toContain('handler=~"/v1/.*", handler!="/v1/models",code=~"5..", code!="503", code!~"(?i)x.*"}');
    expect(queries[1]).toContain('split=~"eval|test", split!="train"');
  });

  test('gates: an error ratio just below 1, limits one below count', async () => {
    const { chart, svc } = service({ name: 'llm' });
    const gate = Gate.errorRate({
      maxRatio: 0.99, count: 3, failureLimit: 2, inconclusiveLimit: 2, interval: Duration.seconds(1), initialDelay: Duration.seconds(0),
    });
    new CanaryRollout(chart, 'Rollout', { service: svc, steps: [CanaryStep.weight(20), CanaryStep.analysis({ gates: [gate] }), CanaryStep.weight(100)] });
    const docs = await expectConformant(chart, { sampleArgs: { 'namespace': 'llm', 'canary-hash': 'abc', 'stable-hash': 'def' } }) as any[];
    const metric = docs.find((d: any) => d.kind === 'AnalysisTemplate').spec.metrics[0];
    expect([metric.count, metric.failureLimit, metric.inconclusiveLimit, metric.interval]).toEqual([3, 2, 2, '1s']);
  });

  test('notifications: the shortest e-mail address, a one-letter webhook, a trigger by its upstream name', async () => {
    const { chart, svc } = service({ name: 'llm' });
    new CanaryRollout(chart, 'Rollout', {
      service: svc,
      steps: [CanaryStep.weight(100)],
      notifications: [{ on: [NotificationTrigger.named('on-rollout-aborted')], notify: [Notify.email('a@b'), Notify.webhook('a'), Notify.to({ service: 'telegram', recipient: '-100' })] }],
    });
    const rollout = (await expectConformant(chart) as any[]).find((d: any) => d.kind === 'Rollout');
    expect(Object.keys(rollout.metadata.annotations)).toEqual(expect.arrayContaining([
      'notifications.argoproj.io/subscribe.on-rollout-aborted.email', 'notifications.argoproj.io/subscribe.on-rollout-aborted.a',
    ]));
  });

  test('alert routing: one alert per webhook call, a 63-character receiver name, one-second timing', async () => {
    const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
    const receiver = AlertReceiver.webhook({ name: 'r'.repeat(63), url: { secretName: 'a', key: 'u.r_l-1' }, maxAlerts: 1 });
    new ModelAlerts(chart, 'Alerts', {
      service: svc,
      alerts: [AlertPreset.dataDrift({ metric: 'prompt_embedding_drift_score', threshold: 0.3, selector: 'job="drift-exporter"' })],
      routing: {
        routes: [AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver })],
        groupWait: Duration.seconds(1),
        repeatInterval: Duration.seconds(1),
      },
    });
    const config = (await expectConformant(chart) as any[]).find((d: any) => d.kind === 'AlertmanagerConfig');
    expect(config.spec.receivers[0].webhookConfigs[0].maxAlerts).toBe(1);
    expect(config.spec.route.groupWait).toBe('1s');
  });

  test('ArgoCdProject: a 63-character name, its own Argo CD namespace, a server with a port, prefixed labels', async () => {
    const chart = Testing.chart();
    new ArgoCdProject(chart, 'P', {
      name: 'p'.repeat(63),
      namespace: 'gitops',
      sourceRepos: ['*'],
      labels: { 'example.com/team': 'ml' },
      annotations: { 'example.com/owner': 'ml@example.com' },
      destinations: [{ server: 'https://k8s.example.com:6443', namespace: 'a' }],
    });
    const project = (await expectConformant(chart) as any[]).find((d: any) => d.kind === 'AppProject');
    expect(project.spec.destinations).toEqual([{ server: 'https://k8s.example.com:6443', namespace: 'a' }]);
    expect(project.metadata.namespace).toBe('gitops');
  });

  test('LeaderWorkerSet: RDMA with a named device, dotted topology keys, a budget of exactly the peak', async () => {
    const { chart, svc } = service({
      name: 'big',
      namespace: 'llm',
      runtime: ModelRuntime.vllm({ image: 'vllm/vllm-openai:v0.11.0' }),
      tensorParallelSize: 8,
      pipelineParallelSize: 2,
      replicas: 2,
      footprint: { parametersBillions: 405, precision: Precision.BF16 },
      multiNode: {
        interconnect: Interconnect.rdma({ acknowledgeIpcLock: true, resourceName: 'rdma/rdma_shared_device_a' }),
        groupTopologyKey: 'cloud.google.com/gke-nodepool',
        exclusiveTopologyKey: 'nvidia.com/gpu.clique',
      },
    });
    const update = new StagedGroupUpdate(chart, 'U', { service: svc, stage: UpdateStage.canary({ groups: 1, stableRelease: '0123456789' }), gates: [Gate.errorRate({ maxRatio: 0.01 })], gpuBudget: 48 });
    const lws = (await expectConformant(chart) as any[]).find((d: any) => d.kind === 'LeaderWorkerSet');
    expect(lws.metadata.annotations['leaderworkerset.sigs.k8s.io/exclusive-topology']).toBe('nvidia.com/gpu.clique');
    expect(lws.spec.rolloutStrategy.rollingUpdateConfiguration.partition).toBe(1);
    expect(update.gpuPlan.peakGpus).toBe(48);
  });
});

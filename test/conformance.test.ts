import { ApiObject, Chart, Testing } from 'cdk8s';
import { checkConformance, ConformanceOptions, expectConformant, Violation } from './conformance';

const restrictedPod = () => ({
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{
    name: 'server',
    image: 'vllm/vllm-openai:v0.6.0',
    ports: [{ containerPort: 8000 }],
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  }],
  volumes: [{ name: 'cache', emptyDir: {} }],
});

const labels = { app: 'llama-70b' };
const manifest = <S>(apiVersion: string, kind: string, name: string, spec: S) => ({ apiVersion, kind, metadata: { name }, spec });

/** A well-formed manifest per kind; every negative test is one of these plus one mutation. */
const FIXTURES = {
  deployment: manifest('apps/v1', 'Deployment', 'web', {
    replicas: 2,
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: restrictedPod() },
  }),
  service: manifest('v1', 'Service', 'llama-70b', { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8000 }] }),
  rule: manifest('monitoring.coreos.com/v1', 'PrometheusRule', 'llama-70b', {
    groups: [{
      name: 'llama-70b.rules',
      rules: [
        { record: 'job:http_errors:ratio_rate5m', expr: 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))' },
        { alert: 'HighErrorRate', expr: 'job:http_errors:ratio_rate5m > 0.05', for: '5m', labels: { severity: 'page' } },
      ],
    }],
  }),
  analysis: manifest('argoproj.io/v1alpha1', 'AnalysisTemplate', 'error-rate', {
    args: [{ name: 'service-name' }],
    metrics: [{
      name: 'error-rate',
      interval: '1m',
      successCondition: 'result[0] < 0.01',
      provider: {
        prometheus: {
          address: 'http://prometheus.monitoring:9090',
          query: 'sum(rate(http_requests_total{service="{{args.service-name}}",code=~"5.."}[5m]))',
        },
      },
    }],
  }),
  rollout: manifest('argoproj.io/v1alpha1', 'Rollout', 'llama-70b', {
    replicas: 3,
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: restrictedPod() },
    strategy: {
      canary: {
        steps: [
          { setWeight: 20 },
          { analysis: { templates: [{ templateName: 'error-rate' }], args: [{ name: 'service-name', value: 'llama-70b' }] } },
        ],
      },
    },
  }),
  scaledObject: manifest('keda.sh/v1alpha1', 'ScaledObject', 'llama-70b', {
    scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'llama-70b' },
    triggers: [{
      type: 'prometheus',
      metadata: { serverAddress: 'http://prometheus.monitoring:9090', query: 'sum(vllm:num_requests_waiting{model="llama-70b"})', threshold: '10' },
    }],
  }),
  lws: manifest('leaderworkerset.x-k8s.io/v1', 'LeaderWorkerSet', 'llama-405b', {
    replicas: 1,
    leaderWorkerTemplate: { size: 2, workerTemplate: { spec: restrictedPod() } },
  }),
};
type Name = keyof typeof FIXTURES;

/** Violations of one fixture after `mutate`. */
async function violationsOf(name: Name, mutate: (doc: any) => void, options?: ConformanceOptions): Promise<Violation[]> {
  const doc: any = structuredClone(FIXTURES[name]);
  mutate(doc);
  return checkConformance([doc], options);
}

const violation = (check: Violation['check'], object: string, field: string, message: string | RegExp = /.+/) =>
  expect.objectContaining({ check, object, field, message: expect.stringMatching(message) });

const POD = 'spec.template.spec';
const CONTAINER = `${POD}.containers[0]`;

test('well-formed manifests of every kind pass', async () => {
  expect(await checkConformance(Object.values(FIXTURES))).toEqual([]);
});

test('charts and apps are synthesized, and every chart of an app is checked', async () => {
  const app = Testing.app();
  for (const name of ['deployment', 'rollout'] as const) new ApiObject(new Chart(app, name), name, FIXTURES[name]);
  expect(await expectConformant(app)).toHaveLength(2);
  expect(await expectConformant(app.charts[1])).toEqual([expect.objectContaining({ kind: 'Rollout' })]);

  const broken = structuredClone(FIXTURES.rollout);
  broken.spec.template.spec.securityContext.runAsNonRoot = false;
  new ApiObject(new Chart(app, 'broken'), 'broken', broken);
  await expect(expectConformant(app)).rejects.toThrow('[pss] Rollout/llama-70b spec.template.spec.containers[0].securityContext.runAsNonRoot: must be true');
});

test('expectConformant lists every violation on its own line', async () => {
  const doc = structuredClone(FIXTURES.deployment) as any;
  doc.spec.template.spec.hostNetwork = true;
  delete doc.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation;
  await expect(expectConformant([doc])).rejects.toThrow([
    '2 conformance violation(s):',
    '[pss] Deployment/web spec.template.spec.hostNetwork: must not be true (PSS restricted: Host Namespaces); got true',
    '[pss] Deployment/web spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: must be false (PSS restricted: Privilege Escalation); got unset',
  ].join('\n'));
});

describe('schema', () => {
  test('a wrongly typed field', async () => {
    expect(await violationsOf('rollout', d => { d.spec.replicas = 'three'; }))
      .toEqual([violation('schema', 'Rollout/llama-70b', 'spec.replicas', 'data/spec/replicas must be integer')]);
  });

  test('a metric without a provider', async () => {
    expect(await violationsOf('analysis', d => { delete d.spec.metrics[0].provider; }))
      .toEqual([violation('schema', 'AnalysisTemplate/error-rate', 'spec.metrics[0].provider', /must have required property .?provider/)]);
  });

  test('core kinds and CRDs without a models package are validated too', async () => {
    expect(await violationsOf('service', d => { d.spec.ports[0].port = 'http'; }))
      .toEqual([violation('schema', 'Service/llama-70b', 'spec.ports[0].port', 'must be integer')]);
    expect(await violationsOf('lws', d => { d.spec.leaderWorkerTemplate.size = 'two'; }))
      .toEqual([violation('schema', 'LeaderWorkerSet/llama-405b', 'spec.leaderWorkerTemplate.size', 'must be integer')]);
  });

  test('a kind with no schema fails instead of passing', async () => {
    expect(await checkConformance([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]))
      .toEqual([violation('schema', 'Widget/w', 'kind', 'no independent schema for example.com/v1/Widget')]);
  });
});

describe('promql', () => {
  test('an unparsable rule is flagged by the parser and by promtool', async () => {
    const violations = await violationsOf('rule', d => { d.spec.groups[0].rules[1].expr = 'sum(rate(x[5m]) by (job) > 0.05'; });
    expect(violations).toEqual([
      violation('promql', 'PrometheusRule/llama-70b', 'spec.groups[0].rules[1].expr', /^PromQL syntax error at 1:17 near "by \(job\)/),
      violation('promtool', 'PrometheusRule/llama-70b', 'spec.groups', /group "llama-70b.rules", rule 2, "HighErrorRate": could not parse expression/),
    ]);
  });

  test('empty and non-string expressions', async () => {
    expect(await violationsOf('analysis', d => { d.spec.metrics[0].provider.prometheus.query = ' '; }))
      .toEqual([violation('promql', 'AnalysisTemplate/error-rate', 'spec.metrics[0].provider.prometheus.query', 'must be a non-empty PromQL string')]);
    expect(await violationsOf('scaledObject', d => { d.spec.triggers[0].metadata.query = 42; }))
      .toContainEqual(violation('promql', 'ScaledObject/llama-70b', 'spec.triggers[0].metadata.query', 'got 42'));
  });

  test('{{args.NAME}} placeholders take sampleArgs, then the template value, then a sample', async () => {
    const withWindow = (d: any) => {
      d.spec.args.push({ name: 'window' });
      d.spec.metrics[0].provider.prometheus.query = 'sum(rate(http_requests_total{service="{{args.service-name}}"}[{{ args.window }}]))';
    };
    expect(await violationsOf('analysis', withWindow))
      .toEqual([violation('promql', 'AnalysisTemplate/error-rate', 'spec.metrics[0].provider.prometheus.query', 'near "sample-window')]);
    expect(await violationsOf('analysis', withWindow, { sampleArgs: { window: '5m' } })).toEqual([]);
    expect(await violationsOf('analysis', d => { withWindow(d); d.spec.args[1].value = '5m'; })).toEqual([]);
  });
});

describe('promtool', () => {
  test('a rule file without rules', async () => {
    for (const groups of [[], [{ name: 'empty', rules: [] }]]) {
      expect(await violationsOf('rule', d => { d.spec.groups = groups; }))
        .toEqual([violation('promtool', 'PrometheusRule/llama-70b', 'spec.groups', 'promtool found no rules: .*SUCCESS: 0 rules found')]);
    }
  });

  test('the Thanos-only partial_response_strategy is dropped, as prometheus-operator does for Prometheus', async () => {
    expect(await violationsOf('rule', d => { d.spec.groups[0].partial_response_strategy = 'warn'; })).toEqual([]);
  });

  test('a missing promtool is a violation, not a pass', async () => {
    const saved = process.env.PROMTOOL;
    process.env.PROMTOOL = '/nonexistent/promtool';
    try {
      expect(await checkConformance([FIXTURES.rule]))
        .toEqual([violation('promtool', 'PrometheusRule/llama-70b', 'spec.groups', /ENOENT.*apt-get install -y prometheus/)]);
    } finally {
      if (saved === undefined) delete process.env.PROMTOOL; else process.env.PROMTOOL = saved;
    }
  });
});

describe('pss', () => {
  test.each([
    ['allowPrivilegeEscalation unset', (d: any) => { delete d.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation; },
      `${CONTAINER}.securityContext.allowPrivilegeEscalation`, 'must be false \\(PSS restricted: Privilege Escalation\\); got unset'],
    ['a root user', (d: any) => { d.spec.template.spec.containers[0].securityContext.runAsUser = 0; },
      `${CONTAINER}.securityContext.runAsUser`, 'must not be 0'],
    ['runAsNonRoot false on a container', (d: any) => { d.spec.template.spec.containers[0].securityContext.runAsNonRoot = false; },
      `${CONTAINER}.securityContext.runAsNonRoot`, 'must be true on the container or the pod securityContext'],
    ['a hostPath volume', (d: any) => { d.spec.template.spec.volumes.push({ name: 'models', hostPath: { path: '/models' } }); },
      `${POD}.volumes[1]`, 'must be one of configMap, .*got .*hostPath'],
    ['no seccomp profile', (d: any) => { delete d.spec.template.spec.securityContext.seccompProfile; },
      `${CONTAINER}.securityContext.seccompProfile.type`, 'must be RuntimeDefault or Localhost'],
    ['capabilities not dropping ALL', (d: any) => { d.spec.template.spec.containers[0].securityContext.capabilities.drop = ['NET_RAW']; },
      `${CONTAINER}.securityContext.capabilities.drop`, 'must include ALL'],
    ['an added capability', (d: any) => { d.spec.template.spec.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']; },
      `${CONTAINER}.securityContext.capabilities.add`, 'may only contain NET_BIND_SERVICE'],
    ['a host port', (d: any) => { d.spec.template.spec.containers[0].ports[0].hostPort = 8000; },
      `${CONTAINER}.ports[0].hostPort`, 'must be unset'],
    ['a privileged init container', (d: any) => {
      d.spec.template.spec.initContainers = [{ ...d.spec.template.spec.containers[0], name: 'fetch' }];
      d.spec.template.spec.initContainers[0].securityContext = { ...d.spec.template.spec.initContainers[0].securityContext, privileged: true };
    }, `${POD}.initContainers[0].securityContext.privileged`, 'must not be true'],
  ])('%s', async (_, mutate, field, message) => {
    expect(await violationsOf('deployment', mutate)).toEqual([violation('pss', 'Deployment/web', field, message)]);
  });

  test('an Unconfined seccomp profile on the pod fails even when every container overrides it', async () => {
    expect(await violationsOf('deployment', d => {
      d.spec.template.spec.securityContext.seccompProfile.type = 'Unconfined';
      d.spec.template.spec.containers[0].securityContext.seccompProfile = { type: 'RuntimeDefault' };
    })).toEqual([violation('pss', 'Deployment/web', `${POD}.securityContext.seccompProfile.type`, 'got "Unconfined"')]);
  });

  test('pod templates of every workload kind are found', async () => {
    const insecure = (d: any) => { delete d.securityContext.runAsNonRoot; };
    expect(await violationsOf('lws', d => insecure(d.spec.leaderWorkerTemplate.workerTemplate.spec)))
      .toEqual([violation('pss', 'LeaderWorkerSet/llama-405b', 'spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].securityContext.runAsNonRoot')]);
    expect(await violationsOf('analysis', d => {
      d.spec.metrics.push({ name: 'smoke', provider: { job: { spec: { template: { spec: { ...restrictedPod(), restartPolicy: 'Never' } } } } } });
      insecure(d.spec.metrics[1].provider.job.spec.template.spec);
    })).toEqual([violation('pss', 'AnalysisTemplate/error-rate', 'spec.metrics[1].provider.job.spec.template.spec.containers[0].securityContext.runAsNonRoot')]);
  });

  test('a Rollout with a workloadRef has no pod template to check', async () => {
    expect(await violationsOf('rollout', d => {
      delete d.spec.template;
      d.spec.workloadRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
    })).toEqual([]);
  });
});

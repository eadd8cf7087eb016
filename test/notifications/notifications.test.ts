import { App, Chart, Testing, YamlOutputType } from 'cdk8s';
import * as YAML from 'yaml';
import { renderGoTemplate } from './go-template';
import catalogs from './upstream-catalogs.json';
import { Llama70bCanaryChart } from '../../examples/llama-70b-canary';
import { llama70bPipeline } from '../../examples/llama-70b-pipeline';
import {
  ArgoCdApplication, BlueGreenRollout, CanaryRollout, CanaryStep, DeliveryAuditTrail, Gate, NotificationSubscription, NotificationTrigger,
  NotifiedObject, Notify,
} from '../../src';
import { expectConformant } from '../conformance';
import { bound } from '../inputs/bind';
import { service } from '../serving/helpers';

const PREFIX = 'notifications.argoproj.io/subscribe.';
const subscriptionsOf = (doc: any) => Object.entries<string>(doc.metadata.annotations ?? {}).filter(([k]) => k.startsWith(PREFIX))
  .map(([k, v]) => { const [trigger, svc] = k.slice(PREFIX.length).split('.'); return { trigger, service: svc, recipients: v }; });

const ANALYSED = [CanaryStep.weight(50), CanaryStep.analysis({ gates: [Gate.errorRate({ maxRatio: 0.01 })] })];

function canary(notifications: NotificationSubscription[], steps = ANALYSED) {
  const { chart, svc } = service({ name: 'llm' });
  new CanaryRollout(chart, 'Canary', { service: svc, steps: [...steps, CanaryStep.weight(100)], notifications });
  return chart;
}

describe('the library\'s catalogs are the upstream ones', () => {
  const statics = Object.values(NotificationTrigger).filter((t): t is NotificationTrigger => t instanceof NotificationTrigger);

  test('every upstream trigger, and only those, is a NotificationTrigger of the right object', () => {
    expect(statics.filter(t => t.object === NotifiedObject.ROLLOUT).map(t => t.name).sort()).toEqual([...catalogs.argoRollouts.triggers].sort());
    expect(statics.filter(t => t.object === NotifiedObject.APPLICATION).map(t => t.name).sort()).toEqual([...catalogs.argoCd.triggers].sort());
    for (const name of catalogs.argoRollouts.triggers) expect(NotificationTrigger.named(name).object).toBe(NotifiedObject.ROLLOUT);
    for (const name of catalogs.argoCd.triggers) expect(NotificationTrigger.named(name).object).toBe(NotifiedObject.APPLICATION);
  });

  test('each recipient factory names a service of the engine, with the recipient as the annotation value', () => {
    const made = [Notify.slack('#ml'), Notify.teams('ml'), Notify.teamsWorkflows('ml'), Notify.pagerDuty('llm'), Notify.opsgenie('ml'), Notify.email('ml@example.com')];
    expect(made.map(n => [n.service, n.recipient])).toEqual([
      ['slack', '#ml'], ['teams', 'ml'], ['teams-workflows', 'ml'], ['pagerdutyv2', 'llm'], ['opsgenie', 'ml'], ['email', 'ml@example.com'],
    ]);
    for (const n of made) expect(catalogs.notificationsEngine.services).toContain(n.service);
    expect([Notify.webhook('mlops-audit').service, Notify.webhook('mlops-audit').recipient]).toEqual(['mlops-audit', '']);
  });

  test('every service of the engine but webhook (named by the user) is accepted by Notify.to', () => {
    for (const name of catalogs.notificationsEngine.services.filter(s => s !== 'webhook')) {
      expect(Notify.to({ service: name, recipient: 'x' }).service).toBe(name);
    }
  });
});

describe('subscriptions', () => {
  test('a rollout: one annotation per trigger and service, recipients joined with ;', async () => {
    const chart = canary([
      { on: [NotificationTrigger.ROLLOUT_ABORTED, NotificationTrigger.ANALYSIS_RUN_FAILED], notify: [Notify.slack('#ml-oncall'), Notify.slack('#ml'), Notify.pagerDuty('llm')] },
      { on: [NotificationTrigger.ROLLOUT_ABORTED], notify: [Notify.slack('#ml-oncall'), Notify.webhook('audit')] },
    ]);
    const rollout = (await expectConformant(chart)).find((d: any) => d.kind === 'Rollout') as any;
    expect(Object.fromEntries(Object.entries(rollout.metadata.annotations).filter(([k]) => k.startsWith(PREFIX)))).toEqual({
      [`${PREFIX}on-rollout-aborted.slack`]: '#ml-oncall;#ml',
      [`${PREFIX}on-rollout-aborted.pagerdutyv2`]: 'llm',
      [`${PREFIX}on-rollout-aborted.audit`]: '',
      [`${PREFIX}on-analysis-run-failed.slack`]: '#ml-oncall;#ml',
      [`${PREFIX}on-analysis-run-failed.pagerdutyv2`]: 'llm',
    });
  });

  test('a pipeline: Rollout triggers on both Rollouts, Argo CD triggers on both Applications, an environment\'s own added', async () => {
    const app = new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/notify-pipeline' });
    const pipeline = llama70bPipeline(app);
    const docs = await expectConformant(app);
    const namespaceOf = (d: any) => d.spec?.destination?.namespace ?? d.metadata.namespace;
    const of = (kind: string, ns: string) => subscriptionsOf(docs.find((d: any) => d.kind === kind && namespaceOf(d) === ns));
    for (const ns of ['llm-staging', 'llm']) {
      const rollout = of('Rollout', ns);
      const application = of('Application', ns);
      expect(rollout.every(s => catalogs.argoRollouts.triggers.includes(s.trigger))).toBe(true);
      expect(application.every(s => catalogs.argoCd.triggers.includes(s.trigger))).toBe(true);
      // Failures and completion reach people, on both objects.
      expect(rollout).toEqual(expect.arrayContaining([
        { trigger: 'on-rollout-aborted', service: 'slack', recipients: '#ml-oncall' }, { trigger: 'on-analysis-run-failed', service: 'pagerdutyv2', recipients: 'llm-serving' },
        { trigger: 'on-rollout-completed', service: 'slack', recipients: '#ml-releases' }, { trigger: 'on-rollout-aborted', service: 'mlops-audit', recipients: '' },
      ]));
      expect(application).toEqual(expect.arrayContaining([
        { trigger: 'on-sync-failed', service: 'slack', recipients: '#ml-oncall' }, { trigger: 'on-health-degraded', service: 'pagerdutyv2', recipients: 'llm-serving' },
        { trigger: 'on-deployed', service: 'slack', recipients: '#ml-releases' }, { trigger: 'on-sync-failed', service: 'mlops-audit', recipients: '' },
      ]));
    }
    expect(pipeline.productionApplication.name).toBe('llama-70b-production');
  });

  test('every subscription of the examples names an upstream trigger of its object and a service the engine has or a configured webhook', async () => {
    // Two apps: both examples deploy llama-70b into namespace llm, which one app refuses as duplicate objects.
    const app = new App({ yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, outdir: '.tmp/notify-examples' });
    llama70bPipeline(app);
    const canaryApp = new App();
    new Llama70bCanaryChart(canaryApp, 'llama-70b-canary');
    const docs = [...app.charts, ...canaryApp.charts].flatMap(c => Testing.synth(c));
    const webhooks = new Set(docs.filter(d => d.kind === 'ConfigMap' && d.metadata.name === 'argo-rollouts-notification-configmap')
      .flatMap(d => Object.keys(d.data).filter(k => k.startsWith('service.webhook.')).map(k => k.slice('service.webhook.'.length))));
    const subscribed = docs.filter(d => d.kind === 'Rollout' || d.kind === 'Application').flatMap(d => subscriptionsOf(d).map(s => ({ ...s, kind: d.kind })));
    expect(subscribed.length).toBeGreaterThan(20);
    for (const s of subscribed) {
      expect((s.kind === 'Rollout' ? catalogs.argoRollouts : catalogs.argoCd).triggers).toContain(s.trigger);
      expect(catalogs.notificationsEngine.services.includes(s.service) || webhooks.has(s.service)).toBe(true);
    }
  });

  test.each<[string, () => unknown, RegExp]>([
    ['a trigger that does not exist upstream', () => bound(NotificationTrigger.named('on-rollout-failed')), /NotificationTrigger\.named: is not a trigger of the Argo Rollouts or Argo CD notification catalogs, so no controller would ever fire it \(got "on-rollout-failed"\)/],
    ['a service that does not exist upstream', () => bound(Notify.to({ service: 'slak', recipient: '#x' })), /Notify\.to\.service: is not a notification service/],
    ['a webhook named like a service', () => bound(Notify.webhook('slack')), /Notify\.webhook: must be a lowercase name .* other than a built-in service name/],
    ['an e-mail recipient that is no address', () => bound(Notify.email('ml-oncall')), /Notify\.email: is not an e-mail address \(got "ml-oncall"\)/],
    ['two recipients in one', () => bound(Notify.slack('#a;#b')), /Notify\.slack: must be one non-empty recipient/],
    ['an Argo CD trigger on a Rollout', () => canary([{ on: [NotificationTrigger.SYNC_FAILED], notify: [Notify.slack('#x')] }]),
      /\[test\/Canary\] notifications: is an event of an Application, and this Rollout has no such events \(got "on-sync-failed"\)/],
    ['a Rollout trigger on an Application', () => new ArgoCdApplication(new Chart(Testing.app(), 'a'), 'App', {
      name: 'x', project: 'ml', repoUrl: 'https://github.com/a/b.git', path: 'p', destinationNamespace: 'x', notifications: [{ on: [NotificationTrigger.ROLLOUT_ABORTED], notify: [Notify.slack('#x')] }],
    }), /notifications: is an event of a Rollout, and this Application has no such events/],
    ['analysis events on a rollout without analysis', () => canary([{ on: [NotificationTrigger.ANALYSIS_RUN_FAILED], notify: [Notify.slack('#x')] }], [CanaryStep.weight(50)]),
      /notifications: can never fire on this Rollout: it runs no analysis .*\(got "on-analysis-run-failed"\)/],
    ['step events on a blue-green rollout', () => {
      const { chart, svc } = service({ name: 'llm' });
      return new BlueGreenRollout(chart, 'BG', { service: svc, notifications: [{ on: [NotificationTrigger.ROLLOUT_STEP_COMPLETED], notify: [Notify.slack('#x')] }] });
    }, /notifications: can never fire on this Rollout: it has no canary steps/],
    ['a subscription without recipients', () => canary([{ on: [NotificationTrigger.ROLLOUT_ABORTED], notify: [] }]), /notifications: a subscription needs at least one trigger and one recipient/],
    ['two audit trails in one namespace', () => {
      const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
      new DeliveryAuditTrail(chart, 'Audit', { urlSecretKey: 'url' });
      new DeliveryAuditTrail(chart, 'Audit2', { urlSecretKey: 'url' });
      return Testing.synth(chart);
    }, /\[c\/Audit2\] namespace: another DeliveryAuditTrail of this chart \(c\/Audit\) already renders argo-rollouts-notification-configmap in its namespace \(got "llm"\)/],
    ['an audit URL instead of its Secret key', () => new DeliveryAuditTrail(Testing.chart(), 'Audit', { urlSecretKey: 'https://audit.example.com/hook' }),
      /urlSecretKey: must be a Secret data key/],
  ])('refuses %s', (_, run, message) => {
    expect(run).toThrow(message);
  });
});

describe('DeliveryAuditTrail', () => {
  test('the namespace\'s notification ConfigMap: the webhook from the Secret, one upstream-named trigger and one JSON template per event', async () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    const trail = new DeliveryAuditTrail(chart, 'Audit', { urlSecretKey: 'audit-url' });
    const [cm] = await expectConformant(chart) as any[];
    expect(cm.metadata).toEqual({ name: 'argo-rollouts-notification-configmap', namespace: 'llm' });
    expect(YAML.parse(cm.data['service.webhook.mlops-audit'])).toEqual({ url: '$audit-url', headers: [{ name: 'Content-Type', value: 'application/json' }] });
    const events = {
      'on-rollout-updated': 'update-started',
      'on-rollout-step-completed': 'step-passed',
      'on-analysis-run-failed': 'analysis-failed',
      'on-rollout-aborted': 'aborted-rolled-back',
      'on-rollout-completed': 'promoted',
    };
    for (const [trigger, event] of Object.entries(events)) {
      expect(catalogs.argoRollouts.triggers).toContain(trigger);
      expect(YAML.parse(cm.data[`trigger.${trigger}`])).toEqual([{ send: [`mlops-audit-${event}`] }]);
      const body: string = YAML.parse(cm.data[`template.mlops-audit-${event}`]).webhook['mlops-audit'].body;
      expect(body).toContain(`"event" "${event}"`);
      for (const key of ['mlops.cdk8s.io/model-name', 'mlops.cdk8s.io/model-version', 'mlops.cdk8s.io/training-run-id', 'mlops.cdk8s.io/training-data-hash']) {
        expect(body).toContain(`(dig "metadata" "annotations" "${key}" "" .rollout)`);
      }
      // The failing gate and its last value come from the current revision's analysis runs.
      expect(body).toContain('"gate" .name "phase" .phase "value" $value');
    }
    expect(Object.keys(cm.data)).toHaveLength(11);
    expect(trail.subscription.on.map(t => t.name)).toEqual([...Object.keys(events), 'on-sync-failed']);
    const cd = trail.argoCdEntries;
    expect(YAML.parse(cd['trigger.on-sync-failed'])).toEqual([{
      when: "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']",
      send: ['app-sync-failed', 'mlops-audit-sync-failed'],
      oncePer: 'app.status.operationState?.syncResult?.revision',
    }]);
    expect(YAML.parse(cd['template.mlops-audit-sync-failed']).webhook['mlops-audit'].body).toContain('(dig "metadata" "annotations" "mlops.cdk8s.io/model-name" "" .app)');
  });

  test('the payloads, rendered as notifications-engine renders them (Go text/template + sprig): JSON with the failing gates and the lineage', async () => {
    const docs = await expectConformant(new Llama70bCanaryChart(Testing.app(), 'llama-70b-canary'));
    const cm = docs.find((d: any) => d.metadata.name === 'argo-rollouts-notification-configmap') as any;
    const rollout = docs.find((d: any) => d.kind === 'Rollout') as any;
    const body = (event: string) => YAML.parse(cm.data[`template.mlops-audit-${event}`]).webhook['mlops-audit'].body;
    const aborted = {
      ...rollout,
      metadata: { ...rollout.metadata, annotations: { ...rollout.metadata.annotations, 'rollout.argoproj.io/revision': '7' } },
      status: { phase: 'Degraded', message: 'RolloutAborted: Rollout aborted update to revision 7', currentStepIndex: 3 },
    };
    // What Argo Rollouts passes as .analysisRuns: the current revision's runs (record.go getAnalysisRunsFilterWithLabels).
    const analysisRuns = [{
      metadata: { name: 'llama-70b-6d9f-7-3' },
      status: {
        phase: 'Failed',
        metricResults: [
          { name: 'error-rate', phase: 'Failed', measurements: [{ phase: 'Successful', value: '[0.004]' }, { phase: 'Failed', value: '[0.034]' }] },
          { name: 'latency-p95', phase: 'Successful', measurements: [{ phase: 'Successful', value: '[3.1]' }] },
          { name: 'ttft', phase: 'Error', message: 'dial tcp: i/o timeout' },
        ],
      },
    }];
    const payload = JSON.parse(renderGoTemplate(body('aborted-rolled-back'), { rollout: aborted, analysisRuns }));
    expect(payload).toEqual({
      event: 'aborted-rolled-back',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      kind: 'Rollout',
      namespace: 'llm',
      name: 'llama-70b',
      revision: '7',
      phase: 'Degraded',
      message: 'RolloutAborted: Rollout aborted update to revision 7',
      step: 3,
      failedGates: [
        { analysisRun: 'llama-70b-6d9f-7-3', gate: 'error-rate', phase: 'Failed', value: '[0.034]', message: '' },
        { analysisRun: 'llama-70b-6d9f-7-3', gate: 'ttft', phase: 'Error', value: '', message: 'dial tcp: i/o timeout' },
      ],
      lineage: {
        modelName: 'meta-llama/Llama-3.1-70B-Instruct',
        modelVersion: '1605565b47bb9346c5515c34102e054115b4f98b',
        modelUri: 'https://huggingface.co/meta-llama/Llama-3.1-70B-Instruct/tree/1605565b47bb9346c5515c34102e054115b4f98b',
        trainingRunId: 'mlflow-run-7f3c2a91d4e84b1f',
        trainingDataHash: expect.stringMatching(/^sha256:/),
        gitRevision: '',
      },
    });
    // A new rollout: no status, no analysis runs yet (nil): still valid JSON.
    for (const event of ['update-started', 'step-passed', 'analysis-failed', 'promoted']) {
      const started = JSON.parse(renderGoTemplate(body(event), { rollout: { metadata: rollout.metadata }, analysisRuns: null }));
      expect(started).toMatchObject({ event, phase: '', failedGates: [], lineage: { modelName: 'meta-llama/Llama-3.1-70B-Instruct' } });
    }
    const trail = new DeliveryAuditTrail(Testing.chart(), 'Audit', { urlSecretKey: 'audit-url' });
    const syncFailed = YAML.parse(trail.argoCdEntries['template.mlops-audit-sync-failed']).webhook['mlops-audit'].body;
    const app = {
      metadata: { name: 'llama-70b-production', namespace: 'argocd', annotations: rollout.metadata.annotations },
      status: { operationState: { phase: 'Failed', message: 'one or more synchronization tasks completed unsuccessfully', syncResult: { revision: 'abc123' } } },
    };
    expect(JSON.parse(renderGoTemplate(syncFailed, { app }))).toMatchObject({
      event: 'sync-failed',
      kind: 'Application',
      name: 'llama-70b-production',
      revision: 'abc123',
      phase: 'Failed',
      lineage: { modelVersion: '1605565b47bb9346c5515c34102e054115b4f98b' },
    });
    expect(JSON.parse(renderGoTemplate(syncFailed, { app: { metadata: { name: 'a', namespace: 'argocd' }, status: {} } }))).toMatchObject({ revision: '', phase: '' });
  });
});


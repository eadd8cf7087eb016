import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Chart, ChartProps, Duration, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { alertmanagerYaml, freePort, listen, routesTest, startDaemon, stopDaemon } from './alertmanager';
import { Llama70bCanaryChart } from '../../examples/llama-70b-canary';
import { llama70b } from '../../examples/llama-70b-vllm';
import { AlertPreset, AlertReceiver, AlertRoute, AlertRouting, AlertRoutingOptions, AlertSeverity, ModelAlerts } from '../../src';
import { expectConformant } from '../conformance';
import { bound } from '../inputs/bind';

const RETRAIN = AlertReceiver.webhook({ name: 'retraining', url: { secretName: 'alerting', key: 'retrain-url' }, sendResolved: false });
const TEAM = AlertReceiver.webhook({ name: 'team', url: { secretName: 'alerting', key: 'team-url' } });
const PAGER = AlertReceiver.pagerDuty({ routingKey: { secretName: 'alerting', key: 'pd' } });
const SLACK = AlertReceiver.slack({ apiUrl: { secretName: 'alerting', key: 'slack' }, channel: '#ml-alerts' });
const DRIFT = AlertPreset.dataDrift({ metric: 'prompt_embedding_drift_score', threshold: 0.3, selector: 'job="drift-exporter"', for: Duration.seconds(1) });

function build(routing: AlertRoutingOptions | undefined, alerts = [DRIFT], chartProps: ChartProps = { namespace: 'llm' }) {
  const chart = new Chart(Testing.app(), 'c', chartProps);
  const service = llama70b(chart, { replicas: 1 });
  const modelAlerts = new ModelAlerts(chart, 'Alerts', { service, alerts, routing, evaluationInterval: Duration.seconds(1) });
  return { chart, modelAlerts };
}

const docOf = (docs: any[], kind: string) => docs.find(d => d.kind === kind);

describe('AlertRouting: the AlertmanagerConfig of a model', () => {
  const routing: AlertRoutingOptions = {
    routes: [
      AlertRoute.severity({ severity: AlertSeverity.CRITICAL, receiver: PAGER }),
      AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: SLACK }),
      AlertRoute.retraining({ receiver: RETRAIN }),
    ],
    groupWait: Duration.seconds(10),
  };

  test('receivers by Secret reference, routes by severity grouped by model and version, retraining first, warnings inhibited', async () => {
    const { chart } = build(routing, [DRIFT, AlertPreset.errorRate({ maxRatio: 0.02 })]);
    const docs = await expectConformant(chart);
    const amc = docOf(docs, 'AlertmanagerConfig');
    expect(amc.metadata).toMatchObject({ name: 'llama-70b-alerts', namespace: 'llm' });
    expect(amc.spec.route).toEqual({
      receiver: 'pagerduty',
      groupBy: ['service', 'lineage_model', 'lineage_version'],
      groupWait: '10s',
      matchers: [{ name: 'service', value: 'llama-70b', matchType: '=' }],
      routes: [
        { receiver: 'retraining', matchers: [{ name: 'alertname', value: 'ModelDataDrift', matchType: '=' }], continue: true },
        { receiver: 'pagerduty', matchers: [{ name: 'severity', value: 'critical', matchType: '=' }] },
        { receiver: 'slack', matchers: [{ name: 'severity', value: 'warning', matchType: '=' }] },
      ],
    });
    expect(amc.spec.receivers).toEqual([
      { name: 'retraining', webhookConfigs: [{ urlSecret: { name: 'alerting', key: 'retrain-url' }, sendResolved: false }] },
      { name: 'pagerduty', pagerdutyConfigs: [{ routingKey: { name: 'alerting', key: 'pd' }, sendResolved: true }] },
      { name: 'slack', slackConfigs: [{ apiURL: { name: 'alerting', key: 'slack' }, channel: '#ml-alerts', sendResolved: true }] },
    ]);
    expect(amc.spec.inhibitRules).toEqual([{
      sourceMatch: [{ name: 'severity', value: 'critical', matchType: '=' }, { name: 'service', value: 'llama-70b', matchType: '=' }],
      targetMatch: [{ name: 'severity', value: 'warning', matchType: '=' }, { name: 'service', value: 'llama-70b', matchType: '=' }],
      equal: ['lineage_model'],
    }]);
    // prometheus-operator's route matcher needs namespace="llm" on every alert, even one on an exporter's series.
    for (const rule of docOf(docs, 'PrometheusRule').spec.groups[0].rules.filter((r: any) => r.alert)) {
      expect(rule.labels).toMatchObject({
        namespace: 'llm',
        service: 'llama-70b',
        lineage_model: 'meta-llama/Llama-3.1-70B-Instruct',
        lineage_version: '1605565b47bb9346c5515c34102e054115b4f98b',
        lineage_training_run: 'mlflow-run-7f3c2a91d4e84b1f',
        lineage_dataset_hash: expect.stringMatching(/^sha256:/),
      });
    }
  });

  test.each<[string, () => unknown, RegExp]>([
    ['a credential given as a literal', () => bound(AlertReceiver.slack({ apiUrl: 'https://hooks.slack.com/services/T0/B0/XXXX' as any })),
      /AlertReceiver\.slack\.apiUrl: must be a Secret reference.*got "<literal string, not shown>"/],
    ['a URL where the Secret name belongs', () => bound(AlertReceiver.webhook({ url: { secretName: 'https://hook.example.com/x', key: 'url' } })),
      /AlertReceiver\.webhook\.url\.secretName: must be the name of a Secret/],
    ['a route matching no alert of the model (no critical alert)', () => Testing.synth(build({
      routes: [
        AlertRoute.severity({ severity: AlertSeverity.CRITICAL, receiver: PAGER }),
        AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: SLACK }),
      ],
    }).chart), /routes: the route \(severity critical\) to pagerduty matches no alert of the model/],
    ['a retraining route without drift or quality alerts', () => Testing.synth(build({
      routes: [
        AlertRoute.retraining({ receiver: RETRAIN }), AlertRoute.severity({ severity: AlertSeverity.CRITICAL, receiver: PAGER }),
      ],
    }, [AlertPreset.errorRate({ maxRatio: 0.02 })]).chart), /the route \(retraining\) to retraining matches no alert of the model/],
    ['an alert name the model does not have', () => Testing.synth(build({
      routes: [
        AlertRoute.alerts({ alertNames: ['ModelDataDrift', 'ModelDrift'], receiver: RETRAIN }), AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: SLACK }),
      ],
    }).chart), /matches no alert of the model \(got \["ModelDrift"\]/],
    ['alerts that reach no receiver', () => Testing.synth(build({ routes: [AlertRoute.retraining({ receiver: RETRAIN })] }).chart),
      /routes: alerts reach no receiver \(got ModelDataDrift \(warning\), ModelDataDriftMissing \(warning\)\)/],
    ['no namespace', () => build({ routes: [AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: SLACK })] }, [DRIFT], {}),
      /Routing\] alerts: are not labelled with a namespace/],
    ['two receivers of one name', () => build({
      routes: [AlertRoute.retraining({ receiver: TEAM }),
        AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: AlertReceiver.webhook({ name: 'team', url: { secretName: 'other', key: 'u' } }) })],
    }),
    /routes: two different receivers have the same name \(got "team"\)/],
    ['a routing of alerts that ModelAlerts did not label with the namespace', () => {
      const { chart, modelAlerts } = build(undefined as any);
      return new AlertRouting(chart, 'Standalone', { alerts: modelAlerts, routes: [AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: SLACK })] });
    }, /\[c\/Standalone\] alerts: are not labelled with a namespace.*Fix: .*route through ModelAlerts' routing prop/],
  ])('refuses %s', (_, run, message) => {
    expect(run).toThrow(message);
  });
});

test('the 70B canary example: amtool routes drift to retraining and Slack, critical alerts to PagerDuty, nothing of other namespaces', async () => {
  const docs = await expectConformant(new Llama70bCanaryChart(Testing.app(), 'llama-70b-canary'));
  const amc = docOf(docs, 'AlertmanagerConfig');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'am-example-'));
  try {
    const file = path.join(dir, 'alertmanager.yml');
    fs.writeFileSync(file, alertmanagerYaml(amc, {
      'alerting/retraining-webhook-url': 'http://127.0.0.1:9/retrain', 'alerting/pagerduty-routing-key': 'k', 'alerting/slack-webhook-url': 'http://127.0.0.1:9/slack',
    }));
    const alert = (alertname: string, severity: string, namespace = 'llm') => ({ alertname, severity, namespace, service: 'llama-70b' });
    const rule = (name: string) => docOf(docs, 'PrometheusRule').spec.groups[0].rules.find((r: any) => r.alert === name);
    expect(routesTest(file, alert('ModelDataDrift', rule('ModelDataDrift').labels.severity))).toEqual(['llm/llama-70b-alerts/retraining', 'llm/llama-70b-alerts/slack']);
    expect(routesTest(file, alert('ModelQualityBelowBaseline', rule('ModelQualityBelowBaseline').labels.severity))).toEqual(['llm/llama-70b-alerts/retraining', 'llm/llama-70b-alerts/pagerduty']);
    expect(routesTest(file, alert('ModelHighErrorRate', 'critical'))).toEqual(['llm/llama-70b-alerts/pagerduty']);
    expect(routesTest(file, alert('ModelDataDriftMissing', 'warning'))).toEqual(['llm/llama-70b-alerts/slack']);
    expect(routesTest(file, alert('ModelDataDrift', 'warning', 'llm-staging'))).toEqual(['null']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The proof with real components: Prometheus evaluates the synthesized rules on a drift score it scrapes from an
 * exporter on loopback (in another namespace), sends the alert to Alertmanager running the translated routing,
 * which delivers it to the retraining webhook and the team's with the model's lineage.
 */
describe('drift alert: Prometheus -> Alertmanager -> retraining webhook (Debian binaries, loopback)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'am-routing-'));
  const received: Array<{ path: string; body: any }> = [];
  let exporter: Awaited<ReturnType<typeof listen>> | undefined;
  let hooks: Awaited<ReturnType<typeof listen>> | undefined;
  let prometheus: ChildProcess | undefined;
  let alertmanager: ChildProcess | undefined;
  let amConfigFile = '';
  let amUrl = '';
  let amc: any;

  beforeAll(async () => {
    const { chart } = build({
      routes: [AlertRoute.retraining({ receiver: RETRAIN }), AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: TEAM })],
      groupWait: Duration.seconds(1),
    });
    const docs = await expectConformant(chart);
    amc = docOf(docs, 'AlertmanagerConfig');
    const rule = docOf(docs, 'PrometheusRule');

    exporter = await listen((_, res) => res.end('# TYPE prompt_embedding_drift_score gauge\nprompt_embedding_drift_score 0.9\n'));
    hooks = await listen((req, res) => {
      let body = '';
      req.on('data', c => body += c).on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.end();
      });
    });
    const amPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    amConfigFile = path.join(dir, 'alertmanager.yml');
    fs.writeFileSync(amConfigFile, alertmanagerYaml(amc, {
      'alerting/retrain-url': `http://127.0.0.1:${hooks.port}/retrain`,
      'alerting/team-url': `http://127.0.0.1:${hooks.port}/team`,
    }));
    alertmanager = await startDaemon(process.env.ALERTMANAGER ?? 'prometheus-alertmanager', [
      `--config.file=${amConfigFile}`, `--storage.path=${path.join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ], `http://127.0.0.1:${amPort}`, path.join(dir, 'alertmanager.log'));

    fs.writeFileSync(path.join(dir, 'rules.yml'), YAML.stringify({ groups: rule.spec.groups }));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), YAML.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [path.join(dir, 'rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      // The exporter runs in another namespace than the model.
      scrape_configs: [{ job_name: 'drift-exporter', static_configs: [{ targets: [`127.0.0.1:${exporter.port}`], labels: { namespace: 'monitoring' } }] }],
    }));
    const promPort = await freePort();
    prometheus = await startDaemon(process.env.PROMETHEUS ?? 'prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'prom')}`, `--web.listen-address=127.0.0.1:${promPort}`,
    ], `http://127.0.0.1:${promPort}`, path.join(dir, 'prometheus.log'));
  });

  afterAll(async () => {
    await stopDaemon(prometheus);
    await stopDaemon(alertmanager);
    await exporter?.close();
    await hooks?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('amtool: drift reaches retraining and the team, the same alert from another namespace or model reaches neither', () => {
    const prefix = `${amc.metadata.namespace}/${amc.metadata.name}`;
    const drift = { alertname: 'ModelDataDrift', severity: 'warning', service: 'llama-70b', namespace: 'llm' };
    expect(routesTest(amConfigFile, drift)).toEqual([`${prefix}/retraining`, `${prefix}/team`]);
    expect(routesTest(amConfigFile, { ...drift, alertname: 'ModelDataDriftMissing' })).toEqual([`${prefix}/team`]);
    // prometheus-operator's namespace matcher: the same alert labelled with the exporter's namespace is not routed.
    expect(routesTest(amConfigFile, { ...drift, namespace: 'monitoring' })).toEqual(['null']);
    expect(routesTest(amConfigFile, { ...drift, service: 'other-model' })).toEqual(['null']);
  });

  test('the drift alert arrives on the retraining webhook with the lineage labels', async () => {
    const deadline = Date.now() + 45_000;
    const retrain = () => received.find(r => r.path === '/retrain' && r.body.alerts.some((a: any) => a.labels.alertname === 'ModelDataDrift'));
    while (!retrain() && Date.now() < deadline) await new Promise(r => setTimeout(r, 250));
    const hit = retrain();
    expect(hit).toBeDefined();
    const alert = hit!.body.alerts.find((a: any) => a.labels.alertname === 'ModelDataDrift');
    expect(alert.status).toBe('firing');
    expect(alert.labels).toMatchObject({
      namespace: 'llm',
      service: 'llama-70b',
      severity: 'warning',
      lineage_model: 'meta-llama/Llama-3.1-70B-Instruct',
      lineage_version: '1605565b47bb9346c5515c34102e054115b4f98b',
      lineage_training_run: 'mlflow-run-7f3c2a91d4e84b1f',
      lineage_dataset_hash: expect.stringMatching(/^sha256:/),
    });
    expect(hit!.body.receiver).toBe(`${amc.metadata.namespace}/${amc.metadata.name}/retraining`);
    expect(hit!.body.groupLabels).toEqual({ service: 'llama-70b', lineage_model: 'meta-llama/Llama-3.1-70B-Instruct', lineage_version: '1605565b47bb9346c5515c34102e054115b4f98b' });
    // The retraining route continues: the team sees what started the retraining.
    const teamDeadline = Date.now() + 15_000;
    while (!received.some(r => r.path === '/team') && Date.now() < teamDeadline) await new Promise(r => setTimeout(r, 250));
    expect(received.some(r => r.path === '/team' && r.body.alerts.some((a: any) => a.labels.alertname === 'ModelDataDrift'))).toBe(true);
  });

  test('a critical alert of the model inhibits its warnings; the same critical from another namespace does not (the operator\'s namespace matchers)', async () => {
    const lineage = { service: 'llama-70b', lineage_model: 'meta-llama/Llama-3.1-70B-Instruct', lineage_version: '1605565b47bb9346c5515c34102e054115b4f98b' };
    const post = (alerts: Array<Record<string, string>>) => fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(alerts.map(labels => ({ labels }))),
    }).then(r => expect(r.ok).toBe(true));
    const warning = async () => {
      const alerts = await (await fetch(`${amUrl}/api/v2/alerts?filter=alertname%3D%22ModelQueueDepthHigh%22`)).json() as any[];
      return alerts[0]?.status;
    };
    await post([
      { alertname: 'ModelQueueDepthHigh', severity: 'warning', namespace: 'llm', ...lineage },
      { alertname: 'ModelHighErrorRate', severity: 'critical', namespace: 'llm-staging', ...lineage },
    ]);
    expect(await warning()).toMatchObject({ state: 'active', inhibitedBy: [] });
    await post([{ alertname: 'ModelHighErrorRate', severity: 'critical', namespace: 'llm', ...lineage }]);
    expect(await warning()).toMatchObject({ state: 'suppressed', inhibitedBy: [expect.any(String)] });
  });
});

import { Duration, Testing } from 'cdk8s';
import { census, x } from './census';
import {
  AlertPreset, AlertReceiver, AlertRoute, AlertRoutingOptions, AlertSeverity, CanaryRollout, CanaryStep, DeliveryAuditTrail, ModelAlerts,
  NotificationTrigger, Notify,
} from '../../src';
import { service } from '../serving/helpers';

const P = 'test/Canary';
const notify = (...to: Notify[]) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Canary', { service: svc, steps: [CanaryStep.weight(100)], notifications: [{ on: [NotificationTrigger.ROLLOUT_ABORTED], notify: to }] });
};
const on = (trigger: NotificationTrigger) => {
  const { chart, svc } = service({ name: 'llm' });
  return new CanaryRollout(chart, 'Canary', { service: svc, steps: [CanaryStep.weight(100)], notifications: [{ on: [trigger], notify: [Notify.slack('#ml')] }] });
};

describe('notification recipients and triggers', () => census([
  ['email without @', () => notify(Notify.email('ml-oncall')), x(P, 'Notify.email', '"ml-oncall"', "Notify.email('ml-oncall@example.com')")],
  ['email empty', () => notify(Notify.email('')), x(P, 'Notify.email', '""', "Notify.email('ml-oncall@example.com')")],
  ['email two addresses', () => notify(Notify.email('a@example.com;b@example.com')), x(P, 'Notify.email', '"a@example.com;b@example.com"', 'ml-oncall@example.com')],
  ['email with a space', () => notify(Notify.email('ml oncall@example.com')), x(P, 'Notify.email', '"ml oncall@example.com"', 'ml-oncall@example.com')],
  ['webhook named like a service', () => notify(Notify.webhook('slack')), x(P, 'Notify.webhook', '"slack"', "Notify.webhook('mlops-audit')")],
  ['webhook uppercase', () => notify(Notify.webhook('Audit')), x(P, 'Notify.webhook', '"Audit"', "Notify.webhook('mlops-audit')")],
  ['webhook empty', () => notify(Notify.webhook('')), x(P, 'Notify.webhook', '""', "Notify.webhook('mlops-audit')")],
  ['webhook with a dot', () => notify(Notify.webhook('audit.log')), x(P, 'Notify.webhook', '"audit.log"', "Notify.webhook('mlops-audit')")],
  ['unknown service', () => notify(Notify.to({ service: 'slak', recipient: '#x' })), x(P, 'Notify.to.service', '"slak"', 'Notify.webhook(name)')],
  ['service webhook through to()', () => notify(Notify.to({ service: 'webhook', recipient: 'x' })), x(P, 'Notify.to.service', '"webhook"', 'Notify.webhook(name)')],
  ['to() without recipient', () => notify(Notify.to({ service: 'telegram', recipient: '' })), x(P, 'Notify.to.recipient', '""', "Notify.slack('#ml-oncall')")],
  ['slack two channels', () => notify(Notify.slack('#a;#b')), x(P, 'Notify.slack', '"#a;#b"', "Notify.slack('#ml-oncall')")],
  ['slack leading space', () => notify(Notify.slack(' #a')), x(P, 'Notify.slack', '" #a"', "Notify.slack('#ml-oncall')")],
  ['slack empty', () => notify(Notify.slack('')), x(P, 'Notify.slack', '""', "Notify.slack('#ml-oncall')")],
  ['teams empty', () => notify(Notify.teams('')), x(P, 'Notify.teams', '""', "Notify.slack('#ml-oncall')")],
  ['teams workflows two', () => notify(Notify.teamsWorkflows('a;b')), x(P, 'Notify.teamsWorkflows', '"a;b"', "Notify.slack('#ml-oncall')")],
  ['pagerDuty empty', () => notify(Notify.pagerDuty('')), x(P, 'Notify.pagerDuty', '""', "Notify.slack('#ml-oncall')")],
  ['opsgenie trailing space', () => notify(Notify.opsgenie('ml ')), x(P, 'Notify.opsgenie', '"ml "', "Notify.slack('#ml-oncall')")],
  ['second recipient wrong', () => notify(Notify.slack('#ml'), Notify.email('nobody')), x(P, 'Notify.email', '"nobody"', 'ml-oncall@example.com')],
  ['trigger not upstream', () => on(NotificationTrigger.named('on-rollout-failed')), x(P, 'NotificationTrigger.named', '"on-rollout-failed"', 'on-rollout-aborted')],
  ['trigger empty', () => on(NotificationTrigger.named('')), x(P, 'NotificationTrigger.named', '""', 'on-rollout-aborted')],
  ['trigger uppercase', () => on(NotificationTrigger.named('ON-ROLLOUT-ABORTED')), x(P, 'NotificationTrigger.named', '"ON-ROLLOUT-ABORTED"', 'on-rollout-aborted')],
  ['trigger without on-', () => on(NotificationTrigger.named('rollout-aborted')), x(P, 'NotificationTrigger.named', '"rollout-aborted"', 'on-rollout-aborted')],
  ['audit URL instead of its key', () => new DeliveryAuditTrail(Testing.chart(), 'Audit', { urlSecretKey: 'https://audit.example.com/hook' }),
    x('test/Audit', 'urlSecretKey', '"https://audit.example.com/hook"', "urlSecretKey: 'audit-webhook-url'")],
  ['audit key empty', () => new DeliveryAuditTrail(Testing.chart(), 'Audit', { urlSecretKey: '' }), x('test/Audit', 'urlSecretKey', '""', "urlSecretKey: 'audit-webhook-url'")],
  ['audit key with a space', () => new DeliveryAuditTrail(Testing.chart(), 'Audit', { urlSecretKey: 'audit url' }), x('test/Audit', 'urlSecretKey', '"audit url"', "urlSecretKey: 'audit-webhook-url'")],
]));

const A = 'test/Alerts';
const SLACK = AlertReceiver.slack({ apiUrl: { secretName: 'alerting', key: 'slack' } });
const routed = (routing: AlertRoutingOptions) => {
  const { chart, svc } = service({ name: 'llm' });
  return new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.errorRate({ maxRatio: 0.02 })], routing });
};
const to = (receiver: AlertReceiver) => routed({ routes: [AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver })] });
const route = (r: AlertRoute) => routed({ routes: [r, AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: SLACK })] });
const timing = (o: Partial<AlertRoutingOptions>) => {
  const { chart, svc } = service({ name: 'llm', namespace: 'llm' });
  return new ModelAlerts(chart, 'Alerts', { service: svc, alerts: [AlertPreset.errorRate({ maxRatio: 0.02 })], routing: { routes: [AlertRoute.severity({ severity: AlertSeverity.WARNING, receiver: SLACK })], ...o } });
};
const R = 'test/Alerts/Routing';

describe('alert routing: receivers, routes and timing', () => census([
  ['slack URL as a literal', () => to(AlertReceiver.slack({ apiUrl: 'https://hooks.slack.com/services/T0/B0/X' as any })),
    x(A, 'AlertReceiver.slack.apiUrl', '"<literal string, not shown>"', "secretName: 'alerting'")],
  ['pagerduty key as a literal', () => to(AlertReceiver.pagerDuty({ routingKey: 'R0UT1NGK3Y' as any })), x(A, 'AlertReceiver.pagerDuty.routingKey', '"<literal string, not shown>"', "secretName: 'alerting'")],
  ['webhook URL as a literal', () => to(AlertReceiver.webhook({ url: 'https://hook.example.com' as any })), x(A, 'AlertReceiver.webhook.url', '"<literal string, not shown>"', "secretName: 'alerting'")],
  ['URL as the Secret name', () => to(AlertReceiver.webhook({ url: { secretName: 'https://hook.example.com/x', key: 'url' } })),
    x(A, 'AlertReceiver.webhook.url.secretName', '"<not a name, not shown>"', "secretName: 'alerting'")],
  ['Secret name uppercase', () => to(AlertReceiver.slack({ apiUrl: { secretName: 'Alerting', key: 'slack' } })), x(A, 'AlertReceiver.slack.apiUrl.secretName', '"Alerting"', "secretName: 'alerting'")],
  ['Secret name empty', () => to(AlertReceiver.pagerDuty({ routingKey: { secretName: '', key: 'pd' } })), x(A, 'AlertReceiver.pagerDuty.routingKey.secretName', '""', "secretName: 'alerting'")],
  ['Secret key with a space', () => to(AlertReceiver.slack({ apiUrl: { secretName: 'alerting', key: 'slack url' } })), x(A, 'AlertReceiver.slack.apiUrl.key', '"slack url"', "key: 'url'")],
  ['Secret key empty', () => to(AlertReceiver.webhook({ url: { secretName: 'alerting', key: '' } })), x(A, 'AlertReceiver.webhook.url.key', '""', "key: 'url'")],
  ['receiver name uppercase', () => to(AlertReceiver.slack({ name: 'ML', apiUrl: { secretName: 'alerting', key: 'slack' } })), x(A, 'AlertReceiver.name', '"ML"', "name: 'ml-oncall'")],
  ['receiver name with underscore', () => to(AlertReceiver.webhook({ name: 'ml_oncall', url: { secretName: 'alerting', key: 'u' } })), x(A, 'AlertReceiver.name', '"ml_oncall"', "name: 'ml-oncall'")],
  ['webhook maxAlerts 0', () => to(AlertReceiver.webhook({ url: { secretName: 'alerting', key: 'u' }, maxAlerts: 0 })), x(A, 'AlertReceiver.webhook.maxAlerts', '0', 'maxAlerts: 10')],
  ['webhook maxAlerts -1', () => to(AlertReceiver.webhook({ url: { secretName: 'alerting', key: 'u' }, maxAlerts: -1 })), x(A, 'AlertReceiver.webhook.maxAlerts', '-1', 'maxAlerts: 10')],
  ['webhook maxAlerts 1.5', () => to(AlertReceiver.webhook({ url: { secretName: 'alerting', key: 'u' }, maxAlerts: 1.5 })), x(A, 'AlertReceiver.webhook.maxAlerts', '1.5', 'maxAlerts: 10')],
  ['route of no alert names', () => route(AlertRoute.alerts({ alertNames: [], receiver: SLACK })), x(A, 'AlertRoute.alerts.alertNames', '[]', "['ModelDataDrift']")],
  ['route alert name with a dash', () => route(AlertRoute.alerts({ alertNames: ['Model-Drift'], receiver: SLACK })), x(A, 'AlertRoute.alerts.alertNames', '["Model-Drift"]', "['ModelDataDrift']")],
  ['route alert name starting with a digit', () => route(AlertRoute.alerts({ alertNames: ['1Drift'], receiver: SLACK })), x(A, 'AlertRoute.alerts.alertNames', '["1Drift"]', "['ModelDataDrift']")],
  ['retraining alert name with a space', () => route(AlertRoute.retraining({ alertNames: ['Model Drift'], receiver: SLACK })),
    x(A, 'AlertRoute.retraining.alertNames', '["Model Drift"]', "['ModelDataDrift']")],
  ['retraining with no names', () => route(AlertRoute.retraining({ alertNames: [], receiver: SLACK })), x(A, 'AlertRoute.retraining.alertNames', '[]', "['ModelDataDrift']")],
  ['no routes', () => timing({ routes: [] }), x(R, 'routes', '[]', 'AlertRoute.severity')],
  ['groupWait fractional', () => timing({ groupWait: Duration.millis(1500) }), x(R, 'groupWait', '"1.5 seconds"', 'Duration.seconds(n)')],
  ['groupInterval zero', () => timing({ groupInterval: Duration.seconds(0) }), x(R, 'groupInterval', '"0 seconds"', 'Duration.seconds(n)')],
  ['repeatInterval NaN', () => timing({ repeatInterval: Duration.seconds(NaN) }), x(R, 'repeatInterval', 'NaN ms', 'Duration.seconds(n)')],
]));

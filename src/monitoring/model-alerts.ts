import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertPreset } from './alert-preset';
import { RoutedAlert } from './alert-route';
import { ALERT_LINEAGE_LABELS, AlertRouting, AlertRoutingOptions, IModelAlerts } from './alert-routing';
import { AlertingRule, RecordingRule } from './alert-rules';
import { PrometheusRule } from '../imports/prometheusrule-monitoring.coreos.com';
import { shortDuration } from '../internal/duration';
import { bindInputs, check, propError } from '../internal/errors';
import { childName } from '../internal/names';
import { promLabelName } from '../internal/promql';
import { labelMap, url } from '../internal/validate';
import { IModelService } from '../serving/model-service';

/** One rule of the group as written to the PrometheusRule. */
interface RenderedRule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: { [key: string]: string };
  readonly annotations?: { [key: string]: string };
}

/** Properties of ModelAlerts. */
export interface ModelAlertsProps {
  /** The service the alerts watch. */
  readonly service: IModelService;
  /**
   * The alert presets; more can be added with `addAlert()`.
   * @default - none
   */
  readonly alerts?: AlertPreset[];
  /**
   * Base URL of the runbooks: an alert without its own `runbookUrl` links to `<base>/<alert name in lower case>`.
   * @default - no runbook links
   */
  readonly runbookBaseUrl?: string;
  /**
   * Labels added to every alert, e.g. `team`.
   * @default - none
   */
  readonly alertLabels?: { [key: string]: string };
  /**
   * Labels on the PrometheusRule object, for the Prometheus resource's `ruleSelector`
   * (kube-prometheus-stack selects `release: <release name>` by default).
   * @default - none
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec
   */
  readonly ruleLabels?: { [key: string]: string };
  /**
   * How often the rule group is evaluated.
   * @default - the Prometheus global evaluation interval
   */
  readonly evaluationInterval?: Duration;
  /**
   * Route the alerts through a prometheus-operator AlertmanagerConfig in the service's namespace (child `Routing`):
   * receivers, routes by severity, drift to retraining. Every alert is then labelled `namespace: <namespace>`, which
   * prometheus-operator's route matcher requires even for alerts on series from other namespaces (an exporter's).
   * @default - no routing: the cluster's Alertmanager routes the alerts
   * @see https://prometheus-operator.dev/docs/developer/alerting/
   */
  readonly routing?: AlertRoutingOptions;
}

/**
 * The alerts of a model service: a PrometheusRule with one rule group, the presets' recording rules first
 * (Prometheus evaluates a group in order) and then their alerts. Every alert carries the labels `severity`
 * and `service` (the service name) and the annotations `summary`, `description` and, when known,
 * `runbook_url`. Alert names must be unique; two presets that need the same recording rule share it.
 *
 * The queries select the series of the library's scrape (see ModelScrape): `job` is the service name.
 * Every alert also carries the lineage of the version the manifests deploy as labels (`lineage_model`,
 * `lineage_version`, and when known `lineage_training_run`, `lineage_dataset_hash`), so a receiver such as a
 * retraining trigger knows what to retrain. The series' own `model_version` label, where present, stays.
 *
 * Child ids: `Resource` (the PrometheusRule), `Routing` (with `routing`).
 * @see https://prometheus-operator.dev/docs/developer/alerting/
 */
export class ModelAlerts extends Construct implements IModelAlerts {
  /** The PrometheusRule's name. */
  public readonly ruleName: string;
  /** The service the alerts watch. */
  public readonly service: IModelService;
  /** The namespace the alerts are labelled with, when routed. */
  public readonly alertNamespace?: string;
  /** The routing, when asked for. */
  public readonly routing?: AlertRouting;
  private readonly runbookBaseUrl?: string;
  private readonly alertLabels: { [key: string]: string };
  private readonly records = new Map<string, RecordingRule>();
  private readonly alerts = new Map<string, AlertingRule>();
  private readonly presets: AlertPreset[] = [];

  constructor(scope: Construct, id: string, props: ModelAlertsProps) {
    super(scope, id);
    bindInputs(this, props);
    this.service = props.service;
    if (props.runbookBaseUrl !== undefined) url(this, 'runbookBaseUrl', props.runbookBaseUrl, ['http', 'https'], "'https://runbooks.example.com/llm'");
    // Alert labels are Prometheus labels; rule labels are the PrometheusRule object's Kubernetes labels.
    Object.keys(props.alertLabels ?? {}).forEach(k => promLabelName(this, 'alertLabels key', k));
    labelMap(this, 'ruleLabels', props.ruleLabels);
    // Every alert sets severity and service itself, after alertLabels: a value given here would be dropped silently.
    for (const reserved of ['severity', 'service']) {
      check(!(reserved in (props.alertLabels ?? {})), this, 'alertLabels', reserved, `sets ${reserved}, which every alert sets itself, so it would be ignored`,
        reserved === 'severity' ? "use each preset's severity option" : 'use another label name');
    }
    this.runbookBaseUrl = props.runbookBaseUrl?.replace(/\/+$/, '');
    const lineage = props.service.lineage;
    this.alertNamespace = props.routing ? props.service.namespace ?? Chart.of(this).namespace : undefined;
    this.alertLabels = {
      ...props.alertLabels,
      [ALERT_LINEAGE_LABELS.MODEL]: lineage.modelName,
      [ALERT_LINEAGE_LABELS.VERSION]: lineage.modelVersion,
      ...lineage.trainingRunId ? { [ALERT_LINEAGE_LABELS.TRAINING_RUN]: lineage.trainingRunId } : {},
      ...lineage.trainingDataHash ? { [ALERT_LINEAGE_LABELS.DATASET_HASH]: lineage.trainingDataHash } : {},
      ...this.alertNamespace ? { namespace: this.alertNamespace } : {},
    };
    this.ruleName = childName(props.service.name, 'alerts');
    const meta = props.service.metadata(this.ruleName);
    // Plain JSON rather than the typed L1: its union-typed `expr` converts every rule again at synth, a fleet's cost.
    new ApiObject(this, 'Resource', {
      ...PrometheusRule.GVK,
      metadata: { ...meta, labels: { ...meta.labels, ...props.ruleLabels } },
      spec: {
        groups: [{
          name: `${props.service.name}.model`,
          interval: props.evaluationInterval ? shortDuration(this, 'evaluationInterval', props.evaluationInterval, 1) : undefined,
          // Rendered at synth time, so alerts added later are included and the series' labels follow the chart's
          // PrometheusSettings wherever they were created; recording rules go first.
          rules: Lazy.any({ produce: () => this.renderRules() }),
        }],
      },
    });
    for (const preset of props.alerts ?? []) this.addAlert(preset);
    if (props.routing) this.routing = new AlertRouting(this, 'Routing', { ...props.routing, alerts: this });
    this.node.addValidation({ validate: () => this.alerts.size ? [] : ['alerts: none given, so the PrometheusRule would be empty. Fix: pass alerts or call addAlert().'] });
  }

  /** The names of the alerts, in order. */
  public get alertNames(): string[] {
    return [...this.alerts.keys()];
  }

  /** The alerts with their severities, in order. */
  public get routedAlerts(): RoutedAlert[] {
    return [...this.alerts.values()].map(a => ({ name: a.alert, severity: a.severity }));
  }

  /** Adds the rules of an alert preset. */
  public addAlert(preset: AlertPreset): void {
    bindInputs(this, preset);
    // Rendered now for the checks and the names; the rules themselves are rendered again at synth time.
    const rules = preset.bind(this, this.service);
    for (const r of rules.recordingRules) {
      const known = this.records.get(r.record);
      if (known && known.expr !== r.expr) {
        throw propError(this, 'alerts', r.record, 'two presets record the same rule name with different expressions',
          'use each SLO preset once per ModelAlerts, or put the second one in another ModelAlerts');
      }
      this.records.set(r.record, r);
    }
    for (const a of rules.alertingRules) {
      if (this.alerts.has(a.alert)) {
        throw propError(this, 'alerts', a.alert, 'is a duplicate rule name: two presets render an alert of that name',
          "give one of them another alertName (or alertNamePrefix), e.g. alertName: 'ModelHighLatencyP95Strict'");
      }
      this.alerts.set(a.alert, a);
    }
    this.presets.push(preset);
  }

  /** The rule group's rules: each recording rule once, first, then the alerts, in the order the presets were added. */
  private renderRules(): RenderedRule[] {
    const records = new Map<string, RenderedRule>();
    const alerts: RenderedRule[] = [];
    for (const preset of this.presets) {
      const rules = preset.bind(this, this.service);
      for (const r of rules.recordingRules) if (!records.has(r.record)) records.set(r.record, { record: r.record, expr: r.expr });
      for (const a of rules.alertingRules) {
        const runbook = a.runbookUrl ?? (this.runbookBaseUrl ? `${this.runbookBaseUrl}/${a.alert.toLowerCase()}` : undefined);
        alerts.push({
          alert: a.alert,
          expr: a.expr,
          for: a.for,
          labels: { ...this.alertLabels, ...a.labels, severity: a.severity, service: this.service.name },
          annotations: { summary: a.summary, description: a.description, ...(runbook ? { runbook_url: runbook } : {}) },
        });
      }
    }
    return [...records.values(), ...alerts];
  }
}

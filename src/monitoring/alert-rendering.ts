import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { AlertOptions, AlertRules, AlertSeverity } from './alert-rules';
import { shortDuration } from '../internal/duration';
import { check } from '../internal/errors';
import { url as validUrl } from '../internal/validate';
import { ModelSeries, modelSeries } from '../serving/model-series';
import { IModelService } from '../serving/model-service';

/**
 * How alert presets render their rules: the context a preset renders with, one alert with the preset's options
 * applied, alert names and runbook URLs checked, numbers as PromQL and humans read them.
 */

/** What a preset renders with. */
export interface Context {
  readonly scope: IConstruct;
  readonly svc: IModelService;
  readonly series: ModelSeries;
  /** The model name (lineage). */
  readonly model: string;
  /** The model version of the manifest (lineage), for series that carry no version label. */
  readonly version: string;
  /** A Prometheus duration of a preset prop, validated with the construct path. */
  duration(prop: string, d: Duration, min?: number): string;
}

/** Renders a preset's rules. */
export type Render = (ctx: Context) => AlertRules;

/** The version label of the series an alert fires for, as a Go template. */
export const VERSION = '{{ $labels.model_version }}';

/** The context a preset renders with for `service`, in the construct at `scope`. */
export function renderContext(scope: IConstruct, service: IModelService): Context {
  return {
    scope,
    svc: service,
    series: modelSeries(scope, service),
    model: service.lineage.modelName,
    version: service.lineage.modelVersion,
    duration: (prop, d, min = 0) => shortDuration(scope, prop, d, min),
  };
}

/** One alert with the preset's options applied. */
export function single(ctx: Context, o: AlertOptions, alert: string, defaultFor: Duration, defaultSeverity: AlertSeverity,
  expr: string, summary: string, description: string): AlertRules {
  return {
    recordingRules: [],
    alertingRules: [{
      alert,
      expr,
      for: ctx.duration(`${alert}.for`, o.for ?? defaultFor),
      severity: o.severity ?? defaultSeverity,
      summary,
      description,
      runbookUrl: o.runbookUrl,
      labels: o.labels,
    }],
  };
}

export function alertName(props: AlertOptions, defaultName: string): string {
  return props.alertName ?? defaultName;
}

export function checkAlertName(name: string): string {
  check(/^[A-Za-z_][A-Za-z0-9_]*$/.test(name), undefined, 'AlertPreset.alertName', name, 'must be letters, digits and underscores, starting with a letter',
    "e.g. alertName: 'ModelHighLatencyP99Strict'");
  return name;
}

export function checkUrl(prop: string, url: string): void {
  check(/^https?:\/\/\S+$/.test(url), undefined, prop, url, 'must be an http(s) URL', "e.g. 'https://runbooks.example.com/llm/high-latency'");
  validUrl(undefined, prop, url);
}


export function pct(ratio: number): string {
  return `${num(ratio * 100)}%`;
}

/** A number as PromQL and humans read it: no binary floating-point noise (0.014400000000000001 -> 0.0144). */
export function num(value: number): string {
  return String(Number(value.toPrecision(12)));
}

import { IConstruct } from 'constructs';
import { check } from './errors';
import { IModelService } from '../serving/gpu-model-service';
import { RuntimeKind } from '../serving/model-runtime';

/**
 * Renders a series selector `{...}` of the caller's choosing (the gates' `{{args}}` selector, the
 * monitoring job selector) with extra label matchers appended.
 */
export type SeriesSelector = (...extra: string[]) => string;

/** How a runtime's request counters are read: what gates, alerts and dashboards share. */
export interface RequestCounters {
  /** Failed requests; a version without failures may have no such series at all. */
  readonly errors: (sel: SeriesSelector) => string;
  /** All requests. */
  readonly total: (sel: SeriesSelector) => string;
}

/** Request counters given by the user for runtimes without known metrics. */
export interface CustomRequestMetrics {
  readonly requestsMetric?: string;
  readonly errorsMatcher?: string;
}

/**
 * The runtime's request counters, or the user's; `undefined` when neither is known (custom runtimes).
 * `where` names the prop in errors, e.g. `Gate.errorRate`.
 */
export function requestCounters(svc: IModelService, custom: CustomRequestMetrics, scope: IConstruct, where: string): RequestCounters | undefined {
  if (custom.requestsMetric !== undefined || custom.errorsMatcher !== undefined) {
    check(custom.requestsMetric !== undefined && custom.errorsMatcher !== undefined, scope, where, custom.requestsMetric ?? custom.errorsMatcher,
      'requestsMetric and errorsMatcher go together', 'set both, e.g. requestsMetric: \'http_requests_total\', errorsMatcher: \'code=~"5.."\'');
    return { errors: sel => `${custom.requestsMetric}${sel(custom.errorsMatcher!)}`, total: sel => `${custom.requestsMetric}${sel()}` };
  }
  switch (svc.runtimeKind) {
    case RuntimeKind.VLLM:
      // vLLM's HTTP server groups status codes: a version without errors has no status="5xx" series at all.
      return { errors: sel => `http_requests_total${sel('status="5xx"')}`, total: sel => `http_requests_total${sel()}` };
    case RuntimeKind.TGI:
      return { errors: sel => `tgi_request_failure${sel()}`, total: sel => `tgi_request_count${sel()}` };
    case RuntimeKind.TRITON:
      return {
        errors: sel => `nv_inference_request_failure${sel()}`,
        total: sel => `${sel('__name__=~"nv_inference_request_success|nv_inference_request_failure"')}`,
      };
    default:
      return undefined;
  }
}

/** Like requestCounters, but a runtime without known counters is an error naming `where`. */
export function requireRequestCounters(svc: IModelService, custom: CustomRequestMetrics, scope: IConstruct, where: string): RequestCounters {
  const counters = requestCounters(svc, custom, scope, where);
  check(counters !== undefined, scope, `${where}.requestsMetric`, undefined, `the ${svc.runtimeKind} runtime has no known request metrics`,
    'set requestsMetric and errorsMatcher');
  return counters!;
}

/** The runtime's end-to-end request-latency histogram (seconds, without `_bucket`), or `undefined`. */
export function latencyHistogram(svc: IModelService, histogram?: string): string | undefined {
  if (histogram) return histogram;
  const known: Partial<Record<RuntimeKind, string>> = {
    [RuntimeKind.VLLM]: 'vllm:e2e_request_latency_seconds',
    [RuntimeKind.TGI]: 'tgi_request_duration',
  };
  return known[svc.runtimeKind];
}

/** Like latencyHistogram, but a runtime without one is an error naming `where`. */
export function requireLatencyHistogram(svc: IModelService, histogram: string | undefined, scope: IConstruct, where: string): string {
  const name = latencyHistogram(svc, histogram);
  check(name !== undefined, scope, `${where}.histogram`, undefined, `the ${svc.runtimeKind} runtime has no known request-latency histogram`,
    'set histogram to the name of a latency histogram in seconds (without _bucket)');
  return name!;
}

/** A vLLM metric: an error naming `where` when the service runs another server. */
export function requireVllm(svc: IModelService, metric: string, scope: IConstruct, where: string): string {
  check(svc.runtimeKind === RuntimeKind.VLLM, scope, where, svc.runtimeKind, `reads vLLM's ${metric}, but the service runs ${svc.runtimeKind}`,
    'use a latency or custom metric for other runtimes');
  return metric;
}

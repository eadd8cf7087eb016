/**
 * One metric of an AnalysisRun, run over time the way Argo Rollouts v1.9.1 runs it
 * (argoproj/argo-rollouts `analysis/analysis.go`), against the real Prometheus of ./server.ts:
 *
 * - the first measurement is taken `initialDelay` after the run starts (`generateMetricTasks`), every
 *   further one `interval` after the previous one finished; an `Error` measurement is retried after
 *   10 s (`DefaultErrorRetryInterval`) and does not count toward `count`;
 * - after every measurement (`assessMetricFailureInconclusiveOrError`): Failed when failed >
 *   failureLimit, Inconclusive when inconclusive > inconclusiveLimit, Error when consecutive errors >
 *   consecutiveErrorLimit (defaults 0, 0, 4); an Inconclusive run pauses the rollout for a person;
 * - Successful once successful + failed + inconclusive measurements reach `count` within those limits.
 */
import { Outcome } from './expr';
import { measure, PrometheusMetric, PromServer } from './server';

/** The fields of an Argo Rollouts `Metric` that schedule and assess its measurements. */
export interface ScheduledMetric extends PrometheusMetric {
  readonly interval: string;
  readonly count: number;
  readonly initialDelay?: string;
  readonly failureLimit?: number;
  readonly inconclusiveLimit?: number;
  readonly consecutiveErrorLimit?: number;
}

export interface RunResult {
  /** The metric's phase once it completed. */
  readonly phase: Exclude<Outcome, 'Error'> | 'Error';
  /** Each measurement: unix seconds and phase. */
  readonly measurements: ReadonlyArray<{ readonly time: number; readonly phase: Outcome }>;
}

const ERROR_RETRY_SECONDS = 10;

/** Runs `metric` as an AnalysisRun started at `start` (unix seconds) would. */
export async function analysisRun(server: PromServer, metric: ScheduledMetric, args: Record<string, string>, start: number): Promise<RunResult> {
  const counts = { Successful: 0, Failed: 0, Inconclusive: 0, Error: 0 };
  let consecutiveErrors = 0;
  const measurements: Array<{ time: number; phase: Outcome }> = [];
  let time = start + seconds(metric.initialDelay ?? '0s');
  for (;;) {
    const { phase } = await measure(server, metric, args, time);
    measurements.push({ time, phase });
    counts[phase]++;
    consecutiveErrors = phase === 'Error' ? consecutiveErrors + 1 : 0;
    if (counts.Failed > (metric.failureLimit ?? 0)) return { phase: 'Failed', measurements };
    if (counts.Inconclusive > (metric.inconclusiveLimit ?? 0)) return { phase: 'Inconclusive', measurements };
    if (consecutiveErrors > (metric.consecutiveErrorLimit ?? 4)) return { phase: 'Error', measurements };
    if (counts.Successful + counts.Failed + counts.Inconclusive >= metric.count) return { phase: 'Successful', measurements };
    time += phase === 'Error' ? ERROR_RETRY_SECONDS : seconds(metric.interval);
  }
}

/** The seconds of an Argo duration string as the gates write it (`90s`, `1m`, `1m30s`, `2h`). */
export function seconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map(p => p[0]).join('') !== duration) throw new Error(`unsupported duration ${duration}`);
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
}

/** The start of a run whose last scheduled measurement (all passing) falls on `end`. */
export function startEndingAt(metric: ScheduledMetric, end: number): number {
  return end - seconds(metric.initialDelay ?? '0s') - (metric.count - 1) * seconds(metric.interval);
}

import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { propError } from './errors';
import { INT32_MAX } from './validate';

/**
 * Whole seconds of a Duration, as Kubernetes fields such as `periodSeconds` want them.
 * Rejects negative and fractional values instead of rounding them silently.
 */
export function wholeSeconds(scope: IConstruct, prop: string, d: Duration, min = 0): number {
  const s = d.toSeconds({ integral: false });
  if (!Number.isInteger(s) || s < min) {
    throw propError(scope, prop, d, `must be a whole number of seconds >= ${min}`, `use Duration.seconds(n) with an integer n >= ${min}`);
  }
  // Kubernetes and Argo keep these as int32 seconds (about 68 years).
  if (s > INT32_MAX) throw propError(scope, prop, d, `must be at most ${INT32_MAX} seconds, the int32 limit`, 'use a realistic duration, e.g. Duration.minutes(5)');
  return s;
}

/**
 * A duration in the Go/Prometheus short form used by Argo Rollouts (`interval`, `initialDelay`, `pause.duration`)
 * and Prometheus (`for`, range selectors): the largest unit that divides it exactly, e.g. `90s`, `5m`, `2h`.
 */
export function shortDuration(scope: IConstruct, prop: string, d: Duration, min = 0): string {
  const s = wholeSeconds(scope, prop, d, min);
  if (s !== 0 && s % 3600 === 0) return `${s / 3600}h`;
  if (s !== 0 && s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

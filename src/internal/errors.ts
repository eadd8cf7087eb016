import { IConstruct } from 'constructs';

/**
 * Builds the one error shape the library throws for bad input: the construct path (when there is a
 * construct yet: value-class factories have none), the prop, the value received and how to fix it.
 */
export function propError(scope: IConstruct | undefined, prop: string, value: unknown, problem: string, fix: string): Error {
  return new Error(`${scope ? `[${scope.node.path}] ` : ''}${prop}: ${problem} (got ${describe(value)}). Fix: ${fix}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null && 'toString' in value && value.toString !== Object.prototype.toString) {
    return String(value);
  }
  return JSON.stringify(value);
}

/** Throws a propError when `ok` is false. */
export function check(ok: boolean, scope: IConstruct | undefined, prop: string, value: unknown, problem: string, fix: string): void {
  if (!ok) throw propError(scope, prop, value, problem, fix);
}

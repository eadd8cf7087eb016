/**
 * The bad-input census: one wrong value at a time over the public API. Each case builds something with one
 * wrong value and states what the error must say: the construct path, the prop, the value as printed and
 * (part of) the fix. A case file per area keeps the tables short and lets jest run them in parallel; areas
 * rewritten elsewhere (gates, NetworkPolicy options, AppProject) add their own `census-<area>.test.ts`.
 */
import { InputError } from '../../src/internal/errors';

export interface Expected {
  /** The construct path printed in brackets; '' for a value used outside any construct (no brackets). */
  readonly path: string;
  /** The prop as printed before the colon. */
  readonly prop: string;
  /** The value as printed in `(got …)`. */
  readonly got: string;
  /** A part of the fix. */
  readonly fix: string;
}

export type Case = [name: string, build: () => unknown, expected: Expected];

/** Runs a table: every case throws one InputError whose message names the path once, the prop, the value and the fix. */
export function census(cases: Case[]): void {
  test.each(cases)('%s', (_name, build, e) => {
    let error: unknown;
    try {
      build();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    if (e.path === '') {
      // A value used outside any construct: the factory's prop names where the value came from.
      expect(message.startsWith(`${e.prop}: `)).toBe(true);
    } else {
      expect(message.startsWith(`[${e.path}] ${e.prop}: `)).toBe(true);
      expect(message.split(`[${e.path}]`).length).toBe(2);
    }
    expect(message).toContain(`(got ${e.got}). Fix: `);
    expect(message.slice(message.indexOf('Fix: '))).toContain(e.fix);
  });
}

/** Shorthand for an expectation. */
export function x(path: string, prop: string, got: string, fix: string): Expected {
  return { path, prop, got, fix };
}

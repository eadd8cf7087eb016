/** The vector selectors of a PromQL query, enough to re-run them with label matchers dropped. */

export interface Matcher {
  readonly label: string;
  readonly op: string;
  /** The quoted value, as written (escapes kept). */
  readonly quoted: string;
}

export interface Selector {
  /** The metric name before the braces, if any. */
  readonly name?: string;
  readonly matchers: readonly Matcher[];
  /** The range of a range selector (`5m` of `x{…}[5m]`), if any. */
  readonly range?: string;
}

// Braces in PromQL only delimit label matchers; a selector without braces (`up`) is not found.
const SELECTOR = /([a-zA-Z_:][a-zA-Z0-9_:]*)?\{([^{}]*)\}(?:\s*\[([^\]]+)\])?/g;
const MATCHER = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*,?/y;

export function parseSelectors(query: string): Selector[] {
  const found: Selector[] = [];
  for (const m of query.matchAll(SELECTOR)) {
    const matchers: Matcher[] = [];
    MATCHER.lastIndex = 0;
    const body = m[2];
    while (MATCHER.lastIndex < body.length) {
      const at = MATCHER.lastIndex;
      const matcher = MATCHER.exec(body);
      if (!matcher) {
        if (body.slice(at).trim() !== '') throw new Error(`cannot read the label matchers of ${m[0]}`);
        break;
      }
      matchers.push({ label: matcher[1], op: matcher[2], quoted: matcher[3] });
    }
    found.push({ name: m[1], matchers, range: m[4] });
  }
  return found;
}

/** The selector as PromQL, without its range. */
export function renderSelector(s: Selector): string {
  return `${s.name ?? ''}{${s.matchers.map(m => `${m.label}${m.op}${m.quoted}`).join(',')}}`;
}

/** A query counting the series `s` selects at the evaluation time (over its range, for a range selector). */
export function countQuery(s: Selector): string {
  return s.range ? `count(last_over_time(${renderSelector(s)}[${s.range}]))` : `count(${renderSelector(s)})`;
}

export function without(s: Selector, label: string): Selector {
  return { ...s, matchers: s.matchers.filter(m => m.label !== label) };
}

export function withMatcher(s: Selector, matcher: Matcher): Selector {
  return { ...s, matchers: [...s.matchers, matcher] };
}

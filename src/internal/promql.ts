import { Parser, SyntaxNode } from '@lezer/common';
import { IConstruct } from 'constructs';
import { check } from './errors';
import { jsRegex, re2Regex } from './validate';

/**
 * PromQL fragments users give (metric names, matchers, selectors, whole queries) are parsed with Prometheus'
 * own grammar and must be what they claim, so that nothing a user writes can change the structure of the
 * expression it is pasted into (e.g. a matcher that closes the selector and appends `* 0 or vector(0)`).
 */
type Scope = IConstruct | undefined;

// The package is an ES module with a CommonJS build; its type declarations only describe the ES side.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parser } = require('@prometheus-io/lezer-promql') as { parser: Parser };

/** The top expression of `text`, or undefined when the text does not parse. */
function parseExpr(text: string): SyntaxNode | undefined {
  const tree = parser.parse(text);
  let error = false;
  tree.iterate({ enter: n => { error ||= n.type.isError; } });
  return error ? undefined : tree.topNode.firstChild ?? undefined;
}

function spans(node: SyntaxNode | null | undefined, name: string, text: string): boolean {
  return !!node && node.name === name && node.from === 0 && node.to === text.length;
}

/** One metric name, nothing else (e.g. `vllm:num_requests_waiting`). */
export function metricName(scope: Scope, prop: string, value: string, example = "'model_drift_score'"): string {
  check(typeof value === 'string' && value.length > 0, scope, prop, value, 'is missing: give the name of one metric', `e.g. ${example}`);
  const expr = parseExpr(value);
  const ok = spans(expr, 'VectorSelector', value) && expr!.firstChild?.name === 'Identifier' && expr!.firstChild.to === value.length;
  check(ok, scope, prop, value, 'must be one Prometheus metric name (letters, digits, "_" and ":")', `e.g. ${example}`);
  return value;
}

/**
 * A list of label matchers without braces (e.g. `route="/v1/completions", code=~"5.."`), as pasted inside a
 * selector's braces. Regex matchers must be RE2; an empty list is refused (use the option's default instead).
 */
export function labelMatchers(scope: Scope, prop: string, value: string, pinned: readonly PinnedLabel[] = []): string {
  check(typeof value === 'string' && value.trim().length > 0 && !/^\s*\{|\}\s*$/.test(value), scope, prop, value,
    'must be label matchers without braces', "e.g. 'route=\"/v1/completions\"'");
  const text = `{${value}}`;
  const expr = parseExpr(text);
  const list = expr?.firstChild;
  const ok = spans(expr, 'VectorSelector', text) && list?.name === 'LabelMatchers' && list.from === 0 && list.to === text.length
    && children(list).every(m => m.name === 'UnquotedLabelMatcher');
  check(ok, scope, prop, value, 'must be only label matchers (name="value", name!="value", name=~"regex", name!~"regex"), separated by commas',
    "e.g. 'route=\"/v1/completions\", code=~\"5..\"'");
  for (const m of children(list!)) {
    const op = m.getChild('MatchOp')?.firstChild?.name;
    const literal = m.getChild('StringLiteral');
    if ((op === 'EqlRegex' || op === 'NeqRegex') && literal) {
      re2Regex(scope, `${prop} (${text.slice(m.from, m.to)})`, unquote(text.slice(literal.from, literal.to)));
    }
  }
  const matchers = readMatchers(list!, text);
  for (const m of matchers) {
    const pin = m.label === '__name__' ? NAME_PIN : pinned.find(p => p.label === m.label);
    check(!pin, scope, prop, value, `matches the label ${m.label} (${m.text}), which ${pin?.setBy}: a matcher of yours on it selects nothing or fights that selector`,
      `drop the ${m.label} matcher`);
  }
  matchNothing(scope, prop, value, matchers);
  return value;
}

/** A label the selector a matcher list is pasted into sets itself, and what sets it (for the message). */
export interface PinnedLabel {
  readonly label: string;
  /** e.g. `the gate's selector sets to the service's namespace`. */
  readonly setBy: string;
}

const NAME_PIN: PinnedLabel = { label: '__name__', setBy: 'is the metric name, given separately' };

/** The labels the gates' selector sets (with the default PrometheusSettings labels) and the alerts' and dashboard's. */
export const REQUEST_PINS: readonly PinnedLabel[] = [
  { label: 'namespace', setBy: 'the library\'s selector sets to the service\'s namespace' },
  { label: 'rollouts_pod_template_hash', setBy: 'the gates\' selector sets to the canary\'s or the stable\'s pod-template hash' },
];

interface Matcher {
  readonly label: string;
  readonly op: string;
  readonly value: string;
  /** As written, e.g. `code="500"`, and where. */
  readonly text: string;
  readonly from: number;
  readonly to: number;
}

const OPS: Record<string, string> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

function readMatchers(list: SyntaxNode, text: string): Matcher[] {
  return children(list).filter(m => m.name === 'UnquotedLabelMatcher').map(m => {
    const name = m.getChild('LabelName')!;
    const literal = m.getChild('StringLiteral')!;
    return {
      label: text.slice(name.from, name.to),
      op: OPS[m.getChild('MatchOp')?.firstChild?.name ?? ''] ?? '',
      value: unquote(text.slice(literal.from, literal.to)),
      text: text.slice(m.from, m.to),
      from: m.from,
      to: m.to,
    };
  });
}

/**
 * Whether matcher `m` accepts label value `v` (`''`: the label is absent); undefined when a regex cannot be
 * judged here (flag groups, or JavaScript disagrees with RE2 on it).
 */
function accepts(m: Matcher, v: string): boolean | undefined {
  if (m.op === '=') return m.value === v;
  if (m.op === '!=') return m.value !== v;
  const re = /\(\?[imsU-]/.test(m.value) ? undefined : jsRegex(m.value, true);
  if (!re) return undefined;
  return m.op === '=~' ? re.test(v) : !re.test(v);
}

/** Whether `m` provably accepts only the empty value (the label must be absent), e.g. `code=""`, `code=~""`, `code!~".*"`. */
function onlyEmpty(m: Matcher): boolean {
  const bare = m.value.replace(/^\^/, '').replace(/\$$/, '');
  return (m.op === '=' && m.value === '') || (m.op === '=~' && ['', '()', '(?:)'].includes(bare))
    || (m.op === '!~' && ['.*', '(.*)', '(?:.*)'].includes(bare));
}

/**
 * Refuses matchers on one label that no value satisfies together: two equalities with different values,
 * `=` and `!=` of one value, an equality its regex rejects, `=~` and `!~` of one regex, and a label required
 * both absent and present.
 */
function matchNothing(scope: Scope, prop: string, value: string, matchers: readonly Matcher[], context = ''): void {
  for (const [i, a] of matchers.entries()) {
    for (const b of matchers.slice(i + 1)) {
      if (a.label !== b.label) continue;
      const eq = a.op === '=' ? a : b.op === '=' ? b : undefined;
      const other = eq === a ? b : a;
      const empty = onlyEmpty(a) ? b : onlyEmpty(b) ? a : undefined;
      const opposite = a.value === b.value && [a.op, b.op].sort().join(' ') === '!~ =~';
      const never = opposite || (eq !== undefined && accepts(other, eq.value) === false) || (empty !== undefined && accepts(empty, '') === false);
      check(!never, scope, prop, value, `can never select a series${context}: no ${a.label} value satisfies both ${a.text} and ${b.text}, so the query always returns nothing`,
        a.op === '=' && b.op === '=' ? `for either value write one matcher, ${a.label}=~"${a.value}|${b.value}"` : `drop one of the two ${a.label} matchers, or make them agree`);
    }
  }
}

/** One vector selector: a metric name with optional matchers, e.g. `http_requests_total{code=~"5.."}`. */
export function vectorSelector(scope: Scope, prop: string, value: string): string {
  const expr = parseExpr(value ?? '');
  check(typeof value === 'string' && spans(expr, 'VectorSelector', value), scope, prop, value,
    'must be one vector selector: a metric name and optional {label matchers}', "e.g. 'http_requests_total{code=~\"5..\"}'");
  return value;
}

const ARG = /\{\{\s*args\.([^}\s]*)\s*\}\}/g;

/**
 * A whole PromQL query. `{{args.NAME}}` placeholders (Argo Rollouts analysis) must name `declaredArgs`;
 * each is parsed as the value `0` would be, which keeps string, number and duration positions valid.
 */
export function promqlQuery(scope: Scope, prop: string, value: string, declaredArgs: readonly string[] = []): string {
  check(typeof value === 'string' && value.trim().length > 0, scope, prop, value, 'must not be empty', 'give a PromQL expression returning one sample');
  for (const [, name] of value.matchAll(ARG)) {
    check(declaredArgs.includes(name), scope, prop, `{{args.${name}}}`, `refers to an undeclared analysis argument (declared: ${declaredArgs.join(', ') || 'none'})`,
      'declare the argument, or use one of the declared ones');
  }
  const text = value.replace(ARG, '0');
  check(!/\{\{|\}\}/.test(text), scope, prop, value, 'has a placeholder other than {{args.NAME}}', 'Argo Rollouts only substitutes {{args.NAME}} in queries');
  check(parseExpr(text) !== undefined, scope, prop, value, 'is not valid PromQL', 'check the expression with promtool or the Prometheus UI');
  // Every selector must be able to select something; matchers holding a placeholder are left out (offsets
  // are kept by filling each placeholder with as many zeros).
  const filled = value.replace(ARG, a => '0'.repeat(a.length));
  const tree = parser.parse(filled);
  tree.iterate({
    enter: n => {
      if (n.name !== 'LabelMatchers') return;
      const known = readMatchers(n.node, filled).filter(m => !value.slice(m.from, m.to).includes('{{'));
      matchNothing(scope, prop, value, known);
    },
  });
  return value;
}


function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  try {
    return JSON.parse(literal.startsWith("'") ? `"${literal.slice(1, -1).replace(/"/g, '\\"')}"` : literal);
  } catch {
    return literal.slice(1, -1);
  }
}

/**
 * The user's request counters of a custom runtime: one metric name, a matcher list for its errors and one for
 * its inference requests, neither on a label the library's selectors set. `where` prefixes the props.
 */
export function requestMetricFragments(where: string, props: RequestFragments, scope?: IConstruct): void {
  const at = (name: string) => (where ? `${where}.${name}` : name);
  if (props.requestsMetric !== undefined) metricName(scope, at('requestsMetric'), props.requestsMetric, "'http_requests_total'");
  if (props.inferenceMatcher !== undefined) labelMatchers(scope, at('inferenceMatcher'), props.inferenceMatcher, REQUEST_PINS);
  if (props.errorsMatcher === undefined) return;
  labelMatchers(scope, at('errorsMatcher'), props.errorsMatcher, REQUEST_PINS);
  // Errors are counted with both lists in one selector: together they must still select something.
  if (props.inferenceMatcher !== undefined) {
    const text = `{${props.inferenceMatcher}, ${props.errorsMatcher}}`;
    matchNothing(scope, at('errorsMatcher'), props.errorsMatcher, readMatchers(parseExpr(text)!.firstChild!, text), ' together with inferenceMatcher');
  }
}

/** A custom runtime's request counters as users give them. */
export interface RequestFragments {
  readonly requestsMetric?: string;
  readonly errorsMatcher?: string;
  readonly inferenceMatcher?: string;
}

/** A histogram's base name (without `_bucket`): one metric name. */
export function histogramFragment(where: string, histogram: string | undefined): void {
  if (histogram === undefined) return;
  metricName(undefined, `${where}.histogram`, histogram, "'http_request_duration_seconds'");
  check(!/_(bucket|sum|count)$/.test(histogram), undefined, `${where}.histogram`, histogram, 'must be the histogram\'s base name, without _bucket, _sum or _count',
    `e.g. '${histogram.replace(/_(bucket|sum|count)$/, '')}'`);
}

/** A Prometheus label name as promtool accepts it in rule labels (`[a-zA-Z_][a-zA-Z0-9_]*`, not `__`-prefixed). */
export function promLabelName(scope: Scope, prop: string, value: string): string {
  check(typeof value === 'string' && /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(value) && !value.startsWith('__'), scope, prop, value,
    'must be a Prometheus label name: letters, digits and "_", not starting with a digit or "__"', "e.g. 'team'");
  return value;
}

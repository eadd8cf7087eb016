import { Parser, SyntaxNode } from '@lezer/common';
import { IConstruct } from 'constructs';
import { check } from './errors';
import { re2Regex } from './validate';

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
export function labelMatchers(scope: Scope, prop: string, value: string): string {
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
  return value;
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

/** The user's request counters of a custom runtime: one metric name and a matcher list for its errors. */
export function requestMetricFragments(where: string, props: { readonly requestsMetric?: string; readonly errorsMatcher?: string }): void {
  if (props.requestsMetric !== undefined) metricName(undefined, `${where}.requestsMetric`, props.requestsMetric, "'http_requests_total'");
  if (props.errorsMatcher !== undefined) labelMatchers(undefined, `${where}.errorsMatcher`, props.errorsMatcher);
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

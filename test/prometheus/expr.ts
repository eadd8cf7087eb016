/**
 * Evaluator for the subset of expr-lang (https://expr-lang.org) that Argo Rollouts conditions use
 * here: number literals, `result`, `len(x)`, `isNaN(x)`, `isInf(x)` (Argo's own functions, from
 * `utils/evaluate`: `math.IsNaN`, `math.IsInf(x, 0)`), `x[i]`, unary `-` `+` `!` `not`, `+ - * /`,
 * `< <= > >= == !=`, `&&`/`and`, `||`/`or`, parentheses, `true`/`false`.
 *
 * Faithful to expr where it decides a gate's outcome:
 * - Argo compiles each condition against the type of `result` (`expr.Env`), so a type error such
 *   as `result < 1` on a vector or `len(result)` on a scalar is an error even in a branch that
 *   short-circuiting would skip; we type-check the whole tree before evaluating, too.
 * - Numbers are float64: every comparison with NaN is false (`NaN != NaN` is true), ±Inf compare
 *   normally, `1/0` is +Inf. `&&`/`||` short-circuit.
 * - `x[i]` accepts negative indexes (from the end); out of range is a runtime error.
 * - Precedence and binding follow expr's parser: `||` 10, `&&` 15, comparisons 20, `+ -` 30,
 *   `* /` 60; unary `!`/`not` bind at 50 and `-`/`+` at 90, so `!a == b` is `(!a) == b` and
 *   `not a * b` is `not (a * b)`. Comparisons chain: `0 < result < 1` is `0 < result && result < 1`.
 *
 * What Argo reports as an error throws {@link ExprError}; syntax this subset does not cover
 * (strings, `%`, `in`, other functions, …) throws a plain Error, so a test fails loudly rather
 * than mistaking a gap here for an Argo `Error` measurement.
 */

/** `result` as Argo's Prometheus provider passes it: a float for a scalar, floats for a vector. */
export type Result = number | number[];
export type Outcome = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

/** A compile or run-time error of expr: Argo records the measurement as `Error`. */
export class ExprError extends Error {}

type Value = number | boolean | number[];
type Type = 'number' | 'bool' | 'array';
type Node =
  | { readonly kind: 'literal'; readonly value: number | boolean }
  | { readonly kind: 'result' }
  | { readonly kind: 'len'; readonly arg: Node }
  | { readonly kind: 'float'; readonly name: string; readonly arg: Node }
  | { readonly kind: 'index'; readonly target: Node; readonly index: Node }
  | { readonly kind: 'unary'; readonly op: string; readonly arg: Node }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Node; readonly right: Node };

const COMPARISON = 20;
const BINARY: Record<string, number> = {
  '||': 10, '&&': 15, '==': 20, '!=': 20, '<': 20, '<=': 20, '>': 20, '>=': 20, '+': 30, '-': 30, '*': 60, '/': 60,
};
const UNARY: Record<string, number> = { '!': 50, '-': 90, '+': 90 };
const WORDS: Record<string, string> = { and: '&&', or: '||', not: '!' };
/** The float64 predicates Argo adds to the condition's environment. */
const FLOAT_FUNCTIONS: Record<string, (x: number) => boolean> = {
  isNaN: x => Number.isNaN(x),
  isInf: x => x === Infinity || x === -Infinity,
};
// expr keywords outside the subset; anything else word-like is a name, unknown unless `result`.
const UNSUPPORTED_WORDS = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith', 'nil', 'let', 'if', 'else']);
const TOKEN = /\s*(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_$][\w$]*|<=|>=|==|!=|&&|\|\||[-+*/<>!()[\],])/y;

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(source);
    if (!m) {
      if (source.slice(at).trim() === '') break;
      throw new Error(`expr: unsupported syntax at ${JSON.stringify(source.slice(at))} in ${JSON.stringify(source)}`);
    }
    const token = m[0].trim();
    if (UNSUPPORTED_WORDS.has(token)) throw new Error(`expr: ${token} is not supported by this evaluator (extend test/prometheus/expr.ts)`);
    tokens.push(WORDS[token] ?? token);
  }
  return tokens;
}

function parse(source: string): Node {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  /** Consumes the closing `token` of `node`. */
  const closed = (node: Node, token: string): Node => {
    if (tokens[pos] !== token) throw new ExprError(`unexpected ${tokens[pos] ?? 'end'}, expected ${token} in ${source}`);
    pos++;
    return node;
  };

  // Pratt parser after expr's parser/parser.go: binary operators are left-associative, a unary
  // operator takes the binary operators of at least its own precedence.
  const expression = (minPrecedence: number): Node => {
    let left = primary();
    while (BINARY[peek()] !== undefined && BINARY[peek()] >= minPrecedence) {
      const op = tokens[pos++];
      let right = expression(BINARY[op] + 1);
      let node: Node = { kind: 'binary', op, left, right };
      // expr chains comparisons: `a < b <= c` means `a < b && b <= c`.
      while (BINARY[op] === COMPARISON && BINARY[peek()] === COMPARISON) {
        const next = tokens[pos++];
        const [prev, last] = [right, expression(COMPARISON + 1)];
        node = { kind: 'binary', op: '&&', left: node, right: { kind: 'binary', op: next, left: prev, right: last } };
        right = last;
      }
      left = node;
    }
    return left;
  };
  const atom = (token: string): Node => {
    if (/^\d/.test(token)) return { kind: 'literal', value: Number(token) };
    if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
    if (token === 'result') return { kind: 'result' };
    if (token === '(') return closed(expression(0), ')');
    if (/^[A-Za-z_$]/.test(token)) {
      if (peek() !== '(') throw new ExprError(`unknown name ${token} in ${source}`);
      if (token !== 'len' && FLOAT_FUNCTIONS[token] === undefined) {
        throw new Error(`expr: function ${token}() is not supported by this evaluator (extend test/prometheus/expr.ts)`);
      }
      pos++;
      return closed(token === 'len' ? { kind: 'len', arg: expression(0) } : { kind: 'float', name: token, arg: expression(0) }, ')');
    }
    throw new ExprError(`unexpected token ${token} in ${source}`);
  };
  const primary = (): Node => {
    const token = tokens[pos++];
    if (token === undefined) throw new ExprError(`unexpected end of ${source}`);
    if (UNARY[token] !== undefined) return { kind: 'unary', op: token, arg: expression(UNARY[token]) };
    let node = atom(token);
    while (peek() === '[') {
      pos++;
      node = closed({ kind: 'index', target: node, index: expression(0) }, ']');
    }
    return node;
  };

  const tree = expression(0);
  if (pos < tokens.length) throw new ExprError(`unexpected token ${tokens[pos]} in ${source}`);
  return tree;
}

function typeOf(value: Value): Type {
  return Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : 'number';
}

/** The static type of `node`, as expr's checker derives it from the type of `result`. */
function check(node: Node, result: Type): Type {
  const fail = (message: string): never => {
    throw new ExprError(message);
  };
  switch (node.kind) {
    case 'literal': return typeOf(node.value);
    case 'result': return result;
    case 'len': {
      const arg = check(node.arg, result);
      return arg === 'array' ? 'number' : fail(`invalid argument for len (type ${arg})`);
    }
    case 'float': {
      const arg = check(node.arg, result);
      return arg === 'number' ? 'bool' : fail(`cannot use ${arg} as argument (type float64) to call ${node.name}`);
    }
    case 'index': {
      const target = check(node.target, result);
      if (target !== 'array') fail(`cannot index ${target}`);
      return check(node.index, result) === 'number' ? 'number' : fail('array index must be a number');
    }
    case 'unary': {
      const arg = check(node.arg, result);
      const want: Type = node.op === '!' ? 'bool' : 'number';
      return arg === want ? want : fail(`invalid operation: ${node.op} (mismatched type ${arg})`);
    }
    case 'binary': {
      const [l, r] = [check(node.left, result), check(node.right, result)];
      const mismatch = () => fail(`invalid operation: ${node.op} (mismatched types ${l} and ${r})`);
      if (node.op === '&&' || node.op === '||') return l === 'bool' && r === 'bool' ? 'bool' : mismatch();
      if (node.op === '==' || node.op === '!=') {
        if (l === 'array' || r === 'array') throw new Error('expr: comparing arrays is not supported by this evaluator');
        return l === r ? 'bool' : mismatch();
      }
      if (l !== 'number' || r !== 'number') return mismatch();
      return ['<', '<=', '>', '>='].includes(node.op) ? 'bool' : 'number';
    }
  }
}

/** Evaluates a type-checked tree; JavaScript's number semantics match Go's float64 here. */
function run(node: Node, result: Result): Value {
  switch (node.kind) {
    case 'literal': return node.value;
    case 'result': return result;
    case 'len': return (run(node.arg, result) as number[]).length;
    case 'float': return FLOAT_FUNCTIONS[node.name](run(node.arg, result) as number);
    case 'index': {
      const array = run(node.target, result) as number[];
      const raw = run(node.index, result) as number;
      const i = raw < 0 ? array.length + raw : raw;
      if (!Number.isInteger(i) || i < 0 || i >= array.length) {
        throw new ExprError(`index out of range: ${raw} (array length is ${array.length})`);
      }
      return array[i];
    }
    case 'unary': {
      const v = run(node.arg, result);
      return node.op === '!' ? !v : node.op === '-' ? -(v as number) : v;
    }
    case 'binary': {
      const l = run(node.left, result);
      if (node.op === '&&') return (l as boolean) && (run(node.right, result) as boolean);
      if (node.op === '||') return (l as boolean) || (run(node.right, result) as boolean);
      const r = run(node.right, result);
      const [a, b] = [l as number, r as number];
      switch (node.op) {
        case '==': return l === r;
        case '!=': return l !== r;
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        default: return a / b;
      }
    }
  }
}

/** Evaluates an Argo condition; throws {@link ExprError} where Argo would record an error. */
export function evaluate(condition: string, result: Result): boolean {
  const tree = parse(condition);
  check(tree, Array.isArray(result) ? 'array' : 'number');
  const value = run(tree, result);
  if (typeof value !== 'boolean') throw new ExprError(`expected bool, but got ${typeOf(value)}`);
  return value;
}

/**
 * The phase Argo Rollouts gives one measurement, after `EvaluateResult` in
 * argoproj/argo-rollouts `utils/evaluate/evaluate.go`: both conditions are evaluated first (success,
 * then failure) and any error yields `Error`; with only a success condition, not-true means
 * `Failed`; with only a failure condition, not-true means `Successful` (so a lone failure
 * condition passes on NaN or an empty vector); with both, failure wins, then success, otherwise
 * `Inconclusive`; with neither, `Successful`. An empty string counts as unset.
 */
export function argoOutcome(successCondition: string | undefined, failureCondition: string | undefined, result: Result): Outcome {
  let success = false;
  let failure = false;
  try {
    if (successCondition) success = evaluate(successCondition, result);
    if (failureCondition) failure = evaluate(failureCondition, result);
  } catch (e) {
    if (e instanceof ExprError) return 'Error';
    throw e;
  }
  if (!successCondition && !failureCondition) return 'Successful';
  if (!failureCondition) failure = !success;
  if (!successCondition) success = !failure;
  if (failure) return 'Failed';
  return success ? 'Successful' : 'Inconclusive';
}

/**
 * Argo Rollouts measurement outcomes for the condition shapes gates use, without expr-lang itself:
 * `||`/`or` of `&&`/`and` (with parentheses and `!`/`not`) of comparisons between `result`, `result[i]`, `len(result)`, `isNaN(x)`,
 * `isInf(x)` and numbers, or `true`/`false`. Anything else is {@link UnsupportedCondition}, which
 * the caller reports rather than guessing.
 *
 * Faithful to Argo where it decides a gate: Argo compiles a condition against the type of `result`
 * (a float for a scalar, floats for a vector), so `len(result)` on a scalar is an Error even in a
 * branch that short-circuiting skips; `result[0]` of an empty vector is a run-time Error; every
 * comparison with NaN is false.
 * @see https://github.com/argoproj/argo-rollouts/blob/master/utils/evaluate/evaluate.go
 */

/** `result` as Argo's Prometheus provider passes it. */
export type Result = number | number[];
export type Phase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

/** What Argo records as an Error measurement (a compile or run-time error of the condition). */
export class ConditionError extends Error {}
/** A condition outside the shapes this evaluator knows: its outcome is not decided here. */
export class UnsupportedCondition extends Error {}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const COMPARISON = /^(.+?)\s*(<=|>=|==|!=|<|>)\s*(.+)$/;

type Operand = (result: Result) => number;

function operand(text: string, scalar: boolean): Operand {
  const t = text.trim();
  if (NUMBER.test(t)) {
    const n = Number(t);
    return () => n;
  }
  if (t === 'result') {
    if (!scalar) throw new ConditionError('result is an array: it cannot be compared with a number');
    return r => r as number;
  }
  const index = t.match(/^result\[\s*(-?\d+)\s*\]$/);
  if (index) {
    if (scalar) throw new ConditionError('result is a number: it cannot be indexed');
    const i = Number(index[1]);
    return r => {
      const v = r as number[];
      const at = i < 0 ? v.length + i : i;
      if (at < 0 || at >= v.length) throw new ConditionError(`index out of range: ${i} (array length is ${v.length})`);
      return v[at];
    };
  }
  if (/^len\(\s*result\s*\)$/.test(t)) {
    if (scalar) throw new ConditionError('invalid argument for len (type float64)');
    return r => (r as number[]).length;
  }
  throw new UnsupportedCondition(`unsupported operand ${JSON.stringify(t)}`);
}

type Test = (result: Result) => boolean;

function atom(text: string, scalar: boolean): Test {
  const t = text.trim();
  if (t === 'true' || t === 'false') return () => t === 'true';
  const fn = t.match(/^(isNaN|isInf)\((.+)\)$/);
  if (fn) {
    const x = operand(fn[2], scalar);
    return fn[1] === 'isNaN' ? r => Number.isNaN(x(r)) : r => Math.abs(x(r)) === Infinity;
  }
  const cmp = t.match(COMPARISON);
  if (!cmp) throw new UnsupportedCondition(`unsupported term ${JSON.stringify(t)}`);
  const [left, right] = [operand(cmp[1], scalar), operand(cmp[3], scalar)];
  switch (cmp[2]) {
    case '<': return r => left(r) < right(r);
    case '<=': return r => left(r) <= right(r);
    case '>': return r => left(r) > right(r);
    case '>=': return r => left(r) >= right(r);
    case '==': return r => left(r) === right(r);
    default: return r => left(r) !== right(r);
  }
}

/** Splits `text` at `op` where it stands outside parentheses. */
function splitTop(text: string, op: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') {depth++;} else if (c === ')') {depth--;} else if (depth === 0 && !/\w/.test(text[i - 1] ?? '')) {
      const m = text.slice(i).match(op);
      if (m) {
        parts.push(text.slice(start, i));
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `true` when `t` is one parenthesized group, e.g. `(a || b)` but not `(a) && (b)`. */
function enclosed(t: string): boolean {
  if (!t.startsWith('(') || !t.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')' && --depth === 0 && i < t.length - 1) return false;
  }
  return true;
}

/** `||` of `&&` of atoms or parenthesized sub-expressions, compiled whole before anything is evaluated. */
function compile(text: string, scalar: boolean): Test {
  const t = text.trim();
  const disjuncts = splitTop(t, /^(\|\||\bor\b)/);
  if (disjuncts.length > 1) {
    const tests = disjuncts.map(d => compile(d, scalar));
    return r => tests.some(test => test(r));
  }
  const conjuncts = splitTop(t, /^(&&|\band\b)/);
  if (conjuncts.length > 1) {
    const tests = conjuncts.map(c => compile(c, scalar));
    return r => tests.every(test => test(r));
  }
  const not = t.match(/^(!|not\s)\s*(.*)$/s);
  if (not) {
    const test = compile(not[2], scalar);
    return r => !test(r);
  }
  return enclosed(t) ? compile(t.slice(1, -1), scalar) : atom(t, scalar);
}

/** Compiles `condition` for the type of `result` (as Argo does), then evaluates it with short-circuiting. */
export function evaluateCondition(condition: string, result: Result): boolean {
  return compile(condition, typeof result === 'number')(result);
}

/** One measurement's phase, as Argo's `EvaluateResult` decides it from the two conditions. */
export function measurementPhase(successCondition: string | undefined, failureCondition: string | undefined, result: Result): Phase {
  let met: { success: boolean; failure: boolean };
  try {
    met = {
      success: successCondition ? evaluateCondition(successCondition, result) : false,
      failure: failureCondition ? evaluateCondition(failureCondition, result) : false,
    };
  } catch (e) {
    if (e instanceof ConditionError) return 'Error';
    throw e;
  }
  // Without a failure condition, not meeting success fails; without a success condition, not failing succeeds.
  const failed = failureCondition ? met.failure : successCondition ? !met.success : false;
  const succeeded = successCondition ? met.success : !failed;
  return failed ? 'Failed' : succeeded ? 'Successful' : 'Inconclusive';
}

/**
 * The shipped condition evaluator of check-gates against the test suite's expr-lang evaluator
 * (test/prometheus/expr.ts, which follows Argo's EvaluateResult): same phase for every condition
 * shape gates use and every kind of result.
 */
import { evaluateCondition, measurementPhase, UnsupportedCondition } from '../../src/cli/condition';
import { argoOutcome } from '../prometheus/expr';

const CONDITIONS: Array<[string | undefined, string | undefined]> = [
  ['len(result) > 0 && result[0] <= 0.01', 'len(result) > 0 && result[0] > 0.01'],
  ['len(result) > 0 && result[0] >= 1', 'len(result) > 0 && result[0] < 1'],
  [undefined, 'result[0] > 0.01'],
  ['result[0] <= 0.01', undefined],
  ['len(result) == 0 || result[0] < 2', 'result[0] >= 2'],
  ['result <= 5', 'result > 5'],
  [undefined, undefined],
  ['result[-1] < 3 and len(result) >= 1', 'result[0] != result[0] or result[0] >= 3'],
  ['true', 'false'],
  // The shapes gates render: a bounded value, and a custom gate that refuses infinities.
  ['len(result) > 0 && result[0] >= 0 && result[0] <= 0.02', 'len(result) > 0 && (result[0] < 0 || result[0] > 0.02)'],
  ['len(result) > 0 && !isInf(result[0]) && result[0] <= 0.02', 'len(result) > 0 && (isInf(result[0]) || result[0] > 0.02)'],
];
const RESULTS = [[], [0.005], [0.5], [NaN], [Infinity], [-Infinity], [1, 4], 0.5, NaN, 7];

test.each(CONDITIONS)('success %s, failure %s: same phase as the expr-lang evaluator for every result', (success, failure) => {
  for (const result of RESULTS) {
    expect({ result, phase: measurementPhase(success, failure, result) }).toEqual({ result, phase: argoOutcome(success, failure, result) });
  }
});

test('isNaN and isInf, which Argo adds to expr', () => {
  expect(evaluateCondition('isNaN(result[0]) || result[0] < 1', [NaN])).toBe(true);
  expect(evaluateCondition('isInf(result[0])', [-Infinity])).toBe(true);
  expect(evaluateCondition('isNaN(result)', 2)).toBe(false);
});

test.each([
  ['result[0] > 1 ? true : false'],
  ['all(result, {# < 1})'],
  ['result[0] in [1, 2]'],
])('%s is reported as unsupported, never guessed', condition => {
  expect(() => measurementPhase(condition, undefined, [1])).toThrow(UnsupportedCondition);
});

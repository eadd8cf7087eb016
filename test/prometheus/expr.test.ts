import { argoOutcome, evaluate, ExprError } from './expr';

describe('evaluate', () => {
  test.each([
    ['1 < 2', true],
    ['2.5e-1 == 0.25', true],
    ['1E3 >= 1000', true],
    ['-1 < 0', true],
    ['+1 == 1', true],
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3 == 9', true],
    ['10 - 4 - 3 == 3', true],
    ['8 / 4 / 2 == 1', true],
    ['1 / 0 > 1e308', true],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['true and not false', true],
    ['false or !false', true],
    ['!true == false', true],
    ['1 != 2', true],
    ['1 < 2 < 3', true],
    ['3 > 2 > 2', false],
    ['1 < 2 == 2', true], // 1 < 2 && 2 == 2
  ])('%s is %s', (expr, expected) => {
    expect(evaluate(expr, 0)).toBe(expected);
  });

  test('result as a scalar or a vector', () => {
    expect(evaluate('result <= 0.5', 0.5)).toBe(true);
    expect(evaluate('result[0] > 1 && result[1] < 1', [2, 0])).toBe(true);
    expect(evaluate('result[-1] == 3', [1, 2, 3])).toBe(true);
    expect(evaluate('len(result) == 0', [])).toBe(true);
    expect(evaluate('-result[0] * 2 == -4', [2])).toBe(true);
    expect(evaluate('0 <= result < 1', 0.5)).toBe(true);
  });

  test('NaN compares false, except !=', () => {
    for (const op of ['<', '<=', '>', '>=', '==']) expect(evaluate(`result ${op} 1`, NaN)).toBe(false);
    expect(evaluate('result == result', NaN)).toBe(false);
    expect(evaluate('result != result', NaN)).toBe(true);
    expect(evaluate('!(result > 1)', NaN)).toBe(true);
    expect(evaluate('result[0] < 0.01', [NaN])).toBe(false);
    expect(evaluate('0 <= result < 1', NaN)).toBe(false);
  });

  test('isNaN and isInf, as Argo defines them', () => {
    expect(evaluate('isNaN(result)', NaN)).toBe(true);
    expect(evaluate('isNaN(result[0])', [1])).toBe(false);
    expect(evaluate('isInf(result[0])', [-Infinity])).toBe(true);
    expect(evaluate('isInf(result[0])', [Infinity])).toBe(true);
    expect(evaluate('!isInf(result[0])', [1e308])).toBe(true);
    expect(() => evaluate('isInf(result)', [1])).toThrow(ExprError);
  });

  test('-Inf passes a bare upper bound: why gates guard it', () => {
    expect(evaluate('len(result) > 0 && result[0] <= 0.01', [-Infinity])).toBe(true);
    expect(argoOutcome('len(result) > 0 && result[0] >= 0 && result[0] <= 0.01', 'len(result) > 0 && (result[0] < 0 || result[0] > 0.01)', [-Infinity])).toBe('Failed');
    expect(argoOutcome('len(result) > 0 && !isInf(result[0]) && result[0] <= 0.01', 'len(result) > 0 && (isInf(result[0]) || result[0] > 0.01)', [-Infinity])).toBe('Failed');
  });

  test('infinities compare normally', () => {
    expect(evaluate('result > 1e308', Infinity)).toBe(true);
    expect(evaluate('result == result', Infinity)).toBe(true);
    expect(evaluate('result < -1e308', -Infinity)).toBe(true);
    expect(evaluate('result - result != 0', Infinity)).toBe(true); // Inf - Inf is NaN
  });

  test('&& and || short-circuit at run time', () => {
    expect(evaluate('len(result) > 0 && result[0] < 1', [])).toBe(false);
    expect(evaluate('len(result) == 0 || result[0] < 1', [])).toBe(true);
  });

  test.each([
    ['result[0] < 1', [], /index out of range: 0 \(array length is 0\)/],
    ['result[-2] < 1', [1], /index out of range/],
    ['result[1] < 1', [1], /index out of range/],
    // Type errors are compile errors: they fail even where short-circuiting would skip them.
    ['result[0] < 1', 0.5, /cannot index number/],
    ['false && result[0] < 1', 0.5, /cannot index number/],
    ['len(result) > 0', 0.5, /invalid argument for len/],
    ['result < 1', [0.5], /mismatched types array and number/],
    ['true == 1', 0, /mismatched types bool and number/],
    ['1 && true', 0, /mismatched types number and bool/],
    ['!1', 0, /mismatched type number/],
    ['-true', 0, /mismatched type bool/],
    ['not result[0] > 1', [0], /mismatched type number/], // `(not result[0]) > 1`
    ['result', 0, /expected bool, but got number/],
    ['result > ', 0, /unexpected end/],
    ['(result > 1', 0, /expected \)/],
    ['result > 1)', 0, /unexpected token \)/],
    ['resutl > 1', 0, /unknown name resutl/],
  ])('%s on %j is an ExprError', (expr, result, message) => {
    expect(() => evaluate(expr, result as number | number[])).toThrow(ExprError);
    expect(() => evaluate(expr, result as number | number[])).toThrow(message);
  });

  test.each(['result % 2 == 0', 'result in [1]', 'asInt(result) == 1', 'result == "1"'])('unsupported syntax %s throws a plain Error', expr => {
    expect(() => evaluate(expr, 1)).toThrow(/not supported|unsupported syntax/);
    expect(() => evaluate(expr, 1)).not.toThrow(ExprError);
  });
});

describe('argoOutcome', () => {
  const lt = 'result[0] < 0.01';
  const ge = 'result[0] >= 0.01';
  test.each([
    // success, failure, result, phase
    [lt, undefined, [0], 'Successful'],
    [lt, undefined, [0.5], 'Failed'],
    [lt, undefined, [NaN], 'Failed'],
    [undefined, ge, [0.5], 'Failed'],
    [undefined, ge, [0], 'Successful'],
    [undefined, ge, [NaN], 'Successful'], // a lone failure condition passes on missing data
    [lt, ge, [0], 'Successful'],
    [lt, ge, [0.5], 'Failed'],
    [lt, ge, [NaN], 'Inconclusive'],
    ['true', 'true', [0], 'Failed'], // failure wins
    [undefined, undefined, [NaN], 'Successful'],
    ['', '', [0], 'Successful'], // empty means unset
    [lt, ge, [], 'Error'],
    ['len(result) == 1 && ' + lt, 'len(result) == 1 && ' + ge, [], 'Inconclusive'],
    ['true', 'result[0] > 1', [], 'Error'], // both are evaluated, any error wins
    ['result[0] > 1', 'true', [], 'Error'],
    [lt, undefined, 0, 'Error'],
  ] as const)('success %s, failure %s, result %j: %s', (success, failure, result, phase) => {
    expect(argoOutcome(success, failure, result as number | number[])).toBe(phase);
  });

  test('unsupported syntax is not mistaken for an Argo Error', () => {
    expect(() => argoOutcome('asInt(result) == 1', undefined, 1)).toThrow(/not supported/);
  });
});

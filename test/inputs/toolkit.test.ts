import { Duration, Size, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { describe as describeValue, InputError } from '../../src/internal/errors';
import { labelMatchers, metricName, promqlQuery, vectorSelector } from '../../src/internal/promql';
import {
  absolutePath, annotationKey, dns1035Label, dns1123Label, dns1123Subdomain, duration, envVarName, int, labelKey, labelValue, port, ratio, re2Regex,
  relativePath, size, url,
} from '../../src/internal/validate';

const scope = () => new Construct(Testing.chart(), 'X');
type Check = (value: any) => unknown;

// Each check with values Kubernetes (or Prometheus, or RE2) accepts and values it refuses.
const table: Array<[string, Check, unknown[], unknown[]]> = [
  ['dns1123Label', v => dns1123Label(scope(), 'p', v), ['a', '0abc', 'a-b', 'a'.repeat(63)], ['', 'A', 'a_b', '-a', 'a-', 'a.b', 'a'.repeat(64)]],
  ['dns1035Label', v => dns1035Label(scope(), 'p', v), ['a', 'a-b1', 'a'.repeat(63)], ['0a', '', 'a-', 'A']],
  ['dns1123Subdomain', v => dns1123Subdomain(scope(), 'p', v), ['a', 'a.b-c', 'a'.repeat(253)], ['', 'a..b', '.a', 'a_b', 'A', 'a'.repeat(254)]],
  ['labelKey', v => labelKey(scope(), 'p', v), ['a', 'app.kubernetes.io/name', 'A_b.c', 'example.com/X'], ['', 'a b', '/a', 'Example.com/a', 'a/', `${'a'.repeat(64)}`, '-a']],
  ['annotationKey', v => annotationKey(scope(), 'p', v), ['eks.amazonaws.com/role-arn'], ['eks amazonaws/role']],
  ['labelValue', v => labelValue(scope(), 'p', v), ['', 'a', 'A-b_c.d', 'a'.repeat(63)], [' ', 'a b', '-a', 'a-', 'a/b', 'a'.repeat(64)]],
  ['envVarName', v => envVarName(scope(), 'p', v), ['A', '_A', 'a.b-c', 'HF_TOKEN'], ['', '1A', 'A=B', 'A B']],
  ['port', v => port(scope(), 'p', v), [1, 8000, 65535], [0, 65536, -1, 80.5, NaN, Infinity]],
  ['int32', v => int(scope(), 'p', v, 0), [0, 2 ** 31 - 1], [-1, 2 ** 31, 1.5, NaN, 1e12]],
  ['ratio', v => ratio(scope(), 'p', v), [0, 0.5, 1], [-0.01, 1.01, NaN, Infinity]],
  ['positive duration', v => duration(scope(), 'p', v, { positive: true, max: Duration.days(1) }), [Duration.millis(1), Duration.days(1)],
    [Duration.seconds(0), Duration.seconds(NaN), Duration.seconds(Infinity), Duration.days(2)]],
  ['size', v => size(scope(), 'p', v, { min: Size.mebibytes(1) }), [Size.mebibytes(1), Size.tebibytes(1)], [Size.kibibytes(1), Size.gibibytes(NaN), Size.gibibytes(0)]],
  ['url', v => url(scope(), 'p', v), ['http://a', 'https://a.example.com:9000/x'], ['a', 'ftp://a', 'https://', 'http://a b', '']],
  ['re2Regex', v => re2Regex(scope(), 'p', v), ['^/v1/(chat/)?completions$', '5..', '[a-z]+', '(?i)abc', '(?i:a)b', '(?P<n>a)b'],
    ['(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b', '(a)\\1', '(?<n>a)\\k<n>', 'a++', '(?>a)', '(']],
  ['relativePath', v => relativePath(scope(), 'p', v), ['a', 'a/b', 'a..b'], ['', '/a', '..', 'a/../b', '../a']],
  ['absolutePath', v => absolutePath(scope(), 'p', v), ['/', '/models', '/a..b'], ['', 'models', '/a/../b', '/..']],
  ['metricName', v => metricName(scope(), 'p', v), ['a', 'vllm:num_requests_waiting', 'http_requests_total'], ['', 'a b', 'a{b="c"}', 'rate(a[5m])', 'a or b', '1a']],
  ['labelMatchers', v => labelMatchers(scope(), 'p', v), ['a="b"', 'a!="b", c=~"d.*"', 'code!~"2.."'],
    ['', 'a', '{a="b"}', 'a="b"} or vector(1', 'a=b', 'a="b"} * 0 + x{c="d"']],
  ['vectorSelector', v => vectorSelector(scope(), 'p', v), ['a', 'a{b="c"}', '{b="c"}'], ['rate(a[5m])', 'a + b', '']],
];

describe.each(table)('%s', (_name, check, accepted, refused) => {
  test.each(accepted.map(v => [describeValue(v), v]))('accepts %s', (_label, v) => {
    expect(() => check(v)).not.toThrow();
  });
  test.each(refused.map(v => [describeValue(v), v]))('refuses %s', (label, v) => {
    let error: unknown;
    try {
      check(v);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(new RegExp(`^\\[test/X\\] p: .* \\(got ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)\\. Fix: `));
  });
});

describe('PromQL queries', () => {
  test('placeholders must be declared args; the query must parse', () => {
    expect(() => promqlQuery(scope(), 'q', 'sum(rate(x{ns="{{args.namespace}}"}[5m]))', ['namespace'])).not.toThrow();
    expect(() => promqlQuery(scope(), 'q', 'sum(rate(x{ns="{{args.ns}}"}[5m]))', ['namespace'])).toThrow(/q: refers to an undeclared analysis argument \(declared: namespace\) \(got "\{\{args.ns\}\}"\)/);
    expect(() => promqlQuery(scope(), 'q', 'sum(rate(x[5m])', [])).toThrow(/q: is not valid PromQL/);
  });
});

describe('messages', () => {
  test('values print as received: NaN, Infinity, Durations, Sizes, strings quoted; the path once', () => {
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue(-Infinity)).toBe('-Infinity');
    expect(describeValue('a')).toBe('"a"');
    expect(describeValue(Duration.minutes(2))).toBe('"2 minutes"');
    expect(describeValue(Duration.seconds(NaN))).toBe('NaN ms');
    expect(describeValue(Size.mebibytes(2))).toBe('2048 KiB');
    expect(describeValue({ a: NaN })).toBe('{"a":"NaN"}');
    const s = scope();
    const e = new InputError(undefined, 'p', 1, 'is wrong', 'fix it');
    expect(e.at(s).message).toBe('[test/X] p: is wrong (got 1). Fix: fix it');
    expect(e.at(s).at(new Construct(s, 'Y')).message).toBe('[test/X] p: is wrong (got 1). Fix: fix it');
  });

  test.each([
    [Duration.millis(1500), '"1.5 seconds"'],
    [Duration.millis(61_500), '"1 minute 1.5 seconds"'],
    [Duration.millis(3_600_250), '"1 hour 0.25 seconds"'],
    [Duration.millis(90_000.5), '"1 minute 30.0005 seconds"'],
    [Duration.millis(500), '"500 ms"'],
    [Duration.millis(0.5), '"0.5 ms"'],
    [Duration.seconds(90), '"1 minute 30 seconds"'],
    [Duration.seconds(0), '"0 seconds"'],
  ])('a fractional Duration keeps its sub-second part: %s', (d, printed) => {
    expect(describeValue(d)).toBe(printed);
  });

  test('a refused sub-second Duration prints its millis in the message', () => {
    const e = new InputError('test/X', 'interval', Duration.millis(61_500), 'must be whole seconds', 'e.g. Duration.seconds(60)');
    expect(e.message).toBe('[test/X] interval: must be whole seconds (got "1 minute 1.5 seconds"). Fix: e.g. Duration.seconds(60)');
  });
});

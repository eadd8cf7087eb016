import { Yaml } from 'cdk8s';
import { YamlEmitter } from '../../src/synth/yaml-emitter';

/** Strings the `yaml` package quotes or writes as blocks under YAML 1.1, and their near misses that stay plain. */
const TRICKY = [
  // YAML 1.1 booleans, nulls, numbers, timestamps (and what only looks like them)
  'y', 'Y', 'n', 'N', 'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'true', 'True', 'TRUE',
  'false', 'False', 'FALSE', 'yES', 'nO', 'oN', 'tRUE', 'yess', 'none', 'nil', 'n/a', 'offline', 'online', 'yaml',
  '~', 'null', 'Null', 'NULL', 'nULL', '', ' ',
  '0', '1', '-1', '+1', '007', '0o17', '0x1F', '0X1F', '0b101', '1_000', '1,000', '12:30', '190:20:30', '1.5', '.5', '5.',
  '1e3', '1E3', '1e+3', '-1.5e-3', '.inf', '-.inf', '+.Inf', '.INF', '.nan', '.NaN', 'NaN', 'Infinity', '0.1.2', 'v1.2.3',
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2026-11-30T13:52:59Z', '20011214',
  // indicators and their positions
  '-', '--', '---', '--- x', '...', '... x', '-x', '- x', '?', '?x', '? x', ':', ':x', 'x:', 'x: y', 'x:y', 'a :b', '::1',
  '#', '#x', 'x#y', 'x #y', 'x# y', '*', '*x', '&', '&x', '!', '!x', '!!str', '|', '|x', '>', '>x', '%', '%x', '@x', '`x',
  'x`', '"x"', "'x'", "it's", 'say "hi"', 'both \' and "', '[x]', '{x}', 'x[0]', 'x{a}', ',x', 'x,y', '(x)', '$x', '=x',
  'sum(rate(vllm:request_success_total{model="llm-1"}[5m]))', 'a\\b', '\\', 'C:\\x', '/path/to', 'https://x.io/a#frag',
  // whitespace
  ' x', 'x ', '  x  ', '\tx', 'x\t', 'x \ty', 'a  b',
  // multi-line
  'a\nb', 'a\n', 'a\n\n', 'a\n\n\n', '\na', '\n\na', '\n', '\n\n', 'a\n b', 'a\n  b\n', ' a\nb', '  a\n b', 'a \nb', 'a\n ',
  'a\n\t', 'a\n\nb\n\n\nc', 'x: y\nz: w', '- a\n- b', '#!/bin/sh\nset -e\necho "$1"\n', 'a\r\nb', 'a\rb', '--- \nx', 'x\n---\ny',
  'x\n...\ny', 'a\tb\nc', 'x\n\ty', 'é\nü', 'a\nb\n\n', 'a b\nc ', 'a\n#b', '{"a": 1,\n "b": 2}', 'a\nb\n', 'it\'s\n"x"',
  'line one is long enough to be multi line\n and second', 'a'.repeat(50) + '\n\n' + ' b'.repeat(30),
  // control characters and unicode
  '\x00', 'a\x07b', '\x1b[0m', '\x7f', '\x85', '\u00a0', '\u2028', '\ufeffx', 'héllo', '日本語', 'emoji 🚀', '\ud800', 'x\udfff',
  // long lines
  'word '.repeat(40).trim(), 'x'.repeat(2000), 'k: '.repeat(100), `${'a'.repeat(90)} #${'b'.repeat(90)}`,
];

/** A deterministic generator of strings over the characters that matter to YAML scalars. */
function* randomStrings(count: number, seed: number, maxLength: number): Generator<string> {
  const alphabet = ['a', 'b', 'y', 'n', 'o', '0', '1', '9', 'e', 'x', '.', '_', '-', '+', ':', ' ', '#', '\n', '\t', '"', "'",
    '\\', '~', '?', '*', '&', '!', '|', '>', '%', '@', '`', ',', '[', ']', '{', '}', '/', 'é', '\u0001', '\u00a0'];
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  for (let i = 0; i < count; i++) {
    const length = next() % (maxLength + 1);
    let s = '';
    for (let j = 0; j < length; j++) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

/** Every place a string can take in a manifest: value and key, in maps and sequences, at several depths. */
function placements(s: string): any[] {
  return [
    { k: s },
    { [s]: 'v' },
    { a: { b: s, [s]: [s] } },
    { a: [s, { [s]: s, c: [[s]] }] },
    { a: { b: { c: [{ d: s }, [s, [s]]] } } },
    [s, [s], { [s]: { [s]: s } }],
  ];
}

/** The documents in cdk8s's own rendering and the emitter's, side by side. */
function compare(docs: any[]): Array<[string, string]> {
  const emitter = new YamlEmitter();
  return docs.map(doc => [emitter.stringify(doc), Yaml.stringify(doc)]);
}

describe('YamlEmitter writes what cdk8s Yaml.stringify writes', () => {
  test.each(TRICKY.map(s => [JSON.stringify(s), s]))('string %s in every placement', (_name, s) => {
    for (const [got, want] of compare(placements(s))) expect(got).toBe(want);
  });

  test.each([[3000, 11], [1500, 60]])('a corpus of %d random strings of up to %d characters in every placement', (count, maxLength) => {
    const docs = [...randomStrings(count, 7 + maxLength, maxLength)].flatMap(placements);
    const mismatches = compare(docs).filter(([got, want]) => got !== want);
    expect(mismatches).toEqual([]);
  });

  test('the same string rendered at one depth, then at another (the cache keeps no indentation)', () => {
    const s = 'first line\n  second line\n\nthird';
    for (const [got, want] of compare([{ a: s }, { a: { b: { c: s } } }, [[[s]]], { a: s }])) expect(got).toBe(want);
  });

  test.each([
    ['numbers', { a: [0, -0, 1, -1, 1.5, 1e21, 1e-7, 2 ** 53, Number.MAX_VALUE, NaN, Infinity, -Infinity] }],
    ['booleans, nulls, undefined', { a: true, b: false, c: null, d: undefined, e: [null, undefined, true] }],
    ['empty collections', { a: {}, b: [], c: [{}, []], d: [[[]]], e: { f: {} } }],
    ['an empty document', {}],
    ['a sequence document', [1, 'a', { b: 2 }]],
    ['an empty sequence document', []],
    ['integer-like keys, in the order JavaScript lists them', { b: 1, 10: 2, 2: 3, a: 4 }],
    ['a null-prototype object', Object.assign(Object.create(null), { a: 1, b: { c: 'x' } })],
    ['a long key, written as an explicit key', { ['k'.repeat(1100)]: 'v', short: 1 }],
    ['a Date, a timestamp in YAML 1.1', { at: new Date(Date.UTC(2026, 10, 30)) }],
    ['an object with toJSON', { a: { toJSON: () => 'x' } }],
    ['a Map', { a: new Map([['x', 1]]) }],
    ['a String object', { a: new String('yes') }],
  ])('%s', (_name, doc) => {
    for (const [got, want] of compare([doc])) expect(got).toBe(want);
  });

  test('an object that appears twice is written as an alias, as the yaml package does', () => {
    const shared = { app: 'llm' };
    const [[got, want]] = compare([{ a: shared, b: [shared] }]);
    expect(got).toBe(want);
    expect(got).toContain('*a1');
  });

  test('an undefined document is an empty line, as in Yaml.stringify', () => {
    expect(new YamlEmitter().stringify(undefined)).toBe(Yaml.stringify(undefined));
  });
});

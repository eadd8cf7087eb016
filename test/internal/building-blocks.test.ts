import { Duration, Testing } from 'cdk8s';
import { wholeSeconds, shortDuration } from '../../src/internal/duration';
import { selectorLabels } from '../../src/internal/labels';
import { childName, dnsLabel, isDnsLabel, labelValue } from '../../src/internal/names';
import { plainEnv } from '../../src/serving/env';
import { lineageAnnotations, lineageLabels, standardLabels } from '../../src/serving/lineage-labels';

const scope = () => Testing.chart();
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('durations', () => {
  test.each([
    [Duration.seconds(90), '90s'],
    [Duration.minutes(5), '5m'],
    [Duration.seconds(120), '2m'],
    [Duration.hours(2), '2h'],
    [Duration.minutes(90), '90m'],
    [Duration.seconds(0), '0s'],
  ])('%s renders as Argo/Prometheus %s', (d, expected) => {
    expect(shortDuration(scope(), 'interval', d)).toBe(expected);
  });

  test('Kubernetes seconds are whole numbers', () => {
    expect(wholeSeconds(scope(), 'timeout', Duration.minutes(2))).toBe(120);
  });

  test('fractional and too-small durations are rejected with the prop and the value', () => {
    expect(() => wholeSeconds(scope(), 'probes.timeout', Duration.millis(1500))).toThrow(/probes.timeout: must be a whole number of seconds >= 0 \(got "1.5 seconds"\)/);
    expect(() => shortDuration(scope(), 'interval', Duration.seconds(0), 1)).toThrow(/interval: must be a whole number of seconds >= 1/);
  });
});

describe('names', () => {
  test('valid names pass through unchanged', () => {
    expect(dnsLabel('llama-70b')).toBe('llama-70b');
  });

  test('invalid characters, case and leading digits are normalised', () => {
    expect(dnsLabel('Llama-3.1-70B_Instruct')).toBe('llama-3-1-70b-instruct');
    expect(dnsLabel('70b--model-')).toBe('b-model');
  });

  test('long names are shortened with a stable hash, within the limit', () => {
    const long = 'a'.repeat(40) + '-' + 'b'.repeat(40);
    const name = dnsLabel(long);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(name)).toBe(true);
    expect(dnsLabel(long)).toBe(name);
    expect(dnsLabel(long + 'c')).not.toBe(name);
  });

  test('child names keep their suffix and the limit', () => {
    const name = childName('x'.repeat(70), 'canary');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(name)).toBe(true);
    expect(childName('llama-70b', 'canary')).toBe('llama-70b-canary');
  });

  test('a name made only of invalid characters still yields a valid, stable label', () => {
    expect(isDnsLabel(dnsLabel('123'))).toBe(true);
    expect(dnsLabel('123')).toBe(dnsLabel('123'));
  });

  test('label values are valid, and only shortened when needed', () => {
    expect(labelValue('1605565b47bb9346c5515c34102e054115b4f98b')).toBe('1605565b47bb9346c5515c34102e054115b4f98b');
    for (const v of ['meta-llama/Llama-3.1-70B-Instruct', 'models:/fraud@champion', 'x'.repeat(100), '///']) {
      const out = labelValue(v);
      expect(out.length).toBeLessThanOrEqual(63);
      expect(out).toMatch(LABEL_VALUE);
      expect(labelValue(v)).toBe(out);
    }
  });
});

describe('labels', () => {
  const lineage = { modelName: 'meta-llama/Llama-3.1-70B-Instruct', modelVersion: 'abc123', sourceKind: 'huggingface', sourceUri: 'https://huggingface.co/meta-llama/Llama-3.1-70B-Instruct/tree/abc123' };

  test('selector labels never carry the version', () => {
    expect(selectorLabels('llama')).toEqual({ 'app.kubernetes.io/name': 'llama', 'app.kubernetes.io/instance': 'llama' });
  });

  test('standard labels are app.kubernetes.io plus lineage, all valid label values', () => {
    const labels = standardLabels('llama', 'model-server', lineage);
    expect(labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'cdk8s-mlops',
      'app.kubernetes.io/component': 'model-server',
      'app.kubernetes.io/version': 'abc123',
      'mlops.cdk8s.io/model-version': 'abc123',
      'mlops.cdk8s.io/model-source': 'huggingface',
    });
    for (const v of Object.values(labels)) expect(v).toMatch(LABEL_VALUE);
    expect(lineageLabels(lineage)['mlops.cdk8s.io/model-name']).toMatch(/^meta-llama-Llama-3.1-70B-Instruct-[0-9a-f]{8}$/);
  });

  test('annotations keep the full values', () => {
    expect(lineageAnnotations(lineage)).toEqual({
      'mlops.cdk8s.io/model-name': lineage.modelName,
      'mlops.cdk8s.io/model-version': 'abc123',
      'mlops.cdk8s.io/model-uri': lineage.sourceUri,
    });
  });
});

describe('env', () => {
  test('plain values pass', () => {
    expect(plainEnv(scope(), 'env', { LOG_LEVEL: 'info' })).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
  });

  test.each([
    ['HF_TOKEN', 'anything'],
    ['DB_PASSWORD', 'x'],
    ['SOME_VAR', 'hf_' + 'a'.repeat(34)],
    ['AWS', 'AKIAABCDEFGHIJKLMNOP'],
  ])('a credential in %s is refused without echoing the value', (name, value) => {
    expect(() => plainEnv(scope(), 'env', { [name]: value })).toThrow(new RegExp(`env.${name}: looks like a credential.*<redacted>.*secretEnv`));
    try { plainEnv(scope(), 'env', { [name]: value }); } catch (e) { if (value.length > 5) expect(String(e)).not.toContain(value); }
  });
});

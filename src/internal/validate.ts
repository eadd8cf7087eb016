import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { IConstruct } from 'constructs';
import { check } from './errors';

/**
 * The input checks every construct and factory uses. Each throws an InputError
 * (`[construct path] prop: what is wrong (got value). Fix: …`); `scope` is undefined inside a value-class factory,
 * whose findings `deferChecks` hands to the construct that binds the value.
 * Rules are Kubernetes' own (apimachinery `validation.go`), so what passes here passes the API server.
 */
type Scope = IConstruct | undefined;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
export const INT32_MAX = 2 ** 31 - 1;
/** A MIG profile name as the NVIDIA device plugin advertises it, e.g. `1g.10gb` or `1g.10gb+me`. */
export const MIG_PROFILE = /^([1-7])g\.([1-9][0-9]*)gb(\+me)?$/;

/** A non-empty string (JavaScript callers can pass anything). */
export function nonEmpty(scope: Scope, prop: string, value: string, fix: string): string {
  check(typeof value === 'string' && value.trim().length > 0, scope, prop, value, 'must not be empty', fix);
  return value;
}

/** A DNS-1123 label: most object names, namespaces, container and port names. */
export function dns1123Label(scope: Scope, prop: string, value: string, example = "'llama-70b'"): string {
  check(typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value), scope, prop, value,
    'must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit', `e.g. ${example}`);
  return value;
}

/** A DNS-1035 label: Service names (they must start with a letter). */
export function dns1035Label(scope: Scope, prop: string, value: string, example = "'llama-70b'"): string {
  check(typeof value === 'string' && value.length <= 63 && DNS1035_LABEL.test(value), scope, prop, value,
    'must be a DNS-1035 label: at most 63 lowercase letters, digits and "-", starting with a letter and ending with a letter or digit', `e.g. ${example}`);
  return value;
}

/** A DNS-1123 subdomain: names of Secrets, ConfigMaps, PVCs, ServiceAccounts and most other objects. */
export function dns1123Subdomain(scope: Scope, prop: string, value: string, example = "'model-credentials'"): string {
  check(isDns1123Subdomain(value), scope, prop, value,
    'must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and ".", each dot-separated part starting and ending with a letter or digit',
    `e.g. ${example}`);
  return value;
}

export function isDns1123Subdomain(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= 253 && value.split('.').every(p => DNS1123_LABEL.test(p));
}

/** The name of an object the user created elsewhere (Secret, ConfigMap, PVC, ServiceAccount). */
export function objectRef(scope: Scope, prop: string, value: string, kind: string): string {
  check(isDns1123Subdomain(value), scope, prop, value, `must be the name of an existing ${kind} (a DNS-1123 subdomain)`,
    `give the ${kind}'s metadata.name, e.g. 'model-credentials'`);
  return value;
}

/** A label or annotation key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters. */
export function labelKey(scope: Scope, prop: string, value: string, what = 'label key'): string {
  const slash = typeof value === 'string' ? value.lastIndexOf('/') : -1;
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = typeof value === 'string' ? value.slice(slash + 1) : '';
  check((prefix === undefined || isDns1123Subdomain(prefix)) && name.length <= 63 && QUALIFIED_NAME.test(name), scope, prop, value,
    `must be a ${what}: an optional DNS subdomain and "/", then at most 63 letters, digits, "-", "_" and "." starting and ending with a letter or digit`,
    "e.g. 'example.com/team' or 'team'");
  return value;
}

/** An annotation key (the same syntax as a label key). */
export function annotationKey(scope: Scope, prop: string, value: string): string {
  return labelKey(scope, prop, value, 'annotation key');
}

/** A label value: empty, or at most 63 letters, digits, `-`, `_`, `.` starting and ending with a letter or digit. */
export function labelValue(scope: Scope, prop: string, value: string): string {
  check(typeof value === 'string' && value.length <= 63 && LABEL_VALUE.test(value), scope, prop, value,
    'must be a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit', "e.g. 'gpu-a100'");
  return value;
}

/** Every key and value of a label map. */
export function labelMap(scope: Scope, prop: string, labels: Record<string, string> | undefined): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    labelKey(scope, `${prop} key`, k);
    labelValue(scope, `${prop}[${JSON.stringify(k)}]`, v);
  }
}

/** An environment variable name that every supported Kubernetes version accepts (no `=`, no spaces). */
export function envVarName(scope: Scope, prop: string, value: string): string {
  check(typeof value === 'string' && ENV_VAR_NAME.test(value), scope, prop, value,
    'must be an environment variable name: letters, digits, "_", "-" and ".", not starting with a digit', "e.g. 'HF_HUB_OFFLINE'");
  return value;
}

/** A finite number (not NaN, not Infinity). */
export function finite(scope: Scope, prop: string, value: number, fix: string): number {
  check(typeof value === 'number' && Number.isFinite(value), scope, prop, value, 'must be a finite number', fix);
  return value;
}

/** A whole number in `[min, max]`; `max` defaults to the int32 range Kubernetes integer fields have. */
export function int(scope: Scope, prop: string, value: number, min: number, max = INT32_MAX, fix?: string): number {
  const example = fix ?? `e.g. ${prop.split('.').pop()}: ${Math.max(min, 1)}`;
  if (max !== INT32_MAX) {
    check(Number.isInteger(value) && value >= min && value <= max, scope, prop, value, `must be a whole number from ${min} to ${max}`, example);
    return value;
  }
  check(Number.isInteger(value) && value >= min, scope, prop, value, `must be a whole number >= ${min}`, example);
  check(value <= max, scope, prop, value, `must be at most ${INT32_MAX}, the int32 limit of Kubernetes integer fields`, example);
  return value;
}

/** A TCP/UDP port number. */
export function port(scope: Scope, prop: string, value: number): number {
  check(Number.isInteger(value) && value >= 1 && value <= 65535, scope, prop, value, 'must be a port number from 1 to 65535', 'e.g. 8000');
  return value;
}

/** A finite number in `[min, max]` (bounds exclusive when asked). */
export function between(scope: Scope, prop: string, value: number, min: number, max: number,
  options: { minExclusive?: boolean; maxExclusive?: boolean; fix?: string } = {}): number {
  const ok = typeof value === 'number' && Number.isFinite(value)
    && (options.minExclusive ? value > min : value >= min) && (options.maxExclusive ? value < max : value <= max);
  check(ok, scope, prop, value, `must be a number ${options.minExclusive ? 'above' : 'from'} ${min} ${options.maxExclusive ? 'and below' : 'to'} ${max}`,
    options.fix ?? `e.g. ${prop.split('.').pop()}: ${(min + max) / 2}`);
  return value;
}

/** A ratio from 0 to 1 (a fraction, not a percentage). */
export function ratio(scope: Scope, prop: string, value: number, options: { minExclusive?: boolean; maxExclusive?: boolean } = {}): number {
  const ok = typeof value === 'number' && Number.isFinite(value)
    && (options.minExclusive ? value > 0 : value >= 0) && (options.maxExclusive ? value < 1 : value <= 1);
  const range = `${options.minExclusive ? 'above 0' : 'from 0'} ${options.maxExclusive ? 'and below 1' : 'to 1'}`;
  check(ok, scope, prop, value, `must be a ratio ${range}`, `write a fraction, e.g. ${prop.split('.').pop()}: 0.05 for 5%`);
  return value;
}

/** A Duration that is finite, at least `min` and at most `max` (seconds); returns its seconds. */
export function duration(scope: Scope, prop: string, d: Duration, options: { min?: Duration; max?: Duration; positive?: boolean } = {}): number {
  const s = d instanceof Duration ? d.toSeconds({ integral: false }) : NaN;
  const min = options.min?.toSeconds({ integral: false }) ?? 0;
  const max = options.max?.toSeconds({ integral: false }) ?? Infinity;
  check(Number.isFinite(s), scope, prop, d, 'must be a finite duration', 'e.g. Duration.seconds(30)');
  check(options.positive ? s > 0 : true, scope, prop, d, 'must be a positive duration', `e.g. Duration.seconds(${Math.max(1, min)})`);
  check(s >= min && s <= max, scope, prop, d, `must be from ${options.min?.toHumanString() ?? '0'} to ${options.max?.toHumanString() ?? 'any length'}`,
    `e.g. Duration.seconds(${Math.max(1, min)})`);
  return s;
}

/** A Size that is finite and at least `min` (and at most `max`); returns its mebibytes (fractional allowed). */
export function size(scope: Scope, prop: string, s: Size, options: { min?: Size; max?: Size } = {}): number {
  const mib = s instanceof Size ? s.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) : NaN;
  const min = options.min?.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) ?? 0;
  const max = options.max?.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) ?? Infinity;
  check(Number.isFinite(mib), scope, prop, s, 'must be a finite size', 'e.g. Size.gibibytes(16)');
  check(mib >= min && mib > 0 && mib <= max, scope, prop, s,
    `must be ${options.min ? `at least ${min} MiB` : 'above 0'}${options.max ? ` and at most ${max} MiB` : ''}`, 'e.g. Size.gibibytes(16)');
  return mib;
}

/** An absolute URL with one of `schemes`. */
export function url(scope: Scope, prop: string, value: string, schemes: string[] = ['http', 'https'], example = "'https://example.com'"): string {
  let ok = false;
  try {
    ok = typeof value === 'string' && !/\s/.test(value) && schemes.includes(new URL(value).protocol.replace(/:$/, '')) && new URL(value).host !== '';
  } catch {
    ok = false;
  }
  const kind = schemes.join() === 'http,https' ? 'http(s)' : schemes.join(' or ');
  check(ok, scope, prop, value, `must be an ${kind} URL`, `e.g. ${example}`);
  return value;
}

/**
 * A regular expression in RE2 syntax, as Istio and Envoy (and Prometheus) compile them: no lookaround,
 * no backreferences, no possessive or atomic groups; and it must compile.
 */
export function re2Regex(scope: Scope, prop: string, value: string): string {
  const unsupported = /\(\?<?[=!]|\(\?>|\\[1-9]|\\k<|[*+?}]\+/.exec(value ?? '');
  check(!unsupported, scope, prop, value, `uses ${JSON.stringify(unsupported?.[0])}, which RE2 (Istio, Envoy, Prometheus) does not support`,
    'rewrite it without lookaround, backreferences or possessive quantifiers');
  check(typeof value === 'string' && jsRegex(value) !== undefined, scope, prop, value, 'is not a valid regular expression', "e.g. '^/v1/(chat/)?completions$'");
  return value;
}

/**
 * An RE2 pattern as a JavaScript RegExp (`anchored`: matching the whole string, as Prometheus matches), or
 * undefined when it does not compile. JavaScript lacks RE2's flag groups and (?P<name>…): they are rewritten
 * to JavaScript equivalents (flags dropped, so a case-insensitive pattern is only an approximation).
 */
export function jsRegex(value: string, anchored = false): RegExp | undefined {
  const js = value.replace(/\(\?[imsU-]+\)/g, '').replace(/\(\?[imsU-]+:/g, '(?:').replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(anchored ? `^(?:${js})$` : js, 's');
  } catch {
    return undefined;
  }
}

/** A relative path that stays inside its base directory: not absolute, no `..` segment. */
export function relativePath(scope: Scope, prop: string, value: string, example = "'model'"): string {
  check(typeof value === 'string' && value.length > 0 && !value.startsWith('/') && !value.split('/').includes('..') && !value.includes('\0'),
    scope, prop, value, 'must be a relative path without ".." segments, so it stays inside its directory', `e.g. ${example}`);
  return value;
}

/** An absolute path without `..` segments (mount paths, paths inside an image). */
export function absolutePath(scope: Scope, prop: string, value: string, example = "'/models'"): string {
  check(typeof value === 'string' && value.startsWith('/') && !value.split('/').includes('..') && !value.includes('\0'),
    scope, prop, value, 'must be an absolute path without ".." segments', `e.g. ${example}`);
  return value;
}

/** One of the allowed values (JavaScript callers can pass anything for an enum). */
export function oneOf<T>(scope: Scope, prop: string, value: T, allowed: readonly T[]): T {
  check(allowed.includes(value), scope, prop, value, `must be one of ${allowed.map(a => JSON.stringify(a)).join(', ')}`, `use one of ${allowed.map(String).join(', ')}`);
  return value;
}

/** No duplicates among `values` (by `key`). */
export function unique<T>(scope: Scope, prop: string, values: readonly T[], key: (v: T) => string, fix: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    const k = key(v);
    check(!seen.has(k), scope, prop, k, 'is given twice', fix);
    seen.add(k);
  }
}

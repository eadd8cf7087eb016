import { createHash } from 'crypto';

/** Kubernetes DNS-1123 label: what most object names and Service names must be. */
export const DNS_LABEL_MAX = 63;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A short stable digest: the same input gives the same suffix in every synth. */
export function shortHash(input: string, length = 8): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

/** Whether `name` is a valid DNS-1035 label (Service names; a safe choice for every object name). */
export function isDnsLabel(name: string): boolean {
  return name.length <= DNS_LABEL_MAX && DNS_1035_LABEL.test(name);
}

/**
 * Turns any string into a DNS-1035 label of at most `max` characters.
 * Names that had to be shortened end with a hash of the full input, so two long inputs
 * never collapse into the same name and the result is stable across synths.
 */
export function dnsLabel(input: string, max = DNS_LABEL_MAX): string {
  let name = input.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '');
  if (!name) name = `x-${shortHash(input)}`;
  if (name.length <= max) return name;
  const hash = shortHash(input);
  return `${name.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** A child object name: `<base>-<suffix>`, kept within `max` by shortening the base, never the suffix. */
export function childName(base: string, suffix: string, max = DNS_LABEL_MAX): string {
  return dnsLabel(`${base}-${suffix}`, max);
}

/**
 * A valid label value (at most 63 characters of alphanumerics, `-`, `_`, `.`): the full value in an
 * annotation stays the source of truth, the label is for selection.
 */
export function labelValue(input: string): string {
  if (input.length <= DNS_LABEL_MAX && LABEL_VALUE.test(input)) return input;
  const hash = shortHash(input);
  const head = input.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, DNS_LABEL_MAX - hash.length - 1).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return head ? `${head}-${hash}` : hash;
}

import { Size, SizeRoundingBehavior } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { IConstruct } from 'constructs';
import { check } from './errors';

/** A Size as a Kubernetes quantity string in the largest binary unit that keeps it whole. */
export function sizeString(size: Size): string {
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR });
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

export function sizeQuantity(size: Size): k8s.Quantity {
  return k8s.Quantity.fromString(sizeString(size));
}

const UNITS: Record<string, number> = { '': 1, 'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12 };

/** The bytes of a storage quantity, or undefined for a form this does not read (e.g. an exponent). */
export function quantityBytes(quantity: k8s.Quantity): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity.value));
  return m ? Number(m[1]) * UNITS[m[2] ?? ''] : undefined;
}

/**
 * MiB of node-local scratch disk (`ephemeral-storage`) a pod writes besides its model cache: `/tmp`, writable caches,
 * container logs. 10 GiB by default; at least 1 MiB, since logs alone take that.
 */
export function scratchMebibytes(scope: IConstruct, prop: string, size: Size = Size.gibibytes(10)): number {
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR });
  check(mib >= 1, scope, prop, size, 'must be at least 1 MiB: container logs and /tmp live there', `e.g. ${prop}: Size.gibibytes(10)`);
  return mib;
}

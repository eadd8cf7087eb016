import { Size, SizeRoundingBehavior } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';

/** A Size as a Kubernetes quantity string in the largest binary unit that keeps it whole. */
export function sizeString(size: Size): string {
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR });
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

export function sizeQuantity(size: Size): k8s.Quantity {
  return k8s.Quantity.fromString(sizeString(size));
}

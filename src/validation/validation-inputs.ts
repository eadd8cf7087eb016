import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { ValidationProps } from './validation-options';
import { checkContainerProps } from '../internal/container-inputs';
import { dns1123Label, dns1123Subdomain, duration, int, INT32_MAX } from '../internal/validate';

/** The plain props of a ValidationJob or ValidationHook (the evaluator's Job). */
export function checkValidationProps(scope: IConstruct, props: ValidationProps): void {
  checkContainerProps(scope, props);
  if (props.name !== undefined) dns1123Label(scope, 'name', props.name, "'llama-validation'");
  if (props.serviceAccountName !== undefined) dns1123Subdomain(scope, 'serviceAccountName', props.serviceAccountName, "'evaluator'");
  if (props.backoffLimit !== undefined) int(scope, 'backoffLimit', props.backoffLimit, 0, INT32_MAX, 'e.g. backoffLimit: 1');
  if (props.timeout !== undefined) duration(scope, 'timeout', props.timeout, { max: Duration.days(1) });
}

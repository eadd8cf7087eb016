import { Chart, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { ValidationProps } from './validation-options';
import { checkContainerProps } from '../internal/container-inputs';
import { check } from '../internal/errors';
import { referencedName, sameNamespace } from '../internal/object-ref';
import { dns1123Label, dns1123Subdomain, duration, int, INT32_MAX } from '../internal/validate';

/**
 * The plain props of a ValidationJob or ValidationHook (the evaluator's Job); returns the name of the user's
 * ServiceAccount, if one is given.
 */
export function checkValidationProps(scope: IConstruct, props: ValidationProps): string | undefined {
  checkContainerProps(scope, props);
  if (props.name !== undefined) dns1123Label(scope, 'name', props.name, "'llama-validation'");
  if (props.serviceAccountName !== undefined) dns1123Subdomain(scope, 'serviceAccountName', props.serviceAccountName, "'evaluator'");
  if (props.backoffLimit !== undefined) int(scope, 'backoffLimit', props.backoffLimit, 0, INT32_MAX, 'e.g. backoffLimit: 1');
  if (props.timeout !== undefined) duration(scope, 'timeout', props.timeout, { max: Duration.days(1) });
  if (props.command !== undefined) {
    check(props.command.length > 0 && props.command.every(w => typeof w === 'string' && w.length > 0), scope, 'command', props.command,
      'must be a non-empty list of non-empty words (an empty list runs the image\'s entrypoint, an empty word cannot be executed)',
      "e.g. command: ['python', '-m', 'evaluate'], or leave it out for the image's entrypoint");
  }
  // The Job runs in the service's namespace (a ValidationJob's in the rollout's, through Argo Rollouts).
  sameNamespace(scope, props.service.namespace ?? Chart.of(scope).namespace, props);
  return referencedName(scope, { nameProp: 'serviceAccountName', name: props.serviceAccountName, objectProp: 'serviceAccount', object: props.serviceAccount, kind: 'ServiceAccount' });
}

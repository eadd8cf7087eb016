import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { ArgoCdApplicationProps, IgnoreDifference } from './argo-cd-application';
import { check } from '../internal/errors';
import { annotationKey, dns1123Label, dns1123Subdomain, duration, int, INT32_MAX, labelMap, url } from '../internal/validate';

/** The plain props of an Argo CD Application; the Git URL and path checks stay with the construct. */
export function checkApplicationProps(scope: IConstruct, props: ArgoCdApplicationProps): void {
  dns1123Label(scope, 'destinationNamespace', props.destinationNamespace, "'llm-prod'");
  if (props.namespace !== undefined) dns1123Label(scope, 'namespace', props.namespace, "'argocd'");
  if (props.project !== undefined) dns1123Subdomain(scope, 'project', props.project, "'ml-serving'");
  if (props.destinationServer !== undefined) url(scope, 'destinationServer', props.destinationServer, ['https'], "'https://kubernetes.default.svc'");
  if (props.targetRevision !== undefined) {
    check(typeof props.targetRevision === 'string' && /^\S+$/.test(props.targetRevision), scope, 'targetRevision', props.targetRevision,
      'must be a branch, tag or commit without spaces', "e.g. targetRevision: 'main'");
  }
  if (props.retryLimit !== undefined) int(scope, 'retryLimit', props.retryLimit, 0, INT32_MAX, 'e.g. retryLimit: 2');
  if (props.retryBackoff !== undefined) duration(scope, 'retryBackoff', props.retryBackoff, { max: Duration.days(1) });
  labelMap(scope, 'labels', props.labels);
  Object.keys(props.annotations ?? {}).forEach(k => annotationKey(scope, 'annotations key', k));
}

/** An ignored difference must name a field: JSON pointers start with `/`, jq paths are not blank. */
export function checkIgnoreDifference(scope: IConstruct, d: IgnoreDifference): void {
  (d.jsonPointers ?? []).forEach((p, i) => check(typeof p === 'string' && p.startsWith('/'), scope, `ignoreDifference(${d.kind}).jsonPointers[${i}]`, p,
    'must be a JSON pointer starting with "/"', "e.g. '/spec/replicas'"));
  (d.jqPathExpressions ?? []).forEach((p, i) => check(typeof p === 'string' && p.trim().length > 0, scope, `ignoreDifference(${d.kind}).jqPathExpressions[${i}]`, p,
    'is blank', "e.g. '.spec.http[].route[].weight'"));
}

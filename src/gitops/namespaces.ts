import { IConstruct } from 'constructs';
import { check } from '../internal/errors';
import { isDnsLabel } from '../internal/names';

/** Namespaces no model pipeline deploys into: Kubernetes' own, and Argo CD's (its Applications and secrets). */
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

/** Refuses a namespace that is not a DNS label, a system namespace, or Argo CD's own. */
export function checkDestinationNamespace(scope: IConstruct, prop: string, namespace: string, argoCdNamespace: string): void {
  check(isDnsLabel(namespace ?? ''), scope, prop, namespace, 'must be a namespace name (a DNS label, no globs)', "e.g. 'llm-staging'");
  check(!SYSTEM_NAMESPACES.includes(namespace) && namespace !== argoCdNamespace, scope, prop, namespace,
    `is a system namespace (${[...SYSTEM_NAMESPACES, argoCdNamespace].join(', ')}): a model's objects and its Argo CD project must not reach into it`,
    'deploy the model into its own namespace, e.g. llm-staging');
}

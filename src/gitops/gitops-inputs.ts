import { IConstruct } from 'constructs';
import type { ArgoCdProjectProps } from './argo-cd-project';
import type { DeliveryEnvironmentProps } from './delivery-environment';
import { check } from '../internal/errors';
import { dns1123Label, isDns1123Subdomain } from '../internal/validate';

/**
 * A DeliveryEnvironment's own strings: its name (a label value) and namespace. A blank waiver is no waiver: the
 * check it would waive fires with its own message.
 */
export function checkEnvironmentProps(scope: IConstruct, props: DeliveryEnvironmentProps): void {
  dns1123Label(scope, 'environment', props.environment, "'staging' or 'production'");
  dns1123Label(scope, 'namespace', props.namespace, "'llm-staging'");
}

/**
 * An AppProject's repositories (URLs or Argo CD globs such as `https://github.com/acme/*`), its description and
 * its cluster-scoped kinds (Kubernetes kinds are PascalCase; `*` is Argo CD's wildcard).
 */
export function checkProjectProps(scope: IConstruct, props: ArgoCdProjectProps): void {
  // Blank entries only: a pipeline's Applications check its repository URL in full, with their own message.
  props.sourceRepos.forEach((r, i) => check(typeof r === 'string' && r.trim().length > 0, scope, `sourceRepos[${i}]`, r,
    'is blank: it admits no repository', "use https://host/org/repo.git, or '*' for any repository"));
  if (props.description !== undefined) {
    check(typeof props.description === 'string' && props.description.trim().length > 0, scope, 'description', props.description, 'is blank',
      'describe the project, or leave it out');
  }
  (props.clusterResources ?? []).forEach((c, i) => {
    check(c.group === '' || c.group === '*' || isDns1123Subdomain(c.group), scope, `clusterResources[${i}].group`, c.group,
      "must be an API group ('' for the core group)", "e.g. group: 'rbac.authorization.k8s.io'");
    check(c.kind === '*' || /^[A-Z][A-Za-z0-9]*$/.test(c.kind ?? ''), scope, `clusterResources[${i}].kind`, c.kind,
      'must be a Kubernetes kind (PascalCase) or *', "e.g. kind: 'Namespace'");
    if (c.name !== undefined) {
      check(/^[a-z0-9*]([-a-z0-9.*]*[a-z0-9*])?$/.test(c.name) && c.name.length <= 253, scope, `clusterResources[${i}].name`, c.name,
        'must be an object name (lowercase letters, digits, "-" and "."), or a glob with *', "e.g. name: 'llm'");
    }
  });
}

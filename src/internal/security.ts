import { k8s } from 'cdk8s-plus-34';
import { IConstruct } from 'constructs';
import { check } from './errors';

/** The non-root identity every container runs as (linters expect UID/GID >= 10000). */
export const RUN_AS = 10001;

/** The pod security context of PSS "restricted". */
export function restrictedPod(): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS,
    runAsGroup: RUN_AS,
    fsGroup: RUN_AS,
    // Re-chowning a multi-GB model cache on every start would delay it by minutes.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The container security context of PSS "restricted", with a read-only root filesystem. */
export function restrictedContainer(): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  };
}

/** Rejects images that are not pinned: no tag, or `latest`. */
export function checkImagePinned(scope: IConstruct, prop: string, image: string | undefined): void {
  const ref = image ?? '';
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return;
  const lastSegment = ref.split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  check(!!tag && tag !== 'latest', scope, prop, ref,
    tag === 'latest' ? "'latest' moves, so the pods of one deployment could run different code" : 'has no tag, which means latest',
    'pin a digest (image@sha256:...) or an explicit version tag');
}

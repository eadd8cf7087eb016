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

const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Rejects images that are not pinned: no tag, or `latest`. */
export function checkImagePinned(scope: IConstruct, prop: string, image: string | undefined): void {
  const ref = image ?? '';
  if (DIGEST.test(ref)) return;
  const lastSegment = ref.split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  check(!!tag && tag !== 'latest', scope, prop, ref,
    tag === 'latest' ? "'latest' moves, so the pods of one deployment could run different code" : 'has no tag, which means latest',
    'pin a digest (image@sha256:...) or an explicit version tag');
}

/**
 * Rejects an image pinned by tag only, where the exact build must be the one that was validated: a tag can be
 * pushed over, a digest cannot. `waiverProp` names the prop that accepts the tag instead.
 */
export function checkImageDigest(scope: IConstruct, prop: string, image: string | undefined, waiverProp: string): void {
  check(DIGEST.test(image ?? ''), scope, prop, image,
    'is pinned by tag only, and a tag can be pushed over, so production could run another build than the one validated',
    `pin the digest (${image ?? 'image'}@sha256:<digest>, e.g. from \`crane digest\`), or set ${waiverProp} to the reason the tag is accepted`);
}

/**
 * `imagePullPolicy` for an image: a digest names immutable content, so a cached copy is the same image
 * (`IfNotPresent`). A tag may have been pushed over since a node cached it, so `Always` makes every container
 * start resolve it to the registry's current digest (one manifest request; cached layers are not pulled again),
 * and the pods of one ReplicaSet never run different builds because they landed on different nodes.
 */
export function pullPolicy(image: string): string {
  return DIGEST.test(image) ? 'IfNotPresent' : 'Always';
}

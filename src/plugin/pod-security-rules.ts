import { containers, Finding, KubeObject, PodTemplate } from './manifest';

/** Volume types Pod Security Standards "restricted" allows. */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);
const RULE = 'pod-security-restricted';

/**
 * Pod Security Standards "restricted" (the fields the admission controller checks), for every pod
 * template of the app.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function podSecurityRules(pods: readonly PodTemplate[]): Finding[] {
  const findings: Finding[] = [];
  for (const pod of pods) {
    const add = (field: string, problem: string, fix: string) => findings.push({ rule: RULE, object: pod.resource, field, problem, fix });
    const spec = pod.spec;
    const podContext: KubeObject = spec.securityContext ?? {};
    for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (spec[host] === true) add(`${pod.specPath}.${host}`, `${host} is true`, `remove ${host}`);
    }
    (spec.volumes ?? []).forEach((volume: KubeObject, i: number) => {
      const type = Object.keys(volume).find(k => k !== 'name');
      if (type && !RESTRICTED_VOLUMES.has(type)) {
        add(`${pod.specPath}.volumes[${i}].${type}`, `volume ${volume.name} is of type ${type}`, `use one of ${[...RESTRICTED_VOLUMES].join(', ')}`);
      }
    });
    if (podContext.runAsUser === 0) add(`${pod.specPath}.securityContext.runAsUser`, 'runs as UID 0', 'set runAsUser >= 10000');
    const podSeccomp = podContext.seccompProfile?.type;
    if (podSeccomp !== undefined && !SECCOMP_OK.has(podSeccomp)) {
      add(`${pod.specPath}.securityContext.seccompProfile.type`, `seccomp profile is ${podSeccomp}`, 'set seccompProfile.type: RuntimeDefault');
    }
    for (const { container, path } of containers(pod)) {
      const ctx: KubeObject = container.securityContext ?? {};
      const name = container.name;
      if (ctx.privileged === true) add(`${path}.securityContext.privileged`, `container ${name} is privileged`, 'remove privileged');
      if (ctx.allowPrivilegeEscalation !== false) {
        add(`${path}.securityContext.allowPrivilegeEscalation`, `container ${name} does not set allowPrivilegeEscalation: false (got ${ctx.allowPrivilegeEscalation})`,
          'set securityContext.allowPrivilegeEscalation: false');
      }
      if (ctx.runAsNonRoot !== true && podContext.runAsNonRoot !== true) {
        add(`${path}.securityContext.runAsNonRoot`, `container ${name} may run as root (runAsNonRoot not true on the container or the pod)`,
          'set runAsNonRoot: true (and runAsUser >= 10000) on the pod securityContext');
      }
      if (ctx.runAsUser === 0) add(`${path}.securityContext.runAsUser`, `container ${name} runs as UID 0`, 'set runAsUser >= 10000');
      // A container inherits the pod's profile; a bad pod profile is reported once, above.
      const own = ctx.seccompProfile?.type;
      if (own !== undefined ? !SECCOMP_OK.has(own) : podSeccomp === undefined) {
        add(`${path}.securityContext.seccompProfile`, `container ${name} has seccomp profile ${own ?? 'unset'}`,
          'set seccompProfile.type: RuntimeDefault on the pod securityContext');
      }
      const caps: KubeObject = ctx.capabilities ?? {};
      if (!(caps.drop ?? []).includes('ALL')) {
        add(`${path}.securityContext.capabilities.drop`, `container ${name} does not drop ALL capabilities`, 'set capabilities.drop: [ALL]');
      }
      const added = (caps.add ?? []).filter((c: string) => c !== 'NET_BIND_SERVICE');
      if (added.length > 0) {
        add(`${path}.securityContext.capabilities.add`, `container ${name} adds ${added.join(', ')}`, 'add no capability other than NET_BIND_SERVICE');
      }
      (container.ports ?? []).forEach((port: KubeObject, i: number) => {
        if (port.hostPort) add(`${path}.ports[${i}].hostPort`, `container ${name} uses hostPort ${port.hostPort}`, 'remove hostPort; expose the port through a Service');
      });
    }
  }
  return findings;
}

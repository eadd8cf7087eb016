import { k8s } from 'cdk8s-plus-34';
import { IConstruct } from 'constructs';
import { SecretKeyRef } from './secret-ref';
import { propError } from '../internal/errors';

/** An env var read from a Secret key (a checked reference: its Secret given by name or as an object). */
export function secretEnv(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.secret?.name ?? ref.secretName!, key: ref.key } } };
}

/** All keys of a Secret as env vars, when a Secret is named. */
export function secretEnvFrom(secretName?: string): k8s.EnvFromSource[] | undefined {
  return secretName ? [{ secretRef: { name: secretName } }] : undefined;
}

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|CREDENTIAL|PRIVATE_?KEY)/i;
const SECRET_VALUE = /^(hf_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{36}|sk-[A-Za-z0-9_-]{20,}|xox[bp]-)/;

/**
 * Plain env vars, refusing what looks like a credential: those must come from a Secret, or the
 * value ends up in Git with the synthesized manifests.
 */
export function plainEnv(scope: IConstruct, prop: string, env: Record<string, string> | undefined): k8s.EnvVar[] {
  return Object.entries(env ?? {}).map(([name, value]) => {
    if (SECRET_NAME.test(name) || SECRET_VALUE.test(value)) {
      throw propError(scope, `${prop}.${name}`, '<redacted>', 'looks like a credential passed as a literal value, which would be written into the manifests',
        `put it in a Secret and pass it through secretEnv: { ${name}: { secretName: '...', key: '...' } }`);
    }
    return { name, value };
  });
}

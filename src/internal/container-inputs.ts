import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { check } from './errors';
import { SecretKeyFields, secretKeyRef } from './object-ref';
import { envVarName, finite, size } from './validate';

/** What every container prop of a construct takes: environment names, Secret references, CPU and memory. */
export interface ContainerProps {
  readonly env?: { [name: string]: string };
  readonly secretEnv?: { [name: string]: SecretKeyFields };
  readonly cpu?: number;
  readonly memory?: Size;
}

export function checkContainerProps(scope: IConstruct, props: ContainerProps): void {
  Object.keys(props.env ?? {}).forEach(name => envVarName(scope, 'env', name));
  Object.entries(props.secretEnv ?? {}).forEach(([name, ref]) => {
    envVarName(scope, 'secretEnv', name);
    secretKeyRef(scope, `secretEnv.${name}`, ref);
  });
  if (props.cpu !== undefined) {
    finite(scope, 'cpu', props.cpu, 'set cpu to the cores one replica needs, e.g. 8');
    // Kubernetes keeps CPU in millicores: below 1m is 0, and no node has a million cores.
    check(props.cpu >= 0.001 && props.cpu <= 1024, scope, 'cpu', props.cpu, 'must be from 0.001 (1 millicore) to 1024 cores', 'e.g. cpu: 8');
  }
  // A 0 or tiny limit renders as no limit or as a pod that cannot start; above a few TiB no node has it.
  if (props.memory !== undefined) size(scope, 'memory', props.memory, { min: Size.mebibytes(64), max: Size.tebibytes(16) });
}

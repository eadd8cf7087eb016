import { Chart, Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { GpuModelServiceProps } from './gpu-model-service-props';
import { checkContainerProps } from '../internal/container-inputs';
import { check } from '../internal/errors';
import { sameNamespace } from '../internal/object-ref';
import { annotationKey, dns1123Label, dns1123Subdomain, duration, finite, int, INT32_MAX, labelMap, size } from '../internal/validate';

/**
 * The input checks of GpuModelService's plain props (strings, numbers, Durations, Sizes, maps); the service's own
 * checks (parallelism, fit, probe overlap, targets) stay with it.
 */
export function checkServiceProps(scope: IConstruct, props: GpuModelServiceProps): void {
  if (props.namespace !== undefined) dns1123Label(scope, 'namespace', props.namespace, "'ml-prod'");
  if (props.servedModelName !== undefined) {
    check(typeof props.servedModelName === 'string' && /^\S+$/.test(props.servedModelName), scope, 'servedModelName', props.servedModelName,
      'must be a model name without spaces (clients send it in every request)', "e.g. servedModelName: 'llama-3.1-8b'");
  }
  for (const prop of ['replicas', 'gpuCount', 'tensorParallelSize', 'pipelineParallelSize'] as const) {
    const v = props[prop];
    if (v !== undefined && Number.isInteger(v) && v >= 1) int(scope, prop, v, 1, prop === 'replicas' ? INT32_MAX : 64, `e.g. ${prop}: 2`);
  }
  // A runtime without pipeline stages (TGI's --num-shard) would drop the split silently.
  check(props.runtime._noPipelineParallelism === undefined || (props.pipelineParallelSize ?? 1) === 1, scope, 'pipelineParallelSize', props.pipelineParallelSize,
    props.runtime._noPipelineParallelism!, 'use tensor parallelism only, or ModelRuntime.vllm() or ModelRuntime.sglang()');
  for (const prop of ['maxSurge', 'maxUnavailable'] as const) {
    const v = props[prop];
    if (v !== undefined) int(scope, prop, v, 0, INT32_MAX, `e.g. ${prop}: 1`);
  }
  checkContainerProps(scope, props);
  // Secrets and claims given as cdk8s-plus objects (secretEnv, model, modelCache) must be in the pods' namespace.
  sameNamespace(scope, props.namespace ?? Chart.of(scope).namespace, props);
  if (props.sharedMemorySize !== undefined) size(scope, 'sharedMemorySize', props.sharedMemorySize, { min: Size.mebibytes(64), max: Size.tebibytes(4) });
  if (props.priorityClassName !== undefined) dns1123Subdomain(scope, 'priorityClassName', props.priorityClassName, "'gpu-inference'");
  labelMap(scope, 'nodeSelector', props.nodeSelector);
  Object.keys(props.serviceAccountAnnotations ?? {}).forEach(k => annotationKey(scope, 'serviceAccountAnnotations key', k));
  const drain = props.drain ?? {};
  if (drain.preStopDelay !== undefined) duration(scope, 'drain.preStopDelay', drain.preStopDelay, { max: Duration.minutes(10) });
  if (drain.shutdownTimeout !== undefined) duration(scope, 'drain.shutdownTimeout', drain.shutdownTimeout, { max: Duration.hours(2) });
  const probes = props.probes ?? {};
  if (probes.startupTimeout !== undefined) duration(scope, 'probes.startupTimeout', probes.startupTimeout, { max: Duration.hours(6) });
  for (const prop of ['readinessPeriod', 'livenessPeriod', 'timeout'] as const) {
    const d = probes[prop];
    if (d !== undefined) duration(scope, `probes.${prop}`, d, { max: Duration.hours(1) });
  }
  if (probes.livenessFailureThreshold !== undefined) int(scope, 'probes.livenessFailureThreshold', probes.livenessFailureThreshold, 1, 100, 'e.g. livenessFailureThreshold: 4');
  const fp = props.footprint;
  if (fp) {
    finite(scope, 'footprint.parametersBillions', fp.parametersBillions, 'e.g. parametersBillions: 70.6 for Llama-3.1-70B');
    check(fp.parametersBillions > 0 && fp.parametersBillions <= 100_000, scope, 'footprint.parametersBillions', fp.parametersBillions,
      'must be a positive parameter count in billions', 'e.g. parametersBillions: 70.6 for Llama-3.1-70B');
    if (fp.kvCacheBudget !== undefined) size(scope, 'footprint.kvCacheBudget', fp.kvCacheBudget, { min: Size.mebibytes(1) });
  }
  const prov = props.provenance ?? {};
  for (const prop of ['trainingDataHash', 'trainingRunId', 'gitRevision'] as const) {
    const v = prov[prop];
    if (v !== undefined) check(typeof v === 'string' && /^\S+$/.test(v), scope, `provenance.${prop}`, v, 'must be a non-empty value without spaces', `set ${prop} to the exact id`);
  }
}

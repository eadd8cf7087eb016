import { checkFraction, RuntimeDefinition, RuntimeKind } from './base';
import { CudaVersion } from '../../gpu/cuda-version';
import { check } from '../../internal/errors';
import { absolutePath, port } from '../../internal/validate';

/** A server container the library does not know. */
export interface CustomRuntimeOptions {
  /** The image, pinned by digest or an explicit version tag. */
  readonly image: string;
  /** The inference port. */
  readonly port: number;
  /** @default - the image's entrypoint */
  readonly command?: string[];
  /**
   * Arguments. The literal `{{modelPath}}` is replaced by the model directory.
   * @default - none
   */
  readonly args?: string[];
  /** Liveness path. */
  readonly livenessPath: string;
  /** @default - the liveness path */
  readonly readinessPath?: string;
  /** @default '/metrics' */
  readonly metricsPath?: string;
  /** @default - the inference port */
  readonly metricsPort?: number;
  /** @default - none */
  readonly env?: { [name: string]: string };
  /** @default ['/tmp'] */
  readonly writablePaths?: string[];
  /** @default 1 */
  readonly gpuMemoryUtilization?: number;
  /**
   * The CUDA version the image was built with; required while the service schedules by driver version.
   * @default - unknown
   * @see https://docs.nvidia.com/deploy/cuda-compatibility/
   */
  readonly cudaVersion?: CudaVersion;
}

/** Any server container: the user gives its image, port, args and health paths. */
export function customRuntime(options: CustomRuntimeOptions): RuntimeDefinition {
  const where = 'ModelRuntime.custom';
  const util = options.gpuMemoryUtilization ?? 1;
  checkFraction(where, 'gpuMemoryUtilization', util);
  port(undefined, `${where}.port`, options.port);
  if (options.metricsPort !== undefined) port(undefined, `${where}.metricsPort`, options.metricsPort);
  for (const [prop, path] of [['livenessPath', options.livenessPath], ['readinessPath', options.readinessPath], ['metricsPath', options.metricsPath]]) {
    if (path !== undefined || prop === 'livenessPath') {
      check(typeof path === 'string' && /^\/\S*$/.test(path), undefined, `${where}.${prop}`, path, 'must be an HTTP path starting with "/"', "e.g. '/health'");
    }
  }
  (options.writablePaths ?? []).forEach((p, i) => absolutePath(undefined, `${where}.writablePaths[${i}]`, p, "'/tmp'"));
  return {
    kind: RuntimeKind.CUSTOM,
    where,
    options: { image: options.image, env: options.env, cudaVersion: options.cudaVersion },
    render: b => ({
      image: options.image,
      command: options.command,
      args: (options.args ?? []).map(a => a.split('{{modelPath}}').join(b.modelPath)),
      env: {},
      port: options.port,
      // A separate metrics port must be declared on the container, or a PodMonitor cannot select it.
      extraPorts: options.metricsPort !== undefined && options.metricsPort !== options.port ? { metrics: options.metricsPort } : undefined,
      livenessPath: options.livenessPath,
      readinessPath: options.readinessPath ?? options.livenessPath,
      metricsPath: options.metricsPath ?? '/metrics',
      metricsPort: options.metricsPort ?? options.port,
      writablePaths: options.writablePaths ?? ['/tmp'],
      gpuMemoryUtilization: util,
      bundlesHuggingFaceHub: false,
    }),
    // What a custom server exports is unknown: gates and alerts need the user's metric names.
    series: () => ({}),
    // The image may be distroless: the user picks the preStop handler.
    imageHasSleep: false,
    singleNodeReason: 'the library does not know how a custom server starts across nodes',
  };
}

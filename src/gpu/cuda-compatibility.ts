import { k8s } from 'cdk8s-plus-34';
import { IConstruct } from 'constructs';
import { Accelerator } from './accelerator';
import { CudaVersion } from './cuda-version';
import { check, propError } from '../internal/errors';

/** GFD node labels of the driver's major version: the current name first, then the deprecated one older releases emit. */
export const DRIVER_MAJOR_LABELS: readonly string[] = ['nvidia.com/cuda.driver-version.major', 'nvidia.com/cuda.driver.major'];

/** What a GPU pod's node affinity must require so that the node's driver can run the image. */
export interface DriverRequirementOptions {
  /** The CUDA version of the server image, when known. */
  readonly cudaVersion?: CudaVersion;
  /** The prop that sets the image, for the error when its CUDA version is unknown. */
  readonly imageProp: string;
  /** The image, for the error. */
  readonly image: string;
  /** The GPU product. */
  readonly accelerator: Accelerator;
  /** The image carries `cuda-compat`: accept the older drivers forward compatibility supports. */
  readonly forwardCompatibility: boolean;
}

/**
 * Node selector terms that admit only nodes whose driver runs the image: one term per generation of GFD's driver
 * label (terms are ORed, so each repeats `base`, the GPU product requirements). `Gt` compares integer label values.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity
 * @see https://github.com/NVIDIA/k8s-device-plugin/blob/main/docs/gpu-feature-discovery/README.md
 */
export function driverSelectorTerms(scope: IConstruct, base: k8s.NodeSelectorRequirement[],
  options: DriverRequirementOptions): k8s.NodeSelectorTerm[] {
  const cuda = options.cudaVersion;
  if (!cuda) {
    throw propError(scope, `${options.imageProp}`, options.image, 'has no known CUDA version, so the pods cannot be kept off nodes whose driver is too old for it',
      'state the image\'s CUDA version (cudaVersion: CudaVersion.of(12, 8)), or set driverAwareScheduling: false');
  }
  cuda.check(scope, 'runtime.cudaVersion');
  check(!options.forwardCompatibility || options.accelerator.dataCenter, scope, 'cudaForwardCompatibility', true,
    `forward compatibility (cuda-compat) works only on data-center GPUs, and ${options.accelerator.name} is not one`,
    'drop cudaForwardCompatibility and run on nodes with a driver of at least '
    + `${cuda.minimumDriver(false)} for CUDA ${cuda}, or use a data-center accelerator`);
  const atLeast = String(cuda.minimumDriver(options.forwardCompatibility) - 1);
  return DRIVER_MAJOR_LABELS.map(key => ({ matchExpressions: [...base, { key, operator: 'Gt', values: [atLeast] }] }));
}

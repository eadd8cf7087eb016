import { IConstruct } from 'constructs';
import { check } from '../internal/errors';

/**
 * The oldest driver branch that runs any CUDA release of a major version under minor-version compatibility
 * (CUDA 11 and later): an image built with CUDA 12.8 runs on driver 525, without the newest features
 * (PTX JIT of newer code) and, in nvidia-container-toolkit's legacy mode, only where the image's
 * `NVIDIA_REQUIRE_CUDA` admits the driver.
 * @see https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html
 */
const MINOR_VERSION_DRIVER: Record<number, number> = { 11: 450, 12: 525, 13: 580 };

/**
 * The oldest base driver the forward-compatibility package (`cuda-compat-<major>-<minor>`) supports, on data-center
 * GPUs only: R470 for the CUDA 12 and 13 NGC containers (their release notes, e.g. Triton 25.08 on CUDA 13.0), R450
 * for CUDA 11. Branches NVIDIA stopped supporting in between are not told apart by the labels.
 * @see https://docs.nvidia.com/deploy/cuda-compatibility/forward-compatibility.html
 * @see https://docs.nvidia.com/deeplearning/triton-inference-server/release-notes/rel-25-08.html
 */
const FORWARD_COMPAT_DRIVER: Record<number, number> = { 11: 450, 12: 470, 13: 470 };

/**
 * The CUDA version a server image was built with, which decides the oldest NVIDIA driver that can run it.
 */
export class CudaVersion {
  /** CUDA 12.4 (e.g. `nvidia/cuda:12.4.x` base images). */
  public static readonly CUDA_12_4 = CudaVersion.of(12, 4);
  /** CUDA 12.8 (vLLM's images from v0.9.0; PyTorch cu128 wheels). */
  public static readonly CUDA_12_8 = CudaVersion.of(12, 8);
  /** CUDA 12.9. */
  public static readonly CUDA_12_9 = CudaVersion.of(12, 9);
  /** CUDA 13.0 (NGC containers from 25.08). */
  public static readonly CUDA_13_0 = CudaVersion.of(13, 0);

  /** A CUDA release, e.g. `CudaVersion.of(12, 8)`. Majors 11 to 13 are known. */
  public static of(major: number, minor: number): CudaVersion {
    return new CudaVersion(major, minor);
  }

  private constructor(public readonly major: number, public readonly minor: number) {}

  /** e.g. `12.8`. */
  public toString(): string {
    return `${this.major}.${this.minor}`;
  }

  /**
   * The oldest driver branch (major version) that runs this CUDA version.
   * @param forwardCompatible the image carries the `cuda-compat` package (data-center GPUs only)
   */
  public minimumDriver(forwardCompatible: boolean): number {
    return (forwardCompatible ? FORWARD_COMPAT_DRIVER : MINOR_VERSION_DRIVER)[this.major];
  }

  /** Checks the version where it is used (factories defer their checks to bind time). */
  public check(scope: IConstruct, prop: string): void {
    check(Number.isInteger(this.major) && Number.isInteger(this.minor) && this.minor >= 0 && this.major in MINOR_VERSION_DRIVER,
      scope, prop, this.toString(), `is not a CUDA release with known driver rules (majors ${Object.keys(MINOR_VERSION_DRIVER).join(', ')})`,
      'give the CUDA version the image was built with, e.g. CudaVersion.of(12, 8) (see the image\'s NVIDIA_REQUIRE_CUDA or its base image tag)');
  }
}


import { Size } from 'cdk8s';

/**
 * The numeric precision the weights are served in: how many bytes one parameter takes.
 */
export enum Precision {
  /** 32-bit floats: 4 bytes per parameter. */
  FP32 = 'fp32',
  /** bfloat16: 2 bytes per parameter (the usual serving precision). */
  BF16 = 'bf16',
  /** IEEE half: 2 bytes per parameter. */
  FP16 = 'fp16',
  /** FP8 (Hopper and later): 1 byte per parameter. */
  FP8 = 'fp8',
  /** 8-bit integer quantization: 1 byte per parameter. */
  INT8 = 'int8',
  /** 4-bit quantization (AWQ, GPTQ, NVFP4): half a byte per parameter. */
  INT4 = 'int4',
}

const BYTES_PER_PARAMETER: Record<Precision, number> = {
  [Precision.FP32]: 4,
  [Precision.BF16]: 2,
  [Precision.FP16]: 2,
  [Precision.FP8]: 1,
  [Precision.INT8]: 1,
  [Precision.INT4]: 0.5,
};

/**
 * The size of a model in GPU memory, for the fit check done at synth time.
 */
export interface ModelFootprint {
  /** Parameter count in billions, e.g. `70.6` for Llama-3.1-70B. */
  readonly parametersBillions: number;
  /**
   * The precision the weights are loaded in.
   * @default Precision.BF16
   */
  readonly precision?: Precision;
  /**
   * GPU memory to keep for the KV cache across the whole replica (all its GPUs). The weights plus this
   * must fit in the memory the runtime may use.
   * @default - no reservation: only the weights are checked
   */
  readonly kvCacheBudget?: Size;
}

/** Bytes the weights of a model take. */
export function weightBytes(footprint: ModelFootprint): number {
  return footprint.parametersBillions * 1e9 * BYTES_PER_PARAMETER[footprint.precision ?? Precision.BF16];
}

/** Bytes of GPU memory a footprint needs: weights plus the KV-cache budget. */
export function requiredBytes(footprint: ModelFootprint): number {
  return weightBytes(footprint) + (footprint.kvCacheBudget?.toMebibytes() ?? 0) * 2 ** 20;
}

/** Bytes rendered in GiB with one decimal, for error messages. */
export function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

import { Size } from 'cdk8s';
import { check, deferFactoryChecks } from '../internal/errors';
import { int, labelValue, MIG_PROFILE, nonEmpty, size } from '../internal/validate';

/**
 * Properties of a GPU product.
 */
export interface AcceleratorOptions {
  /** A short human name, e.g. `H100 SXM`. */
  readonly name: string;
  /**
   * The value NVIDIA GPU Feature Discovery puts in the `nvidia.com/gpu.product` node label
   * (the `nvidia-smi` product name with spaces replaced by `-`).
   * @see https://github.com/NVIDIA/k8s-device-plugin/blob/main/docs/gpu-feature-discovery/README.md
   */
  readonly gfdProduct: string;
  /**
   * Usable framebuffer memory of one GPU, as GFD reports it in `nvidia.com/gpu.memory`.
   */
  readonly memory: Size;
  /**
   * Whether the GPUs of one node are connected all-to-all by NVLink/NVSwitch. Tensor parallelism
   * across GPUs without it goes over PCIe and is slow.
   */
  readonly nvlink: boolean;
  /**
   * The most GPUs of this product one node carries: the upper bound of tensor parallelism.
   * @default 8
   */
  readonly maxGpusPerNode?: number;
  /**
   * The MIG profiles the product supports (e.g. `1g.10gb`); empty when it has no MIG.
   * @default - no MIG support
   * @see https://docs.nvidia.com/datacenter/tesla/mig-user-guide/
   */
  readonly migProfiles?: string[];
  /**
   * Whether it is an NVIDIA data-center GPU, the only kind CUDA forward compatibility (`cuda-compat`) supports.
   * @default false
   * @see https://docs.nvidia.com/deploy/cuda-compatibility/forward-compatibility.html
   */
  readonly dataCenter?: boolean;
}

/**
 * A GPU product: what it is called in node labels, how much memory it has, whether it has NVLink.
 *
 * Memory figures are what GFD reports on common instances; use `Accelerator.custom()` for others.
 */
export class Accelerator {
  /** NVIDIA A10G 24 GB (AWS g5), PCIe only. */
  public static readonly A10G = new Accelerator({ name: 'A10G', gfdProduct: 'NVIDIA-A10G', memory: Size.mebibytes(23028), nvlink: false, dataCenter: true });
  /** NVIDIA L4 24 GB, PCIe only. */
  public static readonly L4 = new Accelerator({ name: 'L4', gfdProduct: 'NVIDIA-L4', memory: Size.mebibytes(23034), nvlink: false, dataCenter: true });
  /** NVIDIA L40S 48 GB, PCIe only. */
  public static readonly L40S = new Accelerator({ name: 'L40S', gfdProduct: 'NVIDIA-L40S', memory: Size.mebibytes(46068), nvlink: false, dataCenter: true });
  /** NVIDIA A100 SXM4 40 GB, NVLink. */
  public static readonly A100_40GB = new Accelerator({
    name: 'A100 40GB',
    gfdProduct: 'NVIDIA-A100-SXM4-40GB',
    memory: Size.mebibytes(40960),
    nvlink: true,
    dataCenter: true,
    migProfiles: ['1g.5gb', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb'],
  });
  /** NVIDIA A100 SXM4 80 GB, NVLink. */
  public static readonly A100_80GB = new Accelerator({
    name: 'A100 80GB',
    gfdProduct: 'NVIDIA-A100-SXM4-80GB',
    memory: Size.mebibytes(81920),
    nvlink: true,
    dataCenter: true,
    migProfiles: ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
  });
  /** NVIDIA H100 SXM5 80 GB HBM3, NVLink/NVSwitch. */
  public static readonly H100_SXM = new Accelerator({
    name: 'H100 SXM',
    gfdProduct: 'NVIDIA-H100-80GB-HBM3',
    memory: Size.mebibytes(81559),
    nvlink: true,
    dataCenter: true,
    migProfiles: ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
  });
  /** NVIDIA H100 PCIe 80 GB: NVLink bridges pair at most two GPUs, so it counts as PCIe for tensor parallelism. */
  public static readonly H100_PCIE = new Accelerator({
    name: 'H100 PCIe',
    gfdProduct: 'NVIDIA-H100-PCIe',
    memory: Size.mebibytes(81559),
    nvlink: false,
    dataCenter: true,
    migProfiles: ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
  });
  /** NVIDIA H200 SXM 141 GB HBM3e, NVLink/NVSwitch. */
  public static readonly H200 = new Accelerator({
    name: 'H200',
    gfdProduct: 'NVIDIA-H200',
    memory: Size.mebibytes(143771),
    nvlink: true,
    dataCenter: true,
    migProfiles: ['1g.18gb', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb'],
  });
  /** NVIDIA B200 180 GB HBM3e, NVLink 5/NVSwitch. */
  public static readonly B200 = new Accelerator({
    name: 'B200',
    gfdProduct: 'NVIDIA-B200',
    memory: Size.mebibytes(183359),
    nvlink: true,
    dataCenter: true,
    migProfiles: ['1g.23gb', '1g.45gb', '2g.45gb', '3g.90gb', '4g.90gb', '7g.180gb'],
  });

  /** Every product in the built-in catalog. */
  public static catalog(): Accelerator[] {
    return [Accelerator.A10G, Accelerator.L4, Accelerator.L40S, Accelerator.A100_40GB, Accelerator.A100_80GB,
      Accelerator.H100_SXM, Accelerator.H100_PCIE, Accelerator.H200, Accelerator.B200];
  }

  /** A product that is not in the catalog. */
  public static custom(props: AcceleratorOptions): Accelerator {
    const where = 'Accelerator.custom';
    nonEmpty(undefined, `${where}.name`, props.name, "e.g. name: 'RTX 6000 Ada'");
    // The label value GFD writes: the nvidia-smi product name with spaces as "-".
    check(typeof props.gfdProduct === 'string' && props.gfdProduct !== '' && !/\s/.test(props.gfdProduct), undefined, `${where}.gfdProduct`, props.gfdProduct,
      'must be the GFD label value, without spaces', "use the nvidia-smi product name with spaces replaced by '-'");
    labelValue(undefined, `${where}.gfdProduct`, props.gfdProduct);
    size(undefined, `${where}.memory`, props.memory, { min: Size.gibibytes(1), max: Size.tebibytes(1) });
    int(undefined, `${where}.maxGpusPerNode`, props.maxGpusPerNode ?? 8, 1, 64, 'e.g. maxGpusPerNode: 8');
    (props.migProfiles ?? []).forEach((p, i) => check(MIG_PROFILE.test(p), undefined, `${where}.migProfiles[${i}]`, p,
      'is not a MIG profile name', 'use the form <slices>g.<memory>gb, e.g. 1g.10gb'));
    return new Accelerator(props);
  }

  /** A short human name. */
  public readonly name: string;
  /** The `nvidia.com/gpu.product` label value. */
  public readonly gfdProduct: string;
  /** Usable memory of one GPU. */
  public readonly memory: Size;
  /** Whether the GPUs of one node are connected all-to-all by NVLink. */
  public readonly nvlink: boolean;
  /** The most GPUs of this product one node carries. */
  public readonly maxGpusPerNode: number;
  /** Supported MIG profiles. */
  public readonly migProfiles: string[];
  /** Whether it is a data-center GPU (CUDA forward compatibility works only there). */
  public readonly dataCenter: boolean;

  private constructor(props: AcceleratorOptions) {
    const max = props.maxGpusPerNode ?? 8;
    this.name = props.name;
    this.gfdProduct = props.gfdProduct;
    this.memory = props.memory;
    this.nvlink = props.nvlink;
    this.maxGpusPerNode = max;
    this.migProfiles = props.migProfiles ?? [];
    this.dataCenter = props.dataCenter ?? false;
  }
}

deferFactoryChecks(Accelerator);

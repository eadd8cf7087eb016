import { Size } from 'cdk8s';

import { check, deferFactoryChecks } from '../internal/errors';
import { MIG_PROFILE } from '../internal/validate';

/**
 * A Multi-Instance GPU profile, exposed by the NVIDIA device plugin's `mixed` MIG strategy as the
 * extended resource `nvidia.com/mig-<profile>`.
 *
 * @see https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/gpu-operator-mig.html
 */
export class MigProfile {
  /** One seventh of an 80 GB A100/H100 with 10 GB. */
  public static readonly PROFILE_1G_10GB = MigProfile.of('1g.10gb');
  /** Two sevenths of an 80 GB A100/H100 with 20 GB. */
  public static readonly PROFILE_2G_20GB = MigProfile.of('2g.20gb');
  /** Three sevenths of an 80 GB A100/H100 with 40 GB. */
  public static readonly PROFILE_3G_40GB = MigProfile.of('3g.40gb');

  /** A profile by its name, e.g. `1g.10gb`. */
  public static of(profile: string): MigProfile {
    const m = MIG_PROFILE.exec(profile);
    check(!!m, undefined, 'MigProfile.of.profile', profile, 'is not a MIG profile name', 'use the form <slices>g.<memory>gb, e.g. 1g.10gb');
    // Profile names count decimal gigabytes.
    return new MigProfile(profile, Size.mebibytes(Math.floor(Number(m![2]) * 1e9 / 2 ** 20)));
  }

  /** The extended resource name the device plugin advertises. */
  public readonly resourceName: string;

  private constructor(
    /** The profile name, e.g. `1g.10gb`. */
    public readonly profile: string,
    /** The memory of one instance. */
    public readonly memory: Size,
  ) {
    this.resourceName = `nvidia.com/mig-${profile}`;
  }
}

deferFactoryChecks(MigProfile);

import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { deferFactoryChecks } from '../internal/errors';
import { sizeQuantity } from '../internal/quantity';
import { objectRef, size as checkSize } from '../internal/validate';

/** Options of an emptyDir model cache. */
export interface EmptyDirCacheOptions {
  /**
   * The most the downloaded model may take on the node's disk.
   * @default - the weights' size plus 20% when the service knows its footprint, else no limit
   */
  readonly sizeLimit?: Size;
}

/**
 * The volume a downloaded model is written to before the server starts.
 */
export abstract class ModelCache {
  /** A fresh emptyDir per pod: every pod downloads the model again, nothing is shared. */
  public static emptyDir(options: EmptyDirCacheOptions = {}): ModelCache {
    // Below 1 MiB the quantity would round to 0, which Kubernetes reads as "no limit".
    if (options.sizeLimit !== undefined) checkSize(undefined, 'ModelCache.emptyDir.sizeLimit', options.sizeLimit, { min: Size.mebibytes(1) });
    return new VolumeCache(defaultSize => ({ name: 'model', emptyDir: { sizeLimit: sizeOrUndefined(options.sizeLimit ?? defaultSize) } }));
  }

  /**
   * An existing PersistentVolumeClaim kept across pod restarts: the downloader skips files already present.
   * With ReadWriteOnce only one node can mount it, so use ReadWriteMany for more than one replica.
   */
  public static persistentVolumeClaim(claimName: string): ModelCache {
    objectRef(undefined, 'ModelCache.persistentVolumeClaim.claimName', claimName, 'PersistentVolumeClaim');
    return new VolumeCache(() => ({ name: 'model', persistentVolumeClaim: { claimName } }));
  }

  /** The volume named `model`, given the size the service expects the model to take. */
  public abstract volume(expectedSize?: Size): k8s.Volume;
}

deferFactoryChecks(ModelCache);

class VolumeCache extends ModelCache {
  constructor(private readonly render: (expectedSize?: Size) => k8s.Volume) {
    super();
  }

  public volume(expectedSize?: Size): k8s.Volume {
    return this.render(expectedSize);
  }
}

function sizeOrUndefined(size?: Size): k8s.Quantity | undefined {
  return size ? sizeQuantity(size) : undefined;
}

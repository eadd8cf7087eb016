import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { renderSharedCache, SharedCacheMount, SharedCacheRequest } from './model-cache-fill';
import { SharedModelCacheOptions } from './shared-model-cache';
import { check, deferFactoryChecks } from '../internal/errors';
import { recordReferences, referencedName } from '../internal/object-ref';
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

  /**
   * `persistentVolumeClaim` with the claim as a cdk8s-plus object (`new kplus.PersistentVolumeClaim(...)`), which must
   * be in the service's namespace.
   */
  public static fromPersistentVolumeClaim(claim: kplus.IPersistentVolumeClaim): ModelCache {
    const where = 'ModelCache.fromPersistentVolumeClaim.claim';
    check(claim !== undefined && claim !== null, undefined, where, claim, 'is missing', "pass a kplus.PersistentVolumeClaim, or name the claim with ModelCache.persistentVolumeClaim('models')");
    const claimName = referencedName(undefined, { nameProp: 'ModelCache.persistentVolumeClaim.claimName', objectProp: where, object: claim, kind: 'PersistentVolumeClaim' })!;
    return recordReferences(ModelCache.persistentVolumeClaim(claimName), [[where, claim]]);
  }

  /**
   * A shared, versioned cache: one ReadWriteMany PersistentVolumeClaim per service, one directory per model version,
   * filled once per version by a Job that verifies it against the pinned version; the pods mount their version
   * read-only and load it, nothing downloads at pod start. Old versions are pruned to `keepVersions`.
   * In a `DeliveryEnvironment` the claim and the Job sync in the `MODEL_CACHE` wave, before the workload.
   * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes
   */
  public static shared(options: SharedModelCacheOptions): ModelCache {
    return new SharedCache(options);
  }

  /** The volume named `model`, given the size the service expects the model to take. */
  public abstract volume(expectedSize?: Size): k8s.Volume;

  /**
   * Renders a shared cache's claim and fill Job under `scope`; a per-pod cache has none.
   * @internal
   */
  public _share(_scope: Construct, _request: SharedCacheRequest): SharedCacheMount | undefined {
    return undefined;
  }
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

class SharedCache extends ModelCache {
  constructor(private readonly options: SharedModelCacheOptions) {
    super();
  }

  public volume(): k8s.Volume {
    throw new Error('ModelCache.shared: volume: a shared cache is rendered by the service it is given to (got a direct call). Fix: pass it as modelCache of a GpuModelService.');
  }

  public _share(scope: Construct, request: SharedCacheRequest): SharedCacheMount {
    return renderSharedCache(scope, this.options, request);
  }
}

function sizeOrUndefined(size?: Size): k8s.Quantity | undefined {
  return size ? sizeQuantity(size) : undefined;
}

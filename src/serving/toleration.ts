import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { check, deferFactoryChecks } from '../internal/errors';
import { duration, INT32_MAX, labelKey, labelValue, oneOf } from '../internal/validate';

/** What a node taint does to pods that do not tolerate it. */
export enum TaintEffect {
  /** New pods are not scheduled on the node. */
  NO_SCHEDULE = 'NoSchedule',
  /** The scheduler avoids the node when it can. */
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  /** New pods are not scheduled and running pods are evicted. */
  NO_EXECUTE = 'NoExecute',
}

/** Options of a toleration. */
export interface TolerationOptions {
  /**
   * The taint effect tolerated.
   * @default - every effect
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
   */
  readonly effect?: TaintEffect;
  /**
   * How long the pod stays on a node after a `NoExecute` taint appears (`tolerationSeconds`, whole seconds).
   * Only with `effect: TaintEffect.NO_EXECUTE`.
   * @default - the pod stays as long as the taint does
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
   */
  readonly evictAfter?: Duration;
}

/**
 * A toleration of node taints, in addition to the `nvidia.com/gpu:NoSchedule` one every GPU pod gets.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
 */
export class Toleration {
  /** Tolerates the taint `key`, whatever its value (`operator: Exists`). */
  public static exists(key: string, options: TolerationOptions = {}): Toleration {
    labelKey(undefined, 'Toleration.exists.key', key, 'taint key');
    return new Toleration('Toleration.exists', { key, operator: 'Exists' }, options);
  }

  /** Tolerates the taint `key` with this `value` (`operator: Equal`). */
  public static equal(key: string, value: string, options: TolerationOptions = {}): Toleration {
    labelKey(undefined, 'Toleration.equal.key', key, 'taint key');
    labelValue(undefined, 'Toleration.equal.value', value);
    return new Toleration('Toleration.equal', { key, operator: 'Equal', value }, options);
  }

  /** Tolerates every taint (`operator: Exists` without a key), e.g. for a dedicated node pool. */
  public static all(options: TolerationOptions = {}): Toleration {
    return new Toleration('Toleration.all', { operator: 'Exists' }, options);
  }

  private readonly toleration: k8s.Toleration;

  private constructor(where: string, base: k8s.Toleration, options: TolerationOptions) {
    if (options.effect !== undefined) oneOf(undefined, `${where}.effect`, options.effect, Object.values(TaintEffect));
    let seconds: number | undefined;
    if (options.evictAfter !== undefined) {
      check(options.effect === TaintEffect.NO_EXECUTE, undefined, `${where}.evictAfter`, options.evictAfter, 'only applies with effect NoExecute',
        'set effect: TaintEffect.NO_EXECUTE, or drop evictAfter');
      seconds = duration(undefined, `${where}.evictAfter`, options.evictAfter, { max: Duration.seconds(INT32_MAX) });
      check(Number.isInteger(seconds), undefined, `${where}.evictAfter`, options.evictAfter, 'must be whole seconds', 'e.g. Duration.minutes(5)');
    }
    this.toleration = { ...base, effect: options.effect, tolerationSeconds: seconds };
  }

  /** @internal */
  public _render(): k8s.Toleration {
    return this.toleration;
  }
}

deferFactoryChecks(Toleration);

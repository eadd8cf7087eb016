import { ApiObject, Chart, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';

/**
 * The one error shape the library throws for bad input: `[construct path] prop: problem (got value). Fix: fix`.
 * Value-class factories have no construct yet: their errors carry no path until a construct binds the value
 * (see `deferChecks` and `bindInputs`), which adds it exactly once.
 */
export class InputError extends Error {
  constructor(
    public readonly path: string | undefined,
    public readonly prop: string,
    public readonly value: unknown,
    public readonly problem: string,
    public readonly fix: string,
  ) {
    super(`${path !== undefined ? `[${path}] ` : ''}${prop}: ${problem} (got ${describe(value)}). Fix: ${fix}`);
    this.name = 'InputError';
  }

  /** The same error, reported by the construct at `scope`; an error that names a construct already is kept. */
  public at(scope: IConstruct): InputError {
    return this.path !== undefined ? this : new InputError(scope.node.path, this.prop, this.value, this.problem, this.fix);
  }
}

/** Builds an InputError for the construct at `scope` (or for a factory, without one). */
export function propError(scope: IConstruct | undefined, prop: string, value: unknown, problem: string, fix: string): InputError {
  return new InputError(scope?.node.path, prop, value, problem, fix);
}

/** How a received value is printed: strings quoted, NaN and Infinity as such, Durations and Sizes readable. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || value === undefined) return String(value);
  if (value instanceof Duration) return durationText(value);
  if (value instanceof Size) return `${value.toKibibytes({ rounding: SizeRoundingBehavior.NONE })} KiB`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'object' && value !== null && 'toString' in value && value.toString !== Object.prototype.toString) {
    return String(value);
  }
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

function durationText(d: Duration): string {
  const ms = d.toMilliseconds({ integral: false });
  // toHumanString renders NaN as an empty string, and drops the sub-second part of longer durations.
  if (!Number.isFinite(ms)) return `${ms} ms`;
  if (ms % 1000 === 0) return JSON.stringify(d.toHumanString());
  if (Math.abs(ms) < 1000) return JSON.stringify(`${ms} ms`);
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
    rest -= n * size;
  }
  return JSON.stringify([...parts, `${Number((rest / 1000).toPrecision(12))} seconds`].join(' '));
}

/** Throws a propError when `ok` is false. */
export function check(ok: boolean, scope: IConstruct | undefined, prop: string, value: unknown, problem: string, fix: string): void {
  if (!ok) throw propError(scope, prop, value, problem, fix);
}

// A factory's first problem rides on the value it returns until a construct binds the value.
const DEFERRED = Symbol.for('cdk8s-mlops.deferred-input-error');

function markDeferred<T>(value: T, problem: InputError): T {
  if (typeof value === 'object' && value !== null && !(DEFERRED in value)) {
    Object.defineProperty(value, DEFERRED, { value: problem, enumerable: false });
  }
  return value;
}

/**
 * Makes every static factory of a value class keep its checks but defer their error: a factory whose checks
 * fail returns an empty instance carrying the problem, and a factory given such a value (or a value holding
 * one) carries it on; the construct that binds the value throws it with its construct path (`bindInputs`).
 * Call once after the class declaration.
 */
export function deferFactoryChecks(cls: { readonly prototype: object }): void {
  for (const key of Object.getOwnPropertyNames(cls)) {
    const desc = Object.getOwnPropertyDescriptor(cls, key)!;
    if (typeof desc.value !== 'function' || !desc.writable) continue;
    const factory: (...args: unknown[]) => unknown = desc.value;
    Object.defineProperty(cls, key, {
      ...desc,
      value: function deferred(this: unknown, ...args: unknown[]): unknown {
        let value: unknown;
        try {
          value = factory.apply(this, args);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          return markDeferred(refuse(Object.create(cls.prototype), e), e);
        }
        const inherited = deferredProblem(args);
        return inherited && typeof value === 'object' && value !== null ? markDeferred(refuse(value, inherited), inherited) : value;
      },
    });
  }
}

/**
 * Methods of value classes that some subclasses implement but the base class only declares (TypeScript emits
 * nothing for an abstract method): a refused value has them too.
 */
const ABSTRACT_METHODS = ['bind', '_bind', 'volume', '_metricCatalog'];

/**
 * Makes a refused value (the empty instance a refused factory returns, or a value holding one) throw the
 * factory's problem from its methods (e.g. `bind`, called directly outside a construct), with the path of a
 * construct among their arguments, rather than a TypeError on the missing state.
 */
function refuse(value: object, problem: InputError): object {
  if (DEFERRED in value) return value;
  const methods = new Set(ABSTRACT_METHODS);
  for (let p = Object.getPrototypeOf(value); p !== Object.prototype && p !== null; p = Object.getPrototypeOf(p)) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (key !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, key)!.value === 'function') methods.add(key);
    }
  }
  methods.delete('toString');
  Object.defineProperty(value, 'toString', { enumerable: false, value: () => `(refused: ${problem.prop})` });
  for (const key of methods) {
    Object.defineProperty(value, key, {
      enumerable: false,
      value: (...args: unknown[]) => {
        const scope = args.find(a => Construct.isConstruct(a)) as IConstruct | undefined;
        throw scope ? problem.at(scope) : problem;
      },
    });
  }
  return value;
}

/** The problem a factory found in the arguments of `value` (or of a value it holds), if any. */
export function deferredProblem(value: unknown): InputError | undefined {
  return findDeferred(value, new Set(), 0);
}

function findDeferred(value: unknown, seen: Set<object>, depth: number): InputError | undefined {
  if (typeof value !== 'object' || value === null || seen.has(value) || depth > 8) return undefined;
  seen.add(value);
  // Constructs and cdk8s values are bound elsewhere or hold no factory values.
  if (Construct.isConstruct(value) || value instanceof Duration || value instanceof Size) return undefined;
  const own = (value as { [DEFERRED]?: InputError })[DEFERRED];
  if (own) return own;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    const found = findDeferred(v, seen, depth + 1);
    if (found) return found;
  }
  return undefined;
}

const DUPLICATE_CHECK = Symbol.for('cdk8s-mlops.duplicate-object-check');

/** Per app: how many library constructs bound their inputs, and the last result of the duplicate check. */
interface DuplicateCheck {
  bound: number;
  result?: { readonly bound: number; readonly charts: number; readonly errors: string[] };
}

/**
 * Called by every construct on its props (and by methods that take value classes): throws the first problem a
 * factory found, now with this construct's path, and makes sure the app is checked for duplicate objects.
 */
export function bindInputs(scope: IConstruct, ...values: unknown[]): void {
  const problem = deferredProblem(values);
  if (problem) throw problem.at(scope);
  // One check per app, on the first chart that holds a library construct: one pass over the tree, not one per chart.
  const root = scope.node.root as IConstruct & { [DUPLICATE_CHECK]?: DuplicateCheck };
  let state = root[DUPLICATE_CHECK];
  if (!state) {
    state = { bound: 0 };
    Object.defineProperty(root, DUPLICATE_CHECK, { value: state, enumerable: false });
    const checked = state;
    Chart.of(scope).node.addValidation({ validate: () => duplicateObjects(root, checked) });
  }
  state.bound++;
}

/**
 * Objects of one apiVersion, kind, namespace and name anywhere in the app: the second one would overwrite the
 * first on apply. Runs in cdk8s's validate phase, reads the tree and never changes it; each message names both
 * construct paths. A plain cdk8s App validates the whole app again for every chart it synthesizes, so the result
 * is kept until a library construct or a chart is added (objects added by hand in between are seen at the next one).
 */
function duplicateObjects(root: IConstruct, state: DuplicateCheck): string[] {
  const charts = root.node.children.length;
  if (state.result && state.result.bound === state.bound && state.result.charts === charts) return state.result.errors;
  const first = new Map<string, string>();
  const errors: string[] = [];
  for (const o of root.node.findAll()) {
    if (!ApiObject.isApiObject(o)) continue;
    const key = `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.name}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, o.node.path);
    } else {
      // cdk8s prefixes the path of the chart that holds this check.
      errors.push(`${o.kind}: is a duplicate object: ${earlier} and ${o.node.path} both render ${key} (got ${JSON.stringify(o.name)}). `
        + 'Fix: give one of them another name or namespace; the second would overwrite the first on apply.');
    }
  }
  state.result = { bound: state.bound, charts, errors };
  return errors;
}

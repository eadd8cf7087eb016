import * as kplus from 'cdk8s-plus-34';
import { Construct, IConstruct } from 'constructs';
import { check } from './errors';
import { objectRef } from './validate';

/**
 * References to objects a pod uses (Secrets, ServiceAccounts, ConfigMaps, PersistentVolumeClaims), given either by
 * name or as the cdk8s-plus object. One pattern across the library: a `<x>Name` string prop beside a `<x>` object
 * prop, at most one of them (exactly one when the reference is required).
 */
type Scope = IConstruct | undefined;

/** One reference: the name prop and the object prop with what was given for each. */
export interface NameOrObject {
  /** The prop of the name, e.g. `ModelSource.s3.credentialsSecretName`. */
  readonly nameProp: string;
  readonly name?: string;
  /** The prop of the cdk8s-plus object, e.g. `ModelSource.s3.credentialsSecret`. */
  readonly objectProp: string;
  readonly object?: kplus.IResource;
  /** The Kubernetes kind, e.g. `Secret`. */
  readonly kind: string;
  /** Whether one of the two must be given. */
  readonly required?: boolean;
}

/**
 * The referenced object's name, checked as a name given directly is; undefined when neither is given (and none is
 * required). The object must be of the expected kind (JavaScript callers can pass any object).
 */
export function referencedName(scope: Scope, ref: NameOrObject): string | undefined {
  const either = `give the ${ref.kind} either by name (${ref.nameProp}) or as a cdk8s-plus object (${ref.objectProp})`;
  check(ref.name === undefined || ref.object === undefined, scope, ref.objectProp, ref.object,
    `is given together with ${ref.nameProp} ${JSON.stringify(ref.name)}: the ${ref.kind} is named twice`, `${either}, not both`);
  if (ref.object !== undefined) {
    check(typeof ref.object === 'object' && ref.object !== null && ref.object.kind === ref.kind, scope, ref.objectProp,
      typeof ref.object === 'object' && ref.object !== null ? ref.object.kind : ref.object, `must be a ${ref.kind}`, `pass a cdk8s-plus ${ref.kind} (kplus.${ref.kind} or kplus.${ref.kind}.from…Name)`);
    return objectRef(scope, `${ref.objectProp}.name`, ref.object.name, ref.kind);
  }
  if (ref.name !== undefined) return objectRef(scope, ref.nameProp, ref.name, ref.kind);
  check(!ref.required, scope, ref.nameProp, undefined, `is missing: the ${ref.kind} is required`, either);
  return undefined;
}

const REFERENCES = Symbol.for('cdk8s-mlops.referenced-objects');

type References = ReadonlyArray<readonly [prop: string, object: kplus.IResource | undefined]>;

/**
 * Records on a value-class instance the cdk8s-plus objects its factory was given, under their props, so that the
 * construct binding the value can check their namespace (`sameNamespace`).
 */
export function recordReferences<T>(value: T, references: References): T {
  if (typeof value === 'object' && value !== null && references.some(([, o]) => o !== undefined)) {
    Object.defineProperty(value, REFERENCES, { value: references, enumerable: false });
  }
  return value;
}

/**
 * Refuses a cdk8s-plus object in `props` (or recorded by a value class in them) that lives in another namespace
 * than `namespace`, the consumer's: a pod resolves Secrets, ConfigMaps, claims and its ServiceAccount in its own
 * namespace only, so the reference would not be found. An object or a consumer without a namespace (they go to
 * the namespace they are applied to) is accepted, and so are imported objects (`from…Name`), which carry none.
 */
export function sameNamespace(scope: IConstruct, namespace: string | undefined, props: unknown): void {
  if (namespace === undefined) return;
  for (const [prop, object] of referencedResources(props)) {
    const theirs = object.metadata.namespace;
    check(theirs === undefined || theirs === namespace, scope, prop, theirs,
      `is a ${object.kind} in another namespace than the objects that use it (${JSON.stringify(namespace)}): a pod can only reference a ${object.kind} of its own namespace`,
      `create the ${object.kind} in namespace ${JSON.stringify(namespace)} (its metadata.namespace, or its chart's namespace)`);
  }
}

/** The cdk8s-plus objects made in this app (not imported ones) that `props` refer to, with the props that name them. */
export function referencedResources(props: unknown): Array<[prop: string, object: kplus.Resource]> {
  const found: Array<[string, kplus.Resource]> = [];
  visit(props, '', new Set(), 0, (prop, object) => {
    if (object instanceof kplus.Resource) found.push([prop, object]);
  });
  return found;
}

function visit(value: unknown, path: string, seen: Set<object>, depth: number, found: (prop: string, object: kplus.IResource) => void): void {
  if (typeof value !== 'object' || value === null || seen.has(value) || depth > 8) return;
  seen.add(value);
  const recorded = (value as { [REFERENCES]?: References })[REFERENCES];
  if (recorded) {
    recorded.forEach(([prop, object]) => object !== undefined && found(prop, object));
    return;
  }
  // Library constructs bind their own props; only cdk8s-plus objects are references here.
  if (Construct.isConstruct(value)) {
    if (value instanceof kplus.Resource) found(path, value);
    return;
  }
  for (const [key, v] of Object.entries(value)) visit(v, path ? `${path}.${key}` : key, seen, depth + 1, found);
}

/** The fields of a `SecretKeyRef` (kept structural: the internal layer does not import serving). */
export interface SecretKeyFields {
  readonly secretName?: string;
  readonly secret?: kplus.ISecret;
  readonly key: string;
}

/** A reference to one key of an existing Secret, by name or as a cdk8s-plus Secret: the selector it renders to. */
export function secretKeyRef(scope: Scope, prop: string, ref: SecretKeyFields): { name: string; key: string } {
  const name = referencedName(scope, { nameProp: `${prop}.secretName`, name: ref?.secretName, objectProp: `${prop}.secret`, object: ref?.secret, kind: 'Secret', required: true })!;
  check(typeof ref.key === 'string' && ref.key.length <= 253 && /^[-._a-zA-Z0-9]+$/.test(ref.key), scope, `${prop}.key`, ref.key,
    'must be a Secret key: letters, digits, "-", "_" and "."', "e.g. key: 'token'");
  return { name, key: ref.key };
}

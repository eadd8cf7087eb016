import { createRequire } from 'module';
import type * as YamlPackage from 'yaml';

/**
 * The `yaml` package cdk8s bundles, which its `Yaml.stringify()` uses: the same rules whatever cdk8s version the
 * app has (and no dependency of this library's own).
 */
const YAML = createRequire(require.resolve('cdk8s'))('yaml') as typeof YamlPackage;

/** The options of cdk8s `Yaml.stringify()` (cdk8s/lib/yaml.js): YAML 1.1 quoting, no line folding. */
const CDK8S_YAML = { keepUndefined: true, lineWidth: 0, version: '1.1' } as const;

/** One indentation step of the `yaml` package's default output. */
const STEP = '  ';

/**
 * A string that is certainly written plain by the `yaml` package, whatever its place, unless it reads as another
 * YAML 1.1 type: printable ASCII on one line, not starting with an indicator, `-`, `.`, `+`, `~` or a space, no
 * `: ` or ` #`, not ending in a space or `:`. (The package's own rule, stringifyString.js `plainString`, also
 * allows others; those go through the package.)
 */
const PLAIN = /^[A-Za-z0-9_/(][\x20-\x7e]*$/;
const NOT_PLAIN = /: | #|[ :]$/;
/** The first characters of every YAML 1.1 null, boolean, number and timestamp this check lets through. */
const MAY_BE_TYPED = /^[0-9nNyYoOtTfF]/;
/** What keeps a one-line string from being plain, in the package's own words (stringifyString.js `plainString`). */
const NOT_PLAIN_ANYWHERE = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Characters the package writes only double-quoted, escaped (stringifyString.js `stringifyString`). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/**
 * A multi-line string the package writes as a literal block with no indentation indicator: not starting with a
 * space or a line break, ending in a character that is not whitespace (`|-`) or in one line break after one (`|`).
 */
const SIMPLE_BLOCK = /^[^ \n][\s\S]*[^ \t\n]\n?$/;
/** The package quotes a key that looks like a document marker at the root only (stringifyString.js). */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/** The `yaml` package writes a key longer than this as an explicit `? ` key (stringifyPair.js). */
const MAX_IMPLICIT_KEY = 1024;

/** Thrown on a value outside the fast path: the whole document then goes through the `yaml` package. */
class Unsupported extends Error {}

/**
 * Writes JSON documents as YAML byte-identical to cdk8s `Yaml.stringify()`, several times faster.
 *
 * The structure (block maps and sequences, two-space indentation, `[]`, `{}`), numbers, booleans, nulls and the
 * strings whose form follows from the package's rules in a few tests (plain and quoted one-line ASCII, literal
 * blocks without indentation indicator) are written here. Every other string is rendered once by the `yaml`
 * package itself in a one-entry map and cached; the rendering is the same at any depth except for the indentation
 * of its continuation lines, which is added here. Documents the fast path does not fully understand (objects that are
 * not plain, the same object twice, which the package writes as an alias, keys it writes explicitly) go through
 * the package whole. The caches belong to the emitter: use one emitter per synthesis.
 */
export class YamlEmitter {
  /** The other strings, as map values or sequence items, rendered by the package for a map at the root. */
  private readonly values = new Map<string, string>();
  /** Keys outside `PLAIN`, rendered by the package; `undefined` when it writes them as explicit keys. */
  private readonly keys = new Map<string, string | undefined>();
  /** The YAML 1.1 types, other than strings, a plain scalar could be read as: the package's own tests. */
  private readonly typed: RegExp[];
  /** The objects of the current document, to find repeated ones. */
  private readonly seen = new Set<object>();

  constructor() {
    const schema = new YAML.Document(null, CDK8S_YAML).schema;
    this.typed = [...schema.tags, ...(schema.compat ?? [])]
      .filter(tag => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test !== undefined)
      .map(tag => tag.test!);
  }

  /** The YAML of one document, as cdk8s `Yaml.stringify(doc)` writes it. */
  public stringify(doc: any): string {
    if (doc === undefined) return '\n';
    try {
      if (isMap(doc)) return hasKeys(doc) ? this.map(doc, '', false) : '{}\n';
      if (Array.isArray(doc)) return doc.length > 0 ? this.seq(doc, '', false) : '[]\n';
      throw new Unsupported();
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      return YAML.stringify(doc, CDK8S_YAML);
    } finally {
      this.seen.clear();
    }
  }

  /** The lines of a non-empty map at `indent`; with `inline`, its first line continues the current one. */
  private map(obj: Record<string, unknown>, indent: string, inline: boolean): string {
    this.visit(obj);
    let out = '';
    let first = inline;
    for (const key in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
      out += (first ? '' : indent) + this.key(key, indent) + ':' + this.value(obj[key], indent);
      first = false;
    }
    return out;
  }

  /** The lines of a non-empty sequence at `indent`; with `inline`, its first line continues the current one. */
  private seq(items: unknown[], indent: string, inline: boolean): string {
    this.visit(items);
    let out = '';
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      out += (i === 0 && inline ? '-' : indent + '-');
      if (isMap(item) && hasKeys(item)) out += ' ' + this.map(item, indent + STEP, true);
      else if (Array.isArray(item) && item.length > 0) out += ' ' + this.seq(item, indent + STEP, true);
      else out += this.value(item, indent);
    }
    return out;
  }

  /** A value after `key:` or `-` in a collection at `indent`, through the end of its last line. */
  private value(v: unknown, indent: string): string {
    switch (typeof v) {
      case 'string':
        return ' ' + this.string(v, indent) + '\n';
      case 'number':
        return ' ' + number(v) + '\n';
      case 'boolean':
        return v ? ' true\n' : ' false\n';
      case 'undefined':
        return ' null\n';
      case 'object':
        if (v === null) return ' null\n';
        if (Array.isArray(v)) return v.length > 0 ? '\n' + this.seq(v, indent + STEP, false) : ' []\n';
        if (isMap(v)) return hasKeys(v) ? '\n' + this.map(v, indent + STEP, false) : ' {}\n';
        throw new Unsupported();
      default:
        throw new Unsupported();
    }
  }

  /** A string value in a collection at `indent`. */
  private string(s: string, indent: string): string {
    if (this.isPlain(s)) return s;
    if (!s.includes('\n')) {
      // One line of printable ASCII: plain, or quoted as the package quotes it (stringifyString.js `quotedString`:
      // single quotes when there are double quotes only, else JSON's double quotes, which escape nothing else here).
      if (PRINTABLE_ASCII.test(s)) {
        if (!NOT_PLAIN_ANYWHERE.test(s) && !this.isTyped(s)) return s;
        return s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s);
      }
    } else if (SIMPLE_BLOCK.test(s) && !CONTROL.test(s)) {
      // The package's literal block (stringifyString.js `blockString`): strip or clip chomping, every line that
      // follows line breaks indented one step deeper than the collection.
      const inner = indent + STEP;
      const clip = s.endsWith('\n');
      return `${clip ? '|' : '|-'}\n${inner}${(clip ? s.slice(0, -1) : s).replace(/\n+/g, `$&${inner}`)}`;
    }
    let rendered = this.values.get(s);
    if (rendered === undefined) {
      // `k: <rendering>\n`: the package's choice of style, quoting and escapes for a value.
      rendered = YAML.stringify({ k: s }, CDK8S_YAML).slice(3, -1);
      this.values.set(s, rendered);
    }
    // Continuation lines (block scalars, quoted strings with line breaks) are indented from the collection's
    // indentation, which is '' in the rendering; empty lines stay empty.
    return indent === '' || !rendered.includes('\n') ? rendered : rendered.replace(/\n(?=[^\n])/g, '\n' + indent);
  }

  /** A key of a map at `indent`. */
  private key(k: string, indent: string): string {
    if (k.length <= MAX_IMPLICIT_KEY && this.isPlain(k)) return k;
    if (indent !== '' && DOCUMENT_MARKER.test(k)) throw new Unsupported();
    if (!this.keys.has(k)) {
      // Rendered in a map at the root.
      const line = YAML.stringify({ [k]: null }, CDK8S_YAML);
      this.keys.set(k, line.startsWith('? ') || !line.endsWith(': null\n') ? undefined : line.slice(0, -': null\n'.length));
    }
    const rendered = this.keys.get(k);
    if (rendered === undefined || rendered.includes('\n')) throw new Unsupported();
    return rendered;
  }

  private isPlain(s: string): boolean {
    if (!PLAIN.test(s) || NOT_PLAIN.test(s)) return false;
    return !MAY_BE_TYPED.test(s) || !this.isTyped(s);
  }

  private isTyped(s: string): boolean {
    return this.typed.some(test => test.test(s));
  }

  /** The package writes a repeated object as an alias: not for the fast path. */
  private visit(o: object): void {
    if (this.seen.has(o)) throw new Unsupported();
    this.seen.add(o);
  }
}

/** A plain JSON object, which the package writes as a map of its own enumerable keys. */
function isMap(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as any).toJSON !== 'function';
}

function hasKeys(o: object): boolean {
  for (const key in o) if (Object.prototype.hasOwnProperty.call(o, key)) return true;
  return false;
}

/** A number as the package writes it (stringifyNumber.js). */
function number(n: number): string {
  if (Number.isFinite(n)) return Object.is(n, -0) ? '-0' : String(n);
  return Number.isNaN(n) ? '.nan' : n < 0 ? '-.inf' : '.inf';
}

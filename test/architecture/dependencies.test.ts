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

/**
 * Known upward edges, to be removed (issue 17). A listed edge that disappears fails the test too, so the list only
 * shrinks.
 */
const KNOWN: string[] = [];

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
    const upward = Object.entries(g.edges).flatMap(([file, deps]) => {
      const from = folderOf(file);
      if (from === undefined) return []; // src/index.ts exports everything
      return deps
        .filter(d => folderOf(d) !== from && !(ALLOWED[from] ?? []).includes(folderOf(d)!))
        .map(d => `src/${file} imports src/${d} (${from} may import: ${(ALLOWED[from] ?? []).join(', ') || 'nothing'})`);
    });
    expect(upward.filter(e => !KNOWN.includes(e))).toEqual([]);
    expect(KNOWN.filter(e => !upward.includes(e))).toEqual([]);
  });
});

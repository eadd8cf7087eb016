/**
 * The Terraform entry point is optional: `cdk8s-mlops` must load, install and type-check without cdktf,
 * and `cdk8s-mlops/terraform` must resolve the way users import it. The checks on lib/ and .jsii need
 * `npx projen compile` first (the build runs it before the tests).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const OPTIONAL_PEERS = ['cdktf', '@cdktf/provider-kubernetes'];

/** Makes cdktf and its providers unresolvable, as in a project that never installed them. */
const WITHOUT_CDKTF = `
const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'cdktf' || request.startsWith('cdktf/') || request.startsWith('@cdktf/')) {
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};
`;

describe('the main entry point does not need cdktf', () => {
  test('src/index loads with cdktf and the provider replaced by modules that throw', () => {
    jest.isolateModules(() => {
      for (const name of ['cdktf', '@cdktf/provider-kubernetes/lib/manifest']) {
        jest.doMock(name, () => {
          throw new Error(`${name} was loaded`);
        });
      }
      // require(), not import: jest.doMock only applies to modules loaded after it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const main = require('../../src');
      expect(typeof main.CanaryRollout).toBe('function');
      expect(main.KubernetesManifests).toBeUndefined();
      // The same guard catches the Terraform entry point, so it would catch the main one.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(() => require('../../src/terraform')).toThrow(/was loaded/);
    });
  });

  test('package.json: cdktf and the Kubernetes provider are optional peers, never dependencies', () => {
    for (const name of OPTIONAL_PEERS) {
      expect(pkg.dependencies?.[name]).toBeUndefined();
      expect(pkg.peerDependencies[name]).toMatch(/^\^/);
      expect(pkg.peerDependenciesMeta[name]).toEqual({ optional: true });
    }
  });

  test('no type of the jsii assembly refers to cdktf', () => {
    const assembly = JSON.parse(fs.readFileSync(path.join(root, '.jsii'), 'utf8'));
    expect(Object.keys(assembly.types).length).toBeGreaterThan(10);
    expect(JSON.stringify(assembly.types)).not.toMatch(/cdktf/i);
    expect(Object.keys(assembly.types).filter(fqn => fqn.includes('KubernetesManifests'))).toEqual([]);
  });
});

describe('installed as a dependency (node_modules/cdk8s-mlops)', () => {
  let consumer: string;
  beforeAll(() => {
    expect(fs.existsSync(path.join(root, 'lib', 'terraform', 'index.js'))).toBe(true);
    consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mlops-consumer-'));
    fs.mkdirSync(path.join(consumer, 'node_modules'));
    fs.symlinkSync(root, path.join(consumer, 'node_modules', 'cdk8s-mlops'), 'dir');
  });
  afterAll(() => fs.rmSync(consumer, { recursive: true, force: true }));

  const node = (script: string) => spawnSync(process.execPath, ['-e', script], { cwd: consumer, encoding: 'utf8' });

  test("require('cdk8s-mlops') works when cdktf cannot be resolved, and loads nothing of it", () => {
    const run = node(`${WITHOUT_CDKTF}
      const main = require('cdk8s-mlops');
      const cdktf = Object.keys(require.cache).filter(f => /node_modules[\\\\/](cdktf|@cdktf)[\\\\/]/.test(f));
      console.log(JSON.stringify({ canary: typeof main.CanaryRollout, cdktf }));`);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ canary: 'function', cdktf: [] });
  });

  test("require('cdk8s-mlops/terraform') resolves through package exports, and is what needs cdktf", () => {
    const withCdktf = node("console.log(typeof require('cdk8s-mlops/terraform').KubernetesManifests)");
    expect(withCdktf.stderr).toBe('');
    expect(withCdktf.stdout.trim()).toBe('function');
    const without = node(`${WITHOUT_CDKTF} require('cdk8s-mlops/terraform')`);
    expect(without.status).not.toBe(0);
    expect(without.stderr).toMatch(/Cannot find module '(cdktf|@cdktf\/provider-kubernetes\/lib\/manifest)'/);
  });

  test.each([
    ['node10 (typesVersions)', { moduleResolution: ts.ModuleResolutionKind.Node10 }],
    ['node16 (exports)', { moduleResolution: ts.ModuleResolutionKind.Node16, module: ts.ModuleKind.Node16 }],
    ['bundler (exports)', { moduleResolution: ts.ModuleResolutionKind.Bundler, module: ts.ModuleKind.ESNext }],
  ])('TypeScript finds the types of both entry points with moduleResolution %s', (_name, options) => {
    const resolved = (specifier: string) => ts.resolveModuleName(specifier, path.join(consumer, 'main.ts'), options, ts.sys).resolvedModule?.resolvedFileName;
    expect(resolved('cdk8s-mlops')).toBe(path.join(root, 'lib', 'index.d.ts'));
    expect(resolved('cdk8s-mlops/terraform')).toBe(path.join(root, 'lib', 'terraform', 'index.d.ts'));
  });

  test('the package ships the Terraform entry point and the jsii assembly', () => {
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    const files: string[] = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining(['.jsii', 'lib/index.js', 'lib/terraform/index.js', 'lib/terraform/index.d.ts']));
    expect(files.filter(f => f.startsWith('examples/') || f.startsWith('test/'))).toEqual([]);
  });
});

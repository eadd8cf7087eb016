/**
 * The README's quick start, followed exactly against the packed package: the commands and files come
 * from the fenced blocks of the "Quick start" section (```sh blocks run in order; a block whose info
 * string names a file, such as ```json tsconfig.json, is written to that file), in an empty temporary
 * folder. The only change: `cdk8s-mlops` is installed from `npm pack` of this build (lib/ exists
 * because the build task compiles before it tests). Needs the npm registry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';

const REPO = path.resolve(__dirname, '../..');

interface Block {
  readonly lang: string;
  readonly file?: string;
  readonly body: string;
}

/** The fenced blocks of the README section `## <title>`, in order. */
function readmeBlocks(title: string): Block[] {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "## ${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```(\w+)(?: +(\S+))?\n([\s\S]*?)^```$/gm)].map(m => ({ lang: m[1], file: m[2], body: m[3] }));
}

test('the README quick start yields the YAML with cdk8s synth, the plugin passes it, and npm warns of no engine', () => {
  const lib = path.join(REPO, 'lib/index.js');
  if (!fs.existsSync(lib)) throw new Error('lib/ is missing: the quick start tests the packed package, so compile first (npx projen compile)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-quickstart-'));
  try {
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' }).trim().split('\n').pop()!;
    const tarball = path.join(dir, packed);
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);

    const blocks = readmeBlocks('Quick start');
    expect(blocks.map(b => b.file ?? b.lang)).toEqual(['sh', 'tsconfig.json', 'cdk8s.yaml', 'main.ts', 'sh']);
    let output = '';
    for (const block of blocks) {
      if (block.file) {
        fs.writeFileSync(path.join(app, block.file), block.body);
        continue;
      }
      expect(block.lang).toBe('sh');
      for (const line of block.body.split('\n').filter(l => l.trim())) {
        // The unpublished package comes from the tarball; everything else as written.
        const command = line.replace(/^(npm install(?: \S+)*?) cdk8s-mlops(?= |$)/, `$1 ${tarball}`);
        const run = spawnSync('bash', ['-c', command], { cwd: app, encoding: 'utf8', timeout: 300_000 });
        output += `$ ${command}\n${run.stdout}${run.stderr}`;
        if (run.status !== 0) throw new Error(`quick start step failed (exit ${run.status}): ${command}\n${output}`);
      }
    }

    expect(output).toContain(tarball);
    expect(output).not.toMatch(/EBADENGINE|ERESOLVE|deprecated.*ts-node/);
    const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/typescript/package.json'), 'utf8')).version;
    expect(installed).toMatch(/^6\./);
    const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(app, 'dist/llama-70b.k8s.yaml'), 'utf8')).map(d => d.toJS());
    expect(docs.map(d => d.kind).sort()).toEqual(['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'PodMonitor', 'Service', 'ServiceAccount', 'ServiceMonitor']);
    const pod = docs.find(d => d.kind === 'Deployment').spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(8);
    expect(JSON.stringify(pod.affinity)).toContain('"key":"nvidia.com/gpu.product","operator":"In","values":["NVIDIA-H100-80GB-HBM3"]');
    // The plugin ran from the installed package, and passed the library's output.
    expect(output).toContain('Performing validations');
    expect(output).toMatch(/Status\s+│ success/);
    // The package's bin is linked and runs from the installed package.
    const bin = spawnSync('npx', ['--no-install', 'cdk8s-mlops', 'check-gates', '--help'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(bin.status).toBe(0);
    expect(bin.stdout).toMatch(/^Usage: cdk8s-mlops check-gates <dir or YAML file>\.\.\. --prometheus <url>/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);

// How the examples are run. Each example is a standalone app: `ts-node examples/<name>.ts [outdir]` synthesizes it
// into outdir (default dist/examples/<name>). Run alone, compiled (`npx projen synth:examples`), this file
// synthesizes every example in one process, each into dist/examples/<name>, with the same output.
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { App, AppProps } from 'cdk8s';

/** Synthesizes an example into a directory. */
export type ExampleSynth = (outdir: string) => void;

/** The name of the example a module holds: its file name. */
function exampleName(file: string): string {
  return path.basename(file, path.extname(file));
}

/** The example `synth` of `mod`, run at once when `mod` is the program, with the output directory it was given. */
export function example(mod: NodeModule, synth: ExampleSynth): ExampleSynth {
  if (require.main === mod) synth(process.argv[2] ?? path.join('dist', 'examples', exampleName(mod.filename)));
  return synth;
}

/** An example that builds a cdk8s App with `build`. */
export function cdk8sExample(mod: NodeModule, build: (app: App) => void, props: AppProps = {}): ExampleSynth {
  return example(mod, outdir => {
    const app = new App({ ...props, outdir });
    build(app);
    app.synth();
  });
}

/**
 * Every example of examples/ (run from the project's root), loaded from beside this file (compiled or not) and
 * synthesized in turn.
 */
function synthAll(): void {
  const ext = path.extname(__filename);
  const names = fs.readdirSync('examples').filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts')).map(exampleName);
  for (const name of names.sort().filter(n => n !== exampleName(__filename))) {
    const synth: ExampleSynth | undefined = createRequire(__filename)(path.join(__dirname, name + ext)).synth;
    if (typeof synth !== 'function') throw new Error(`examples/${name}.ts exports no synth(outdir) function`);
    const start = process.hrtime.bigint();
    synth(path.join('dist', 'examples', name));
    process.stderr.write(`${name}: ${Math.round(Number(process.hrtime.bigint() - start) / 1e6)} ms\n`);
  }
}

if (require.main === module) synthAll();

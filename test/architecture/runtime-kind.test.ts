import * as fs from 'fs';
import * as path from 'path';

const SRC = path.join(__dirname, '..', '..', 'src');
/** Where a runtime's kind may be decided on: its own file, and the factories that build it. */
const RUNTIMES = ['serving/runtimes/', 'serving/model-runtime.ts'];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'imports' ? [] : sources(file);
    return e.name.endsWith('.ts') ? [file] : [];
  });
}

/** `file:line: text` of every line of src/ outside the runtimes that matches `pattern`. */
function outsideRuntimes(pattern: RegExp): string[] {
  return sources(SRC)
    .map(file => path.relative(SRC, file).split(path.sep).join('/'))
    .filter(rel => !RUNTIMES.some(r => rel.startsWith(r)))
    .flatMap(rel => fs.readFileSync(path.join(SRC, rel), 'utf8').split('\n')
      .map((line, i) => [i + 1, line] as const)
      .filter(([, line]) => pattern.test(line))
      .map(([n, line]) => `src/${rel}:${n}: ${line.trim()}`));
}

describe('a runtime is one file (issue 17): nothing outside src/serving/runtimes decides by the runtime\'s kind', () => {
  test('no RuntimeKind value is named outside the runtimes', () => {
    expect(outsideRuntimes(/RuntimeKind\.[A-Z]/)).toEqual([]);
  });

  test('no runtime kind is compared as a string outside the runtimes', () => {
    expect(outsideRuntimes(/[=!]==?\s*'(vllm|tgi|triton|sglang|custom)'|'(vllm|tgi|triton|sglang|custom)'\s*[=!]==?/)).toEqual([]);
  });

  test('the check sees the runtimes themselves (it would find a switch if there were one)', () => {
    const vllm = fs.readFileSync(path.join(SRC, 'serving', 'runtimes', 'vllm.ts'), 'utf8');
    expect(vllm).toMatch(/RuntimeKind\.VLLM/);
    expect(sources(SRC).length).toBeGreaterThan(50);
  });
});

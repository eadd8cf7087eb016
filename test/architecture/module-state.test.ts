import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return full === path.join(SRC, 'imports') ? [] : sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

const REGISTRIES = new Set(['Map', 'WeakMap', 'WeakSet', 'WeakRef']);

/**
 * Module-level state of one file: `let`/`var` declarations and `new Map`/`WeakMap`/`WeakSet` at the top level. Such
 * state outlives a chart and an app (two apps in one process share it), and makes the order constructs are
 * created in matter; state belongs on a construct.
 */
export function moduleState(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  for (const statement of sf.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const list = statement.declarationList;
    const line = sf.getLineAndCharacterOfPosition(statement.getStart()).line + 1;
    const where = `${path.relative(path.join(SRC, '..'), file)}:${line}`;
    // `const`, `let` or `var` as written.
    const keyword = list.getFirstToken()?.getText();
    if (keyword !== 'const') found.push(`${where} ${keyword} ${list.declarations.map(d => d.name.getText()).join(', ')}`);
    for (const d of list.declarations) {
      const init = d.initializer;
      if (init && ts.isNewExpression(init) && ts.isIdentifier(init.expression) && REGISTRIES.has(init.expression.text)) {
        found.push(`${where} ${d.name.getText()} = new ${init.expression.text}`);
      }
    }
  }
  return found;
}

describe('no module-level state in src/ (besides the generated src/imports)', () => {
  test('no top-level let/var, Map, WeakMap or WeakSet', () => {
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(f => moduleState(f, fs.readFileSync(f, 'utf8')))).toEqual([]);
  });

  test.each([
    ['const byChart = new WeakMap<object, string>();', ['src/x.ts:1 byChart = new WeakMap']],
    ['export const cache = new Map();', ['src/x.ts:1 cache = new Map']],
    ['let count = 0;', ['src/x.ts:1 let count']],
    ['var seen = false;', ['src/x.ts:1 var seen']],
    ['const KINDS = new Set([\'Job\']);\nconst LIMIT = 3;\nfunction f() { let n = 0; const m = new Map(); return [n, m]; }', []],
  ])('the check itself: %s', (text, expected) => {
    expect(moduleState(path.join(SRC, 'x.ts'), text)).toEqual(expected);
  });
});

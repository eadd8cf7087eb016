import * as path from 'path';
import * as ts from 'typescript';

/**
 * The package's TypeScript API, read with the compiler from its entry points (package.json `exports`).
 *
 * jsii publishes only classes, interfaces and enums. Anything else an entry point exports (a function, a constant,
 * a type alias) would still be importable from TypeScript: an API that other languages never see, that API.md does
 * not document, and that pins the library's internals. And every type a public signature names must be exported,
 * which jsii checks only at build time.
 */
const ROOT = path.join(__dirname, '..', '..');
const ENTRY_POINTS = ['src/index.ts', 'src/terraform/index.ts', 'src/plugin/index.ts'];

const where = (node: ts.Node) => path.relative(ROOT, node.getSourceFile().fileName);
const isApiDeclaration = (d: ts.Declaration) => ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d) || ts.isEnumDeclaration(d);

/** Members outside the API: private, `#name`, `_name` or `@internal`. */
function isHidden(member: ts.Declaration): boolean {
  const name = ts.getNameOfDeclaration(member);
  // eslint-disable-next-line no-bitwise
  return (ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Private) !== 0
    || (name !== undefined && (ts.isPrivateIdentifier(name) || name.getText().startsWith('_')))
    || ts.getJSDocTags(member).some(t => t.tagName.text === 'internal');
}

/** The checks, on one program. */
function apiOf(program: ts.Program) {
  const checker = program.getTypeChecker();
  // eslint-disable-next-line no-bitwise
  const resolve = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);

  /** The symbols a module exports (its own and re-exported ones), resolved to their declarations. */
  function exportsOf(file: string): ts.Symbol[] {
    const source = program.getSourceFile(path.join(ROOT, file));
    if (!source) throw new Error(`${file} is not in the program`);
    return checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).map(resolve);
  }

  /** The modules a file re-exports from (`export … from`). */
  function reExported(file: string): ts.Symbol[] {
    return program.getSourceFile(path.join(ROOT, file))!.statements.filter(ts.isExportDeclaration)
      .map(statement => checker.getSymbolAtLocation(statement.moduleSpecifier!)!);
  }

  /**
   * Exports that are not a class, an interface or an enum, or that their module marks `@internal` (shared by the
   * library's modules only), as `name (declaration kind, file)`.
   */
  function typeScriptOnly(symbols: ts.Symbol[]): string[] {
    return symbols.flatMap(s => (s.declarations ?? []).filter(d => !isApiDeclaration(d) || isHidden(d))
      .map(d => `${s.name} (${isHidden(d) ? '@internal ' : ''}${ts.SyntaxKind[d.kind]}, ${where(d)})`));
  }

  /**
   * What the public members of the exported classes and interfaces name, as `Owner.member: problem`: a type declared
   * by the library (not a dependency's) that the entry point does not export (jsii's rule); `any` other than as the
   * values of a JSON object (`{ [key: string]: any }`); a union other than `T | undefined`.
   */
  function signatureProblems(symbols: ts.Symbol[]): string[] {
    const exported = new Set(symbols);
    const problems: string[] = [];
    const visit = (owner: string, node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.AnyKeyword && !ts.isIndexSignatureDeclaration(node.parent)) {
        problems.push(`${owner}: uses any (${where(node)})`);
      }
      if (ts.isUnionTypeNode(node) && node.types.filter(t => t.kind !== ts.SyntaxKind.UndefinedKeyword).length > 1) {
        problems.push(`${owner}: uses the union ${node.getText()} (${where(node)})`);
      }
      if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
        const target = checker.getSymbolAtLocation(ts.isTypeReferenceNode(node) ? node.typeName : node.expression);
        const symbol = target && resolve(target);
        const declaration = symbol?.declarations?.[0];
        if (symbol && declaration && !declaration.getSourceFile().isDeclarationFile
          && !ts.isTypeParameterDeclaration(declaration) && !exported.has(symbol)) {
          problems.push(`${owner}: uses ${symbol.name} (${where(declaration)}), which the entry point does not export`);
        }
      }
      ts.forEachChild(node, child => visit(owner, child));
    };
    for (const symbol of symbols) {
      for (const declaration of symbol.declarations ?? []) {
        if (!ts.isClassDeclaration(declaration) && !ts.isInterfaceDeclaration(declaration)) continue;
        for (const clause of declaration.heritageClauses ?? []) clause.types.forEach(t => visit(symbol.name, t));
        for (const member of declaration.members as ts.NodeArray<ts.ClassElement | ts.TypeElement>) {
          if (isHidden(member)) continue;
          if (ts.isConstructorDeclaration(member)) {
            member.parameters.forEach(p => p.type && !isHidden(p) && visit(`${symbol.name}.${ts.isParameterPropertyDeclaration(p, member) ? p.name.getText() : 'constructor'}`, p.type));
            continue;
          }
          const owner = `${symbol.name}.${ts.getNameOfDeclaration(member)?.getText()}`;
          if (ts.isMethodDeclaration(member) || ts.isMethodSignature(member)) {
            member.parameters.forEach(p => p.type && visit(owner, p.type));
            if (member.type) visit(owner, member.type);
          } else if ((ts.isPropertyDeclaration(member) || ts.isPropertySignature(member) || ts.isGetAccessorDeclaration(member)) && member.type) {
            visit(owner, member.type);
          }
        }
      }
    }
    return problems;
  }

  /**
   * Argument types against the naming rule, as `Owner.member: problem`: a factory (a public static method returning
   * its class) takes `…Options`; a construct's constructor (scope, id, props) takes `…Props`.
   */
  function namingProblems(symbols: ts.Symbol[]): string[] {
    const problems: string[] = [];
    for (const symbol of symbols) {
      for (const declaration of (symbol.declarations ?? []).filter(ts.isClassDeclaration)) {
        for (const member of declaration.members) {
          if (isHidden(member)) continue;
          const factory = ts.isMethodDeclaration(member) && ts.getCombinedModifierFlags(member) & ts.ModifierFlags.Static // eslint-disable-line no-bitwise
            && member.type !== undefined && member.type.getText() === symbol.name;
          const construct = ts.isConstructorDeclaration(member) && member.parameters.length === 3 && member.parameters[1].name.getText() === 'id';
          const [suffix, parameters] = factory ? ['Options', (member as ts.MethodDeclaration).parameters]
            : construct ? ['Props', member.parameters.slice(2)] : [undefined, []];
          for (const p of parameters) {
            const type = p.type && ts.isTypeReferenceNode(p.type) ? p.type.typeName.getText() : undefined;
            const declared = type && checker.getSymbolAtLocation((p.type as ts.TypeReferenceNode).typeName);
            // Interfaces named I… are behaviours (cdk8s-plus's IPersistentVolumeClaim too), not argument structs.
            const isStruct = declared && resolve(declared).declarations?.some(ts.isInterfaceDeclaration) && !/^I[A-Z]/.test(resolve(declared).name);
            // A factory that creates the construct itself (PrometheusSettings.configure) takes the construct's props.
            const ownProps = factory && declaration.members.some(m => ts.isConstructorDeclaration(m) && m.parameters[2]?.type?.getText() === type);
            if (isStruct && !ownProps && !type.endsWith(suffix!)) {
              const name = ts.isConstructorDeclaration(member) ? 'constructor' : member.name!.getText();
              problems.push(`${symbol.name}.${name}: takes ${type}, which should be named …${suffix}`);
            }
          }
        }
      }
    }
    return problems;
  }

  return { checker, resolve, exportsOf, reExported, typeScriptOnly, signatureProblems, namingProblems };
}

const compilerOptions = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: d => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
})!.options;
const library = apiOf(ts.createProgram(ENTRY_POINTS.map(e => path.join(ROOT, e)), { ...compilerOptions, noEmit: true }));

describe.each(ENTRY_POINTS)('the TypeScript API of %s', entry => {
  const symbols = library.exportsOf(entry);

  test('exports something', () => {
    expect(symbols.length).toBeGreaterThan(0);
  });

  test('every export is a class, an interface or an enum (no function, constant or type alias)', () => {
    expect(library.typeScriptOnly(symbols)).toEqual([]);
  });

  test('every public signature names exported types only, without any or unions', () => {
    expect(library.signatureProblems(symbols)).toEqual([]);
  });

  test('factories take …Options, construct constructors …Props', () => {
    expect(library.namingProblems(symbols)).toEqual([]);
  });
});

test('the main entry point re-exports every class and enum of the modules it names, but their @internal ones (a list of names forgets none)', () => {
  const { checker, resolve, exportsOf } = library;
  const exported = new Set(exportsOf('src/index.ts'));
  const missing = library.reExported('src/index.ts').flatMap(module => checker.getExportsOfModule(module).map(resolve)
    .filter(s => (s.declarations ?? []).some(d => (ts.isClassDeclaration(d) || ts.isEnumDeclaration(d)) && !isHidden(d)) && !exported.has(s))
    .map(s => `${s.name} (${where(s.declarations![0])})`));
  expect(missing).toEqual([]);
});

describe('the checks can fail', () => {
  // A module as `export * from` would publish it: its helpers are TypeScript-only exports.
  test('the internals a wildcard re-export of gates/gate.ts would leak are found', () => {
    const gate = library.exportsOf('src/gates/gate.ts');
    expect(library.typeScriptOnly(gate)).toEqual(expect.arrayContaining([
      'GATE_ARGS (VariableDeclaration, src/gates/gate.ts)',
      'hashMatcher (FunctionDeclaration, src/gates/gate.ts)',
    ]));
    expect(library.typeScriptOnly(gate).filter(p => p.startsWith('Gate '))).toEqual([]);
  });

  test('functions, constants, type aliases, any, unions, unexported types and misnamed arguments are reported', () => {
    const file = path.join(ROOT, 'src', 'bad-api.ts');
    const text = [
      'interface Hidden { readonly x: string }',
      'export type Alias = string;',
      'export const LIMITS = [1, 2];',
      'export function helper(): void {}',
      'export enum Kind { A = "a" }',
      '/** @internal */ export interface Shared { readonly x: string }',
      'export interface BadProps {',
      '  readonly config: any;',
      '  readonly json?: { [key: string]: any };',
      '  readonly size: string | number;',
      '  readonly name?: string | undefined;',
      '  readonly hidden?: Hidden;',
      '}',
      'export class Bad {',
      '  public constructor(public readonly props: BadProps, private readonly secret: Hidden) {}',
      '  public render(): any { return this.secret; }',
      '  /** @internal */ public _render(): Hidden { return this.secret; }',
      '}',
      'export interface WidgetProps { readonly size: number }',
      'export class Widget {',
      '  public static of(props: WidgetProps): Widget { return new Widget(props); }',
      '  public static configure(props: WidgetProps): void { void props; }',
      '  private constructor(private readonly props: WidgetProps) {}',
      '}',
      'export interface PanelOptions { readonly size: number }',
      'export class Panel { public constructor(scope: object, id: string, props: PanelOptions) { void [scope, id, props]; } }',
    ].join('\n');
    const host = ts.createCompilerHost(compilerOptions);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, ...rest) => (name === file ? ts.createSourceFile(name, text, version) : read(name, version, ...rest));
    const bad = apiOf(ts.createProgram([file], { ...compilerOptions, noEmit: true }, host));
    const symbols = bad.exportsOf('src/bad-api.ts');
    expect(bad.typeScriptOnly(symbols).sort()).toEqual([
      'Alias (TypeAliasDeclaration, src/bad-api.ts)',
      'LIMITS (VariableDeclaration, src/bad-api.ts)',
      'Shared (@internal InterfaceDeclaration, src/bad-api.ts)',
      'helper (FunctionDeclaration, src/bad-api.ts)',
    ]);
    expect(bad.signatureProblems(symbols)).toEqual([
      'BadProps.config: uses any (src/bad-api.ts)',
      'BadProps.size: uses the union string | number (src/bad-api.ts)',
      'BadProps.hidden: uses Hidden (src/bad-api.ts), which the entry point does not export',
      'Bad.render: uses any (src/bad-api.ts)',
    ]);
    expect(bad.namingProblems(symbols)).toEqual([
      'Widget.of: takes WidgetProps, which should be named …Options',
      'Panel.constructor: takes PanelOptions, which should be named …Props',
    ]);
  });
});

/**
 * Completes API.md after jsii-docgen (run by the `docgen` task):
 * - static functions get a `Returns:` line (jsii-docgen shows their invocation only, so a factory such as
 *   `CanaryStep.validateBeforeTraffic()`, which returns an array, reads as if it returned one step);
 * - the `cdk8s-mlops/terraform` entry point, outside the jsii assembly, gets its reference generated from
 *   its TypeScript declarations.
 * Idempotent: running it twice gives the same file.
 */
/* eslint-disable no-bitwise */ // TypeScript's symbol, modifier and format flags are bit sets.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** A jsii type reference (the subset the assembly uses for return types). */
interface TypeRef {
  readonly fqn?: string;
  readonly primitive?: string;
  readonly collection?: { readonly kind: string; readonly elementtype: TypeRef };
  readonly union?: { readonly types: TypeRef[] };
}

interface Assembly {
  readonly name: string;
  readonly types: {
    readonly [fqn: string]: { readonly methods?: Array<{ name: string; static?: boolean; returns?: { type: TypeRef; optional?: boolean } }> };
  };
}

function formatType(ref: TypeRef, assembly: string): string {
  if (ref.fqn) return ref.fqn.startsWith(`${assembly}.`) ? `<a href="#${ref.fqn}">${ref.fqn.split('.').pop()}</a>` : `${ref.fqn}`;
  if (ref.primitive) return ref.primitive;
  if (ref.collection) {
    const element = formatType(ref.collection.elementtype, assembly);
    return ref.collection.kind === 'array' ? `${element}[]` : `{[ key: string ]: ${element}}`;
  }
  if (ref.union) return ref.union.types.map(t => formatType(t, assembly)).join(' \\| ');
  return 'any';
}

/** Adds `- *Returns:* T` after the usage block of every static function of `assembly`. */
export function addReturnTypes(markdown: string, assembly: Assembly): string {
  let out = markdown;
  for (const [fqn, type] of Object.entries(assembly.types)) {
    for (const method of type.methods ?? []) {
      if (!method.static || !method.returns) continue;
      const anchor = `id="${fqn}.${method.name}"></a>`;
      const at = out.indexOf(anchor);
      if (at < 0) continue;
      const open = out.indexOf('```typescript\n', at);
      const close = out.indexOf('\n```\n', open + 1);
      if (open < 0 || close < 0) continue;
      const insertAt = close + '\n```\n'.length;
      const line = `\n- *Returns:* ${formatType(method.returns.type, assembly.name)}${method.returns.optional ? ' (optional)' : ''}\n`;
      if (out.startsWith(line, insertAt)) continue;
      out = out.slice(0, insertAt) + line + out.slice(insertAt);
    }
  }
  return out;
}

const TERRAFORM_MARKER = '\n# API Reference: `cdk8s-mlops/terraform` <a name="API Reference: terraform" id="api-reference-terraform"></a>\n';

function jsDoc(checker: ts.TypeChecker, symbol: ts.Symbol): { text: string; tags: { [name: string]: string[] } } {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker));
  const tags: { [name: string]: string[] } = {};
  for (const tag of symbol.getJsDocTags(checker)) (tags[tag.name] ??= []).push(ts.displayPartsToString(tag.text));
  return { text, tags };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The reference of the exports of `entry` (a TypeScript module), in jsii-docgen's layout. */
export function terraformReference(entry: string, importPath: string): string {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (!source) throw new Error(`cannot read ${entry}`);
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).sort((a, b) => a.name.localeCompare(b.name));
  const typeText = (t: ts.Type) => checker.typeToString(t, undefined, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType).replace(/import\("[^"]+"\)\./g, '');
  const lines: string[] = [TERRAFORM_MARKER,
    `A TypeScript/JavaScript entry point outside the jsii assembly (it needs \`cdktf\` and \`@cdktf/provider-kubernetes\`): \`import { … } from '${importPath}'\`. Generated from its TypeScript declarations.`, ''];
  const properties = (symbol: ts.Symbol, struct: boolean) => {
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    const rows = checker.getPropertiesOfType(type).filter(p => {
      const decl = p.valueDeclaration;
      return !decl || !(ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) && !p.name.startsWith('_');
    }).filter(p => struct || p.valueDeclaration?.parent === symbol.valueDeclaration);
    if (rows.length === 0) return;
    lines.push(`#### Properties <a name="Properties" id="${importPath}.${symbol.name}.properties"></a>`, '');
    lines.push(struct ? '| **Name** | **Type** | **Default** | **Description** |' : '| **Name** | **Type** | **Description** |');
    lines.push(struct ? '| --- | --- | --- | --- |' : '| --- | --- | --- |');
    for (const p of rows) {
      const doc = jsDoc(checker, p);
      const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
      const propType = typeText(checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(p, p.valueDeclaration!)));
      const see = (doc.tags.see ?? []).map(s => ` See ${s}`).join('');
      lines.push(struct
        ? `| \`${p.name}\`${optional ? '' : ' (required)'} | \`${cell(propType)}\` | ${cell(doc.tags.default?.[0] ?? '')} | ${cell(doc.text + see)} |`
        : `| \`${p.name}\` | \`${cell(propType)}\` | ${cell(doc.text)} |`);
    }
    lines.push('');
  };
  for (const kind of ['class', 'struct', 'function'] as const) {
    const members = exports.filter(s => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      return kind === 'class' ? target.flags & ts.SymbolFlags.Class : kind === 'struct' ? target.flags & ts.SymbolFlags.Interface : target.flags & ts.SymbolFlags.Function;
    });
    if (members.length === 0) continue;
    lines.push(`## ${kind === 'class' ? 'Constructs' : kind === 'struct' ? 'Structs' : 'Functions'} <a name="${kind}" id="${importPath}.${kind}"></a>`, '');
    for (const alias of members) {
      const symbol = alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : alias;
      const doc = jsDoc(checker, symbol);
      lines.push(`### ${symbol.name} <a name="${symbol.name}" id="${importPath}.${symbol.name}"></a>`, '', doc.text, '');
      if (kind === 'class') {
        const ctor = checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration!).getConstructSignatures()[0];
        const params = ctor.getParameters().map(p => `${p.name}: ${typeText(checker.getTypeOfSymbolAtLocation(p, p.valueDeclaration!))}`).join(', ');
        lines.push('```typescript', `import { ${symbol.name} } from '${importPath}'`, '', `new ${symbol.name}(${params})`, '```', '');
        properties(symbol, false);
      } else if (kind === 'struct') {
        lines.push('```typescript', `import { ${symbol.name} } from '${importPath}'`, '', `const ${symbol.name[0].toLowerCase()}${symbol.name.slice(1)}: ${symbol.name} = { ... }`, '```', '');
        properties(symbol, true);
      } else {
        const signature = checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration!).getCallSignatures()[0];
        lines.push('```typescript', `${symbol.name}${checker.signatureToString(signature)}`, '```', '');
      }
    }
  }
  return lines.join('\n');
}

/** API.md with return types and the Terraform reference (replacing an earlier one). */
export function completeApiDocs(markdown: string, assembly: Assembly, terraformEntry: string): string {
  const marker = markdown.indexOf(TERRAFORM_MARKER);
  const main = marker < 0 ? markdown : markdown.slice(0, marker);
  return `${addReturnTypes(main.trimEnd(), assembly)}\n${terraformReference(terraformEntry, `${assembly.name}/terraform`)}`;
}

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const file = path.resolve(root, process.argv[2] ?? 'API.md');
  const assembly = JSON.parse(fs.readFileSync(path.join(root, '.jsii'), 'utf8')) as Assembly;
  fs.writeFileSync(file, completeApiDocs(fs.readFileSync(file, 'utf8'), assembly, path.join(root, 'src/terraform/index.ts')));
}

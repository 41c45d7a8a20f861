/**
 * The project's own import graph, read with the TypeScript parser: every relative import of every
 * source file under bin/, lib/, lambdas/ and bench/, with whether it survives compilation (a value
 * import) or is erased (`import type`, or a named import whose every name is `type`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

export const ROOT = resolve(__dirname, '../..');
export const SOURCE_FOLDERS = ['bin', 'lib', 'lambdas', 'bench'];

/** One import of one of our files by another. */
export interface SourceImport {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Every .ts file under the source folders, relative to the root. */
export function sourceFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir)).flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(join(ROOT, path)).isDirectory()) return walk(path);
      return path.endsWith('.ts') ? [path] : [];
    });
  return SOURCE_FOLDERS.flatMap(walk).sort();
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = join(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(join(ROOT, candidate)).isFile()) return relative(ROOT, join(ROOT, candidate));
    } catch {
      // not this candidate
    }
  }
  return undefined;
}

function isTypeOnlyImport(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) return node.isTypeOnly;
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

/** The relative imports of `file` that resolve to one of our source files. */
export function importsOf(file: string): SourceImport[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(ROOT, file), 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const found: SourceImport[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    if (!specifier.startsWith('.')) return;
    const to = resolveRelative(file, specifier);
    if (to?.endsWith('.ts')) found.push({ from: file, to, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text, isTypeOnlyImport(node));
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The folder a file belongs to in the map: its directory (bin/app.ts → bin). */
export function folderOf(file: string): string {
  return dirname(file);
}

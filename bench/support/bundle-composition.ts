import type { Metafile } from 'esbuild';

/** Bytes one package (or one folder of ours) puts in a bundle. */
export interface PackageShare {
  /** npm package name (`@scope/name` or `name`), or the first two path segments of our own code (`lambdas/domain`). */
  name: string;
  bytes: number;
}

/**
 * What an esbuild bundle is made of, largest first: the metafile's per-input output bytes summed by
 * npm package, so a bundle's floor can be read as "which package costs what".
 */
export function bytesByPackage(metafile: Metafile): PackageShare[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const name = packageOf(path);
      totals.set(name, (totals.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals]
    .map(([name, bytes]) => ({ name, bytes }))
    .filter((share) => share.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

/** The package an input path belongs to: the innermost `node_modules` entry, else its top folders. */
export function packageOf(path: string): string {
  const afterNodeModules = path.split('node_modules/').at(-1) ?? path;
  if (afterNodeModules !== path) {
    const [first, second] = afterNodeModules.split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  return path.split('/').slice(0, 2).join('/');
}

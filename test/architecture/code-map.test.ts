/**
 * README "Code layout" is a map of the tree: every folder that holds source files has its row
 * (what lives there, what it may import), and every row names a folder that exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, sourceFiles } from './source-graph';

/** The folders the map names: the first cell of each row of the table under "## Code layout". */
function mappedFolders(readme: string): string[] {
  const section = readme.split(/^## Code layout$/m)[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| `([^`]+)\/` \|/gm)].map((match) => match[1]);
}

describe('README "Code layout"', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const mapped = mappedFolders(readme);

  it('has a row for every folder that holds source files', () => {
    const folders = [...new Set(sourceFiles().map((file) => dirname(file)))].sort();
    expect(folders.filter((folder) => !mapped.includes(folder))).toEqual([]);
  });

  it('names only folders that exist', () => {
    expect(mapped.filter((folder) => !existsSync(join(ROOT, folder)))).toEqual([]);
  });

  it('is read from the table rows', () => {
    expect(
      mappedFolders(
        '## Code layout\n\n| folder | what |\n|---|---|\n| `lib/deploy/` | stacks |\n\n## Next\n| `x/` | no |',
      ),
    ).toEqual(['lib/deploy']);
  });
});

import { readFileSync } from 'node:fs';
import { renderConfigReference } from '../../lib/config/config-reference';
import { README_PATH, withConfigReference } from '../../lib/config/update-readme-reference';

describe('config reference', () => {
  it('documents every field of the schema with a description', () => {
    const rows = renderConfigReference().split('\n').slice(2);

    expect(rows.length).toBeGreaterThan(50);
    for (const row of rows) {
      const description = row.split(' | ').at(-1)?.replace(/\|$/, '').trim();
      expect([row, description]).toEqual([row, expect.stringMatching(/\w/)]);
    }
  });

  it('is in README.md exactly as the schema generates it (run `npm run docs:config` after a schema change)', () => {
    const readme = readFileSync(README_PATH, 'utf8');

    expect(readme).toBe(withConfigReference(readme));
  });
});

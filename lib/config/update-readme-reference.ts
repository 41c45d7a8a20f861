/**
 * `npm run docs:config`: rewrites the config reference in README.md from the schema. A test fails
 * when the README and the schema disagree, so run this after changing the schema.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REFERENCE_BEGIN, REFERENCE_END, renderConfigReference } from './config-reference';

export const README_PATH = resolve(__dirname, '../../README.md');

/** README text with the generated reference put between its markers. */
export function withConfigReference(readme: string): string {
  const begin = readme.indexOf(REFERENCE_BEGIN);
  const end = readme.indexOf(REFERENCE_END);
  if (begin < 0 || end < begin)
    throw new Error(`README.md lacks the markers ${REFERENCE_BEGIN} ... ${REFERENCE_END}`);
  return `${readme.slice(0, begin + REFERENCE_BEGIN.length)}\n${renderConfigReference()}\n${readme.slice(end)}`;
}

if (require.main === module) {
  writeFileSync(README_PATH, withConfigReference(readFileSync(README_PATH, 'utf8')));
}

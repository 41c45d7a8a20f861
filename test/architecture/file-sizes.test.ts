/**
 * The size limits of README "Code layout": a source file stays under 400 lines, a Lambda handler
 * under 100 (parse, compose, call the domain), a file of the forwarding engine under 300. A file
 * that grows past its limit is split along a seam before it lands.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sourceFiles } from './source-graph';

const LIMITS: { folder: string; maxLines: number }[] = [
  { folder: 'lambdas/handlers/', maxLines: 100 },
  { folder: 'lambdas/domain/forwarding/', maxLines: 300 },
  { folder: '', maxLines: 400 },
];

function limitOf(file: string): number {
  return LIMITS.find(({ folder }) => file.startsWith(folder))!.maxLines;
}

describe('source file sizes', () => {
  it('stay within the limit of their folder', () => {
    const over = sourceFiles()
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1 }))
      .filter(({ file, lines }) => lines > limitOf(file))
      .map(({ file, lines }) => `${file}: ${lines} lines (limit ${limitOf(file)})`);
    expect(over).toEqual([]);
  });

  it('apply the tightest limit that matches', () => {
    expect(limitOf('lambdas/handlers/probe.ts')).toBe(100);
    expect(limitOf('lambdas/domain/forwarding/claims.ts')).toBe(300);
    expect(limitOf('lib/operator/cli/program.ts')).toBe(400);
  });
});

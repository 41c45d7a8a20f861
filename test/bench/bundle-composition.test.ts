import type { Metafile } from 'esbuild';
import { bytesByPackage, packageOf } from '../../bench/support/bundle-composition';

describe('packageOf', () => {
  it.each([
    ['node_modules/zod/v4/core/schemas.js', 'zod'],
    ['node_modules/@smithy/core/dist-es/submodules/schema/TypeRegistry.js', '@smithy/core'],
    ['node_modules/@aws-sdk/a/node_modules/@smithy/b/dist-es/index.js', '@smithy/b'],
    ['lambdas/domain/failback/plan-waves.ts', 'lambdas/domain'],
    ['bin/app.ts', 'bin/app.ts'],
  ])('%s belongs to %s', (path, name) => {
    expect(packageOf(path)).toBe(name);
  });
});

describe('bytesByPackage', () => {
  it('sums output bytes by package, largest first, and drops inputs that left nothing', () => {
    const input = (bytesInOutput: number) => ({ bytesInOutput });
    const metafile = {
      inputs: {},
      outputs: {
        'out.js': {
          bytes: 0,
          imports: [],
          exports: [],
          inputs: {
            'node_modules/zod/a.js': input(30),
            'node_modules/zod/b.js': input(20),
            'node_modules/@smithy/core/x.js': input(40),
            'node_modules/csv-parse/lib/index.js': input(0),
            'lambdas/handlers/probe.ts': input(5),
          },
        },
      },
    } as unknown as Metafile;
    expect(bytesByPackage(metafile)).toEqual([
      { name: 'zod', bytes: 50 },
      { name: '@smithy/core', bytes: 40 },
      { name: 'lambdas/handlers', bytes: 5 },
    ]);
  });
});

/** Tests mirror the source tree under test/. ts-jest compiles without type-checking
 * (`isolatedModules`) because `npm run build` (tsc --noEmit) already type-checks. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
  },
  testTimeout: 60000,
};

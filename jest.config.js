/** Tests mirror the source tree under test/. ts-jest compiles each file alone (tsconfig
 * `isolatedModules`) without type-checking because `npm run build` (tsc --noEmit) already type-checks. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  setupFiles: ['<rootDir>/test/support/jest-setup.ts'],
  testTimeout: 60000,
};

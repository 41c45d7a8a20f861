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
  // Installs the real SIP peer (Kamailio) when missing, so npm test passes on a fresh machine.
  globalSetup: '<rootDir>/test/support/ensure-kamailio.ts',
  testTimeout: 60000,
};

/** @type {import('jest').Config} */
module.exports = {
  // The Node environment, printing the Temporal SDK's log only for failed tests (test/helpers/quiet-sdk.ts).
  testEnvironment: '<rootDir>/test/quiet-sdk-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  // Workflow bundles and the dev server are process-wide; open handles are closed in teardown.
  forceExit: true,
};

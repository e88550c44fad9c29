/**
 * Two projects: `unit` (domain, app with fakes, adapters with aws-sdk-client-mock, store contract)
 * runs anywhere; `integration` talks HTTP to moto. Its global setup makes sure moto is installed
 * (scripts/ensure-moto.sh); each integration file then starts its own moto server on a free
 * loopback port, so files run in parallel without sharing emulator state. `browser` loads the DR
 * dashboard in headless Chromium (Debian's package, driven by puppeteer-core); its global setup
 * installs the browser when missing (scripts/ensure-chromium.sh).
 */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/env-setup.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};

module.exports = {
  randomize: true,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/{unit,adapters,contract,infra}/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/moto-global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-setup.ts'],
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/chromium-global-setup.ts',
    },
  ],
};

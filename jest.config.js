/**
 * Two projects: `unit` (domain, app with fakes, adapters with aws-sdk-client-mock, store contract)
 * runs anywhere; `integration` needs a moto server, which its global setup starts on a free
 * loopback port (and its teardown stops).
 */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  randomize: true,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
};

module.exports = {
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
      globalTeardown: '<rootDir>/test/support/moto-global-teardown.ts',
      testTimeout: 60000,
    },
  ],
};

// Nest 12 is ESM-only, so Jest runs in ESM mode (node --experimental-vm-modules, see package.json).
/** @type {import('jest').Config} */
export default {
  testEnvironment: '<rootDir>/test/jest-environment.cjs',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
};

/** ts-jest in ESM mode; type checking is `tsc --noEmit` in `npm run check` (ten times faster than inside ts-jest). */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The whole-slice watch run (about 50 series reviewed against 6.1) has not yet completed once on this
  // machine, so it runs on its own (`npm run test:slow`) until it has; the kill trials run here.
  testPathIgnorePatterns: process.env.KVM_REVIEW_SLOW ? [] : ['/test/watch/slice\\.test\\.ts$'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true, diagnostics: false }],
  },
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};

/**
 * Three kinds of tests (see STYLE.md): unit specs (fakes, no network), integration specs (real Redis),
 * and end-to-end specs (real Redis, the built apps as processes, the Ollama fixture).
 */
const moduleNameMapper = {
  '^@gridllm/(contracts|config|scheduler|registry|streaming|redis|logging|observability|access)$':
    '<rootDir>/libs/$1/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] };
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform,
  moduleNameMapper,
};

module.exports = {
  reporters: ['default', '<rootDir>/test/support/totals-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test,bench}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-setup.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-setup.ts'],
    },
  ],
};

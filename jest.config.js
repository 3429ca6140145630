/** Two projects: fast unit specs (no network) and end-to-end specs (real Redis, built apps, fixture Ollama). */
const moduleNameMapper = {
  '^@gridllm/(contracts|config|scheduler|registry|streaming|redis)$': '<rootDir>/libs/$1/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] };

module.exports = {
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: ['<rootDir>/{apps,libs,test,bench}/**/*.spec.ts', '<rootDir>/{apps,libs}/**/*.int-spec.ts'],
      transform,
      moduleNameMapper,
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      transform,
      moduleNameMapper,
      testTimeout: 60000,
    },
  ],
};

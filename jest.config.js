// One Jest config for both kinds of test:
//   unit specs next to the code (`*.spec.ts` under apps/ and libs/),
//   end-to-end suites under test/ (`*.e2e-spec.ts`) against real databases, SMTP and HTTP.
// TypeScript is compiled by SWC with the same options as the build (.swcrc).
const fs = require('fs');
const swcrc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));

const common = {
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@app/(config|database|scim-protocol)(/.*)?$': '<rootDir>/libs/$1/src$2',
  },
  testEnvironment: 'node',
  // content-disposition 3 (via @fastify/static, for the /docs viewer) is ESM-only: Node >= 20.19 loads it
  // natively, Jest's module system does not, so Jest compiles it like our own code.
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
};

module.exports = {
  // End-to-end tests start servers and databases; a generous ceiling, not a performance target.
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', rootDir: __dirname, testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    },
  ],
};

// `npm run lint`: typescript-eslint's recommended rules (syntax only, no type information, so it
// stays fast) and the direction of imports (docs/architecture.md): ui → vault → protocol, routes → domain →
// store, worker → protocol; the server and the app share only protocol/.
import './tools/typescript-for-eslint/use.cjs';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** A relative import into a folder named `name` (`../../server/config`, `./server`). */
const folder = (name, message) => ({ regex: `^\\.\\.?/(.*/)?${name}(/|$)`, message });

const NOT_SERVER = folder('server', 'The app never imports the key server: share code through protocol/.');
const NOT_TEST = folder('test', 'Test helpers are for *.test.ts files only.');
const TEST_NOT_SERVER = folder('server', 'Tests of the app reach the key server through test/helpers/.');
const NOT_SRC = folder('src', 'The key server never imports the app: share code through protocol/.');
const VAULT_INDEX = {
  regex: '(^|/)vault/(?!(index|pin-policy|recovery-kit-text)(\\.ts)?$)',
  message: 'The UI uses the vault SDK only through its public entries: src/vault/index.ts (and pin-policy.ts, recovery-kit-text.ts).',
};

/** `no-restricted-imports` for some files: each block replaces the rule for the files it matches. */
const restrictImports = (files, patterns, ignores = []) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default defineConfig(
  { ignores: ['dist/', 'dist-sdk/', 'examples/*/dist/', 'coverage/', 'data/', 'public/'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // `_name` marks what is unused on purpose: a parameter a signature requires, or a key taken
      // out of an object so the rest can be passed on (tsc's noUnusedParameters agrees).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // A `let` that closures read before it is assigned (worker/argon2-wasm.ts) must stay a let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Ambient declarations of globals are written as lib.*.d.ts writes them: `var`, empty interfaces.
    files: ['**/*.d.ts'],
    rules: { 'no-var': 'off', '@typescript-eslint/no-empty-object-type': 'off' },
  },
  {
    // Test helpers and benchmarks read JSON replies as `any`, as assertions and reports use them.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },

  // Import boundaries.
  restrictImports(['src/vault/**/*.ts'], [NOT_SERVER, NOT_TEST], ['**/*.test.ts']),
  restrictImports(['src/*.ts', 'src/ui/**/*.ts'], [NOT_SERVER, NOT_TEST, VAULT_INDEX], ['**/*.test.ts']),
  // Tests of the app may drive a real key server, but only through test/helpers/.
  restrictImports(['src/**/*.test.ts'], [TEST_NOT_SERVER]),
  restrictImports(['server/**/*.ts'], [NOT_SRC]),
  restrictImports(['protocol/**/*.ts'], [{ regex: '^\\.\\./', message: 'protocol/ is the shared contract: it imports only packages and protocol/.' }]),
  restrictImports(['worker/**/*.ts'], [{ regex: '^\\.\\./(?!protocol/)', message: 'A worker imports only worker/, protocol/ and packages.' }]),
  // An example app stands for an app outside this repository: the SDK as `keyhold-sdk`, packages,
  // and its own files only (two levels up from its files is the repository).
  restrictImports(['examples/**/*.ts'], [{ regex: '(^|/)\\.\\./\\.\\./', message: 'An example imports only `keyhold-sdk`, packages and its own files.' }]),
);

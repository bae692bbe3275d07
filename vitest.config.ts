import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// One project per kind of test, each with only the setup it needs (a project's globalSetup runs
// only when one of its files runs). `npm test` runs them all; `npm run test:<name>` one of them.
//   unit         pure tests: browser code in Node, protocol/, worker/, the server's rules, and
//                scripts/ (the Argon2 WASM rebuild, skipped without clang for wasm32), and
//                bench/argon2-passes/'s builds (their tags, not their speed).
//                No PostgreSQL, no build, no key server.
//   integration  tests in src/ that drive the real key server in process on SQLite (through
//                test/helpers/harness.ts, vault-world.ts or recovery-world.ts). No PostgreSQL, no build.
//   server       the key server's routes, store and processes on both databases: one PostgreSQL
//                server for the run (test/global-setup.ts); oathtool for the TOTP interop test.
//   e2e          journeys in Chromium against the built PWA (test/e2e/build.ts builds dist/).

/** A test in src/ is an integration test when it imports the harness or a world built on it. */
const root = fileURLToPath(new URL('.', import.meta.url));
const startsKeyServer = (file: string): boolean => /(harness|vault-world|recovery-world)(\.ts)?['"]/.test(readFileSync(root + file, 'utf8'));
const integrationTests = readdirSync(root + 'src', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => `src/${file}`)
  .filter(startsKeyServer);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time, even on a 2-core machine (Vitest's default there is one:
    // availableParallelism - 1). Much of a file's wall time is waiting: a journey on Chromium's
    // renderer and service worker, a server test on PostgreSQL or on a child process it spawned,
    // so a second file fills the idle core. Measured on 2 cores at bdbf3af: the whole run took
    // 660 s with one worker and 490 s with two, both green.
    maxWorkers: 2,
    // One results file for the whole run: .ci/run reads its counts.
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'protocol/**/*.test.ts', 'worker/**/*.test.ts', 'server/domain/**/*.test.ts', 'scripts/**/*.test.ts', 'examples/*/*.test.ts', 'bench/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...integrationTests],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: integrationTests,
          // Not isolated, as the server tests below; the one global these files share is
          // fake-indexeddb's IndexedDB, and the setup file gives each file an empty one.
          // Measured: 156 s of CPU → about 105 s.
          isolate: false,
          setupFiles: ['test/helpers/fresh-indexeddb.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'server',
          include: ['server/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'server/domain/**', 'test/e2e/**'],
          globalSetup: ['test/global-setup.ts'],
          // Not isolated: a worker runs file after file in one process with the modules it has
          // loaded, instead of a new process per file that imports and compiles the server again
          // (about a second of CPU a file). These files share no module state: each starts its own
          // key server on its own database. Measured: 208 s of CPU → 152 s.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/build.ts'],
          // Not isolated, as the server tests: each file starts its own key server and Chromium,
          // and each journey opens its own browser contexts. Measured: 516 s of CPU → 420 s.
          isolate: false,
          // A journey polls for what follows Argon2id, a sync or a service-worker step, which a busy
          // 2-core machine can take seconds to finish: 1 s (Vitest's default) fails good runs.
          expect: { poll: { timeout: 20_000 } },
        },
      },
    ],
  },
});

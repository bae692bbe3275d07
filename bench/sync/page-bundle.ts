/**
 * The sync bench's page code: in-page.ts with the app's Vault, KeyServer, LocalStore,
 * SyncStore, parseEncryptedRecord, browser passkeys and Argon2 bridge, bundled by vite as one
 * IIFE (dynamic imports inlined) that sets `globalThis.__khSyncBench`, in production mode and
 * minified like the app.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';

/** Returns the bundle's source, built under `outDir`. */
export async function buildSyncPageBundle(root: string, outDir: string): Promise<string> {
  const entry = join(outDir, 'sync-bench-entry.ts');
  // Written here, not kept in bench/: a file there importing src/ would pull DOM-typed code into
  // tsconfig.server.json's check. Root-relative paths resolve against `root`.
  writeFileSync(
    entry,
    [
      "import { Argon2Client, KeyServer, LocalStore, createBrowserPasskeys, Vault } from '/src/vault/index.ts';",
      "import { parseEncryptedRecord } from '/src/vault/crypto/index.ts';",
      "import { SyncStore } from '/src/vault/sync/sync-store.ts';",
      "import { createSyncBenchApi } from '/bench/sync/in-page.ts';",
      '(globalThis as any).__khSyncBench = createSyncBenchApi({ Argon2Client, KeyServer, LocalStore, SyncStore, parseEncryptedRecord, createBrowserPasskeys, Vault } as any);',
      '',
    ].join('\n'),
  );
  // NODE_ENV as the app's production build has it (test/e2e/build.ts explains why it matters).
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root,
      configFile: false,
      mode: 'production',
      logLevel: 'warn',
      publicDir: false,
      build: {
        outDir: join(outDir, 'out'),
        emptyOutDir: true,
        minify: true,
        lib: { entry, formats: ['iife'], name: 'khSyncBench', fileName: () => 'sync-bench-page.js' },
      },
    });
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
  return readFileSync(join(outDir, 'out', 'sync-bench-page.js'), 'utf8');
}

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
export function buildSyncPageBundle(root: string, outDir: string): Promise<string> {
  return buildPageBundle(root, outDir, 'sync-bench', [
    "import { Argon2Client, KeyServer, LocalStore, createBrowserPasskeys, Vault } from '/src/vault/index.ts';",
    "import { parseEncryptedRecord } from '/src/vault/crypto/index.ts';",
    "import { SyncStore } from '/src/vault/sync/sync-store.ts';",
    "import { createSyncBenchApi } from '/bench/sync/in-page.ts';",
    '(globalThis as any).__khSyncBench = createSyncBenchApi({ Argon2Client, KeyServer, LocalStore, SyncStore, parseEncryptedRecord, createBrowserPasskeys, Vault } as any);',
  ]);
}

/**
 * Bundles an entry made of `entryLines` (root-relative imports of src/ and bench/) as one minified
 * IIFE named `<name>-page.js` under `outDir`; returns its source. Other benches' page code uses it too.
 */
export async function buildPageBundle(root: string, outDir: string, name: string, entryLines: readonly string[]): Promise<string> {
  const entry = join(outDir, `${name}-entry.ts`);
  // Written here, not kept in bench/: a file there importing src/ would pull DOM-typed code into
  // tsconfig.server.json's check. Root-relative paths resolve against `root`.
  writeFileSync(entry, [...entryLines, ''].join('\n'));
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
        outDir: join(outDir, `${name}-out`),
        emptyOutDir: true,
        minify: true,
        lib: { entry, formats: ['iife'], name: name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()), fileName: () => `${name}-page.js` },
      },
    });
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
  return readFileSync(join(outDir, `${name}-out`, `${name}-page.js`), 'utf8');
}

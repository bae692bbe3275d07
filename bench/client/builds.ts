/**
 * The two builds the client bench needs: the PWA itself into dist/ (production, as shipped and
 * as the e2e setup builds it), and a small bundle of in-page.ts with the app's vault code for
 * page.evaluate.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Rolldown } from 'vite';

/** One module of the entry chunk as rolldown rendered it (tree-shaken, not yet minified). */
export interface RenderedModule {
  id: string;
  code: string;
}

export interface AppBuild {
  /** dist/ file names of every JS chunk and the modules rendered into each. */
  chunks: Map<string, { modules: RenderedModule[]; imports: string[] }>;
  ms: number;
}

/**
 * Runs the app's vite build with NODE_ENV=production (test/e2e/build.ts explains why it must be
 * set: otherwise Lit's dev mode is bundled and no service worker is built).
 */
async function inProduction<T>(work: () => Promise<T>): Promise<T> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await work();
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}

function outputsOf(result: Awaited<ReturnType<typeof build>>): Rolldown.RolldownOutput[] {
  return (Array.isArray(result) ? result : [result]).filter((r): r is Rolldown.RolldownOutput => 'output' in r);
}

/** `vite build` of the app into dist/ with the project's vite.config.ts. */
export async function buildApp(root: string): Promise<AppBuild> {
  const started = performance.now();
  const result = await inProduction(() => build({ root, mode: 'production', logLevel: 'warn' }));
  const chunks: AppBuild['chunks'] = new Map();
  for (const output of outputsOf(result)) {
    for (const item of output.output) {
      if (item.type !== 'chunk') continue;
      const modules = Object.entries(item.modules).map(([id, info]) => ({ id, code: info.code ?? '' }));
      chunks.set(item.fileName, { modules, imports: item.imports });
    }
  }
  return { chunks, ms: performance.now() - started };
}

/**
 * Bundles in-page.ts with the app's Argon2 bridge and src/vault/crypto as one IIFE that sets
 * `globalThis.__khBench`, built in production mode and minified like the app. Returns its source.
 */
export async function buildPageBundle(root: string, outDir: string): Promise<string> {
  const entry = join(outDir, 'bench-entry.ts');
  // Written here, not kept in bench/: a file there importing src/ would pull DOM-typed code into
  // tsconfig.server.json's check. Root-relative paths resolve against `root`.
  writeFileSync(
    entry,
    [
      "import { Argon2Client } from '/src/vault/platform/argon2-client.ts';",
      "import { unlockWithPin } from '/src/vault/crypto/index.ts';",
      "import { decryptRecord, encryptRecord } from '/src/vault/crypto/records.ts';",
      "import { createLocalVault } from '/src/vault/crypto/local/local-vault.ts';",
      "import { createBenchApi } from '/bench/client/in-page.ts';",
      "import { createArgon2BenchApi } from '/bench/client/in-page-argon2.ts';",
      '(globalThis as any).__khBench = { ...createBenchApi({ Argon2Client, createLocalVault, decryptRecord, encryptRecord, unlockWithPin } as any), ...createArgon2BenchApi({ Argon2Client } as any) };',
      '',
    ].join('\n'),
  );
  await inProduction(() =>
    build({
      root,
      configFile: false,
      mode: 'production',
      logLevel: 'warn',
      publicDir: false,
      build: {
        outDir: join(outDir, 'out'),
        emptyOutDir: true,
        minify: true,
        lib: { entry, formats: ['iife'], name: 'khBench', fileName: () => 'bench-page.js' },
      },
    }),
  );
  return readFileSync(join(outDir, 'out', 'bench-page.js'), 'utf8');
}

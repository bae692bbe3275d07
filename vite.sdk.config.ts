/**
 * `npm run build:sdk`: the vault SDK as an ES module library in dist-sdk/ (git-ignored), for the
 * ecosystem's other apps (docs/sdk.md). tsconfig.sdk.json then writes its declarations.
 *
 * - Entries: the SDK index, its two lazily loaded entries, the Argon2 worker's URL and the service
 *   worker's background sync; each `<entry>.js` has an `<entry>.d.ts` beside it.
 * - The packages the SDK uses stay imports (the app's bundler resolves them once, shared with its
 *   own code); dist-sdk/package.json names them with the versions this repository uses.
 * - The Argon2 worker and its two WASM builds are files under dist-sdk/assets/, found relative to
 *   the module that names them (`base: './'`), never inlined: a strict CSP refuses data: scripts,
 *   and the service worker caches them as files.
 */
import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string; dependencies: Record<string, string> };

/** A bare import of one of the repository's dependencies (`dexie`, `workbox-routing`, `@noble/hashes/sha2.js`). */
function packageOf(id: string): string | undefined {
  return Object.keys(pkg.dependencies).find((name) => id === name || id.startsWith(`${name}/`));
}

const ENTRIES = {
  index: 'src/vault/index.ts',
  'pin-policy': 'src/vault/pin-policy.ts',
  'recovery-kit-text': 'src/vault/recovery-kit-text.ts',
  'argon2-worker': 'src/vault/argon2-worker.ts',
  'service-worker': 'src/vault/service-worker.ts',
};

/** Writes dist-sdk/package.json (`keyhold-sdk`) and one `<entry>.d.ts` per entry, pointing into types/. */
function sdkPackagePlugin(): Plugin {
  return {
    name: 'keyhold-sdk-package',
    generateBundle(_options, bundle) {
      const used = new Set<string>();
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        for (const id of [...file.imports, ...file.dynamicImports]) {
          const name = packageOf(id);
          if (name) used.add(name);
        }
      }
      const exports: Record<string, { types: string; import: string }> = {};
      for (const [entry, source] of Object.entries(ENTRIES)) {
        const types = `./types/${source.replace(/\.ts$/, '')}`;
        this.emitFile({ type: 'asset', fileName: `${entry}.d.ts`, source: `export * from '${types}';\n` });
        exports[entry === 'index' ? '.' : `./${entry}`] = { types: `./${entry}.d.ts`, import: `./${entry}.js` };
      }
      const manifest = {
        name: 'keyhold-sdk',
        version: pkg.version,
        type: 'module',
        exports,
        dependencies: Object.fromEntries([...used].sort().map((name) => [name, pkg.dependencies[name]])),
      };
      this.emitFile({ type: 'asset', fileName: 'package.json', source: `${JSON.stringify(manifest, null, 2)}\n` });
    },
  };
}

export default defineConfig({
  publicDir: false,
  base: './',
  build: {
    outDir: 'dist-sdk',
    emptyOutDir: true,
    target: 'es2022',
    // A library: the app that bundles it minifies it.
    minify: false,
    lib: { entry: ENTRIES, formats: ['es'] },
    rolldownOptions: { external: (id) => packageOf(id) !== undefined },
  },
  worker: { format: 'es' },
  plugins: [sdkPackagePlugin()],
});

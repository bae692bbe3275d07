import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { firstLoadPreloadPlugin } from './scripts/first-load-preload';
import { precompressPlugin } from './scripts/precompress';

/** The key server (server/main.ts) in development; in production it serves dist/ itself. */
const KEY_SERVER = 'http://localhost:8080';

/** The app's version, shown in Settings → About (src/types/app-version.d.ts declares it). */
const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: {
    __KEYHOLD_VERSION__: JSON.stringify(version),
  },
  resolve: {
    // Dexie's package entry for `import` (import-wrapper.mjs) re-exports its UMD build, which the
    // bundler wraps in CommonJS glue and cannot minify as well: its own ES module build is the same
    // code and saves 0.8 KB gzip of the first load. The wrapper only guards against a second copy
    // of Dexie loaded through `require`, which a browser bundle never does. The build only: the
    // tests (vitest.config.ts) keep the package's entry.
    alias: [{ find: /^dexie$/, replacement: 'dexie/dist/dexie.mjs' }],
  },
  build: {
    outDir: 'dist',
    // No preload table for the lazy chunks' dependencies: it named every chunk in the first load
    // (1.1 KB gzip), while the service worker serves those chunks from its cache after the first
    // visit, where fetching a chunk's imports as they are found costs next to nothing.
    modulePreload: false,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // The key hierarchy and what it leans on are used by the first load and by the lazy
          // chunks alike. Left to itself Rolldown cuts them into several shared chunks, whose
          // import/export glue the first load pays for (0.5 KB gzip, BENCHMARKS.md): one chunk.
          // Out of it: the PIN policy, making a new or recovered vault, encrypting records (the
          // unlocked vault's chunk loads it), lock everywhere's rotation, the recovery kit's keys and PIN
          // reset, the backup file's key and the device approval's crypto — only their screens use them.
          // platform/server-health.ts (a few lines, re-exported by the SDK index) joins it: only
          // Settings → About calls it, and left in the lazy chunk it made Rolldown split the first
          // load into five shared chunks (+0.9 KB gzip).
          groups: [{ name: 'vault-core', test: /src\/vault\/(crypto\/(?!pin\/|local\/(rotate-root-secret|reset-pin|local-vault|adopt-root-secret)|records\.ts|backup-key|kit-keys|device-approval)|errors\.ts|unlock\/(unlock-throttle|prf-unlock)\.ts|platform\/server-health\.ts)|protocol\/(base64url|constants)\.ts/ }],
        },
      },
    },
  },
  // Module workers: the Argon2 worker is an ES module chunk, loaded with `{ type: 'module' }`.
  worker: {
    format: 'es',
  },
  server: {
    proxy: { '/api': KEY_SERVER },
  },
  preview: {
    proxy: { '/api': KEY_SERVER },
  },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: '.',
      filename: 'sw.ts',
      // src/pwa.ts registers sw.js with workbox-window, so an update waits for the user.
      injectRegister: false,
      manifest: {
        id: '/',
        name: 'Keyhold',
        short_name: 'Keyhold',
        description: 'Your private keys, encrypted on this device and unlocked with your PIN. Works offline.',
        lang: 'en',
        theme_color: '#0f172a',
        background_color: '#0f172a',
        display: 'standalone',
        start_url: '/',
        scope: '/',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512-maskable.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      // The icons are precached by the glob below already; listing them again would duplicate entries.
      includeManifestIcons: false,
      injectManifest: {
        // manifest.webmanifest is not globbed: vite-plugin-pwa always precaches it itself.
        globPatterns: ['**/*.{js,css,html,png,svg,wasm}'],
        // The .br/.gz copies (scripts/precompress.ts) are the same files for the network only:
        // written after this glob runs, and never to be precached twice.
        globIgnores: ['**/*.br', '**/*.gz'],
        // Every file must be precached or offline unlock breaks, and vite-plugin-pwa fails the
        // build on a file over this cap. The largest files are the entry chunk (~175 kB) and
        // the two Argon2 .wasm builds the worker picks from (~26 kB each, both precached: which
        // one a device needs is known only in the browser).
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
    }),
    // The entry's static imports fetched with it, named in index.html (not in the JS).
    firstLoadPreloadPlugin(),
    // Last: compresses every text file of dist/, sw.js included, once the PWA plugin has written it.
    precompressPlugin(),
  ],
});

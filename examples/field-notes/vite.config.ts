/**
 * Builds Field notes (`npm run example` runs it; scripts/example.ts). Settings, from the environment:
 * - KEY_SERVER_ORIGIN: the key server it talks to, default http://localhost:8080 (the key server
 *   must list this app's origin: APPS, or `npm run apps -- add fieldnotes "Field notes" <origin>`);
 * - KEYHOLD_SDK_DIR: build against the built SDK in that folder (`npm run build:sdk` writes dist-sdk/)
 *   instead of the SDK's sources (src/vault/), as an app outside this repository would.
 * Either way the app imports only `keyhold-sdk` and its entries (`keyhold-sdk/service-worker`…).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const keyServerOrigin = new URL(process.env.KEY_SERVER_ORIGIN ?? 'http://localhost:8080').origin;
const builtSdkDir = process.env.KEYHOLD_SDK_DIR;
const useBuiltSdk = builtSdkDir !== undefined && builtSdkDir !== '';
const builtSdk = useBuiltSdk ? `${resolve(builtSdkDir)}/` : '';

/** `keyhold-sdk` (the index) and `keyhold-sdk/<entry>`: the SDK's sources (src/vault/) or the built library. */
const sdkAliases = useBuiltSdk
  ? [
      { find: /^keyhold-sdk$/, replacement: `${builtSdk}index.js` },
      { find: /^keyhold-sdk\/(.+)$/, replacement: `${builtSdk}$1.js` },
    ]
  : [
      { find: /^keyhold-sdk$/, replacement: here('../../src/vault/index.ts') },
      { find: /^keyhold-sdk\/(.+)$/, replacement: `${here('../../src/vault/')}$1.ts` },
    ];

/**
 * With the built SDK, Vite copies its Argon2 worker (named by `new URL(…, import.meta.url)`) as it
 * is, so the two WASM builds that worker names beside itself are copied next to it here.
 */
function builtSdkWasm(): Plugin {
  return {
    name: 'field-notes-built-sdk-wasm',
    apply: 'build',
    generateBundle() {
      for (const file of readdirSync(`${builtSdk}assets`).filter((name) => name.endsWith('.wasm'))) {
        this.emitFile({ type: 'asset', fileName: `assets/${file}`, source: readFileSync(`${builtSdk}assets/${file}`) });
      }
    },
  };
}

export default defineConfig({
  root: here('.'),
  envDir: false,
  define: { __KEY_SERVER_ORIGIN__: JSON.stringify(keyServerOrigin) },
  resolve: {
    alias: sdkAliases,
  },
  build: { outDir: here('dist'), emptyOutDir: true, modulePreload: false },
  worker: { format: 'es' },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: {
        id: '/',
        name: 'Field notes',
        short_name: 'Field notes',
        description: 'Short notes with a place, written offline, kept encrypted by your Keyhold account.',
        lang: 'en',
        theme_color: '#14532d',
        background_color: '#14532d',
        display: 'standalone',
        start_url: '/',
        scope: '/',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512-maskable.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      includeManifestIcons: false,
      injectManifest: { globPatterns: ['**/*.{js,css,html,png,svg,wasm}'], maximumFileSizeToCacheInBytes: 4 * 1024 * 1024 },
    }),
    ...(useBuiltSdk ? [builtSdkWasm()] : []),
  ],
});

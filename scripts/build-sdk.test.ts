import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm run build:sdk` (vite.sdk.config.ts + tsconfig.sdk.json), built into a scratch folder inside
 * the repository so that Node resolves the SDK's package imports from node_modules/ as an app's
 * bundler would.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

describe('npm run build:sdk', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(root, '.vitest-sdk-'));
    execFileSync(bin('vite'), ['build', '-c', 'vite.sdk.config.ts', '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], { cwd: root });
    execFileSync(bin('tsc'), ['-p', 'tsconfig.sdk.json', '--outDir', join(out, 'types')], { cwd: root });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is an ES module library whose index exports the public API', async () => {
    const sdk = (await import(join(out, 'index.js'))) as Record<string, unknown>;
    for (const name of ['Vault', 'KeyServer', 'LocalStore', 'Argon2Client', 'createBrowserPasskeys', 'VaultError', 'STATE_CHANGED', 'RECORDS_REPLAYED_MESSAGE']) {
      expect(sdk[name], name).toBeDefined();
    }
    expect(typeof sdk.Vault).toBe('function');
    const pinPolicy = (await import(join(out, 'pin-policy.js'))) as Record<string, unknown>;
    expect(typeof pinPolicy.checkPin).toBe('function');
  });

  it('declares the types of every entry, as package.json exports them', () => {
    const manifest = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { types: string; import: string }>; dependencies: Record<string, string> };
    expect(manifest.name).toBe('keyhold-sdk');
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './argon2-worker', './pin-policy', './recovery-kit-text', './service-worker']);
    for (const { types, import: module } of Object.values(manifest.exports)) {
      expect(existsSync(join(out, module)), module).toBe(true);
      const target = /from '(.+)'/.exec(readFileSync(join(out, types), 'utf8'))?.[1];
      expect(existsSync(join(out, `${target}.d.ts`)), types).toBe(true);
    }
    expect(readFileSync(join(out, 'types/src/vault/vault.d.ts'), 'utf8')).toContain('export declare class Vault');
    // Packages stay imports, named with the versions this repository uses.
    expect(manifest.dependencies.dexie).toBeDefined();
    expect(readFileSync(join(out, 'index.js'), 'utf8')).not.toMatch(/class Dexie\b/);
  });

  it('emits the Argon2 worker and both WASM builds as files, found relative to the SDK, nothing inlined', async () => {
    const assets = readdirSync(join(out, 'assets'));
    const worker = assets.find((file) => /^argon2\.worker-.+\.js$/.test(file));
    expect(worker).toBeDefined();
    expect(assets.filter((file) => file.endsWith('.wasm'))).toHaveLength(2);
    const { argon2WorkerUrl } = (await import(join(out, 'argon2-worker.js'))) as { argon2WorkerUrl: string };
    expect(fileURLToPath(argon2WorkerUrl)).toBe(join(out, 'assets', worker!));
    const workerCode = readFileSync(join(out, 'assets', worker!), 'utf8');
    for (const wasm of assets.filter((file) => file.endsWith('.wasm'))) expect(workerCode).toContain(`new URL("${wasm}", import.meta.url)`);
    for (const file of readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.js'))) {
      expect(readFileSync(join(out, file), 'utf8'), file).not.toContain(';base64,');
    }
  });

  it('gives a service worker background sync without the vault', () => {
    // Workbox needs a service worker's global scope to load, so this reads the module graph.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, specifier] of readFileSync(join(out, file), 'utf8').matchAll(/(?:^|\n)(?:import|export)\b[^;]*?from\s*"([^"]+)"/g)) {
        if (specifier!.startsWith('./')) visit(specifier!.slice(2));
        else packages.add(specifier!);
      }
    };
    visit('service-worker.js');
    expect(readFileSync(join(out, 'service-worker.js'), 'utf8')).toMatch(/export \{[^}]*registerRecordWriteSync/);
    expect([...packages].sort()).toEqual(['idb', 'workbox-background-sync', 'workbox-routing', 'workbox-strategies']);
    expect(seen.has('index.js')).toBe(false);
  });

  it('builds Field notes against it, its worker beside the WASM that worker loads', () => {
    const app = join(out, 'field-notes');
    execFileSync(bin('vite'), ['build', '-c', 'examples/field-notes/vite.config.ts', '--outDir', app, '--emptyOutDir', '--logLevel', 'error'], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', KEYHOLD_SDK_DIR: out, KEY_SERVER_ORIGIN: 'https://keys.example.com' },
    });
    const assets = readdirSync(join(app, 'assets'));
    // The built SDK's worker, copied (its name gains a second hash), not one built again from the sources.
    const sdkWorker = readdirSync(join(out, 'assets')).find((file) => file.endsWith('.js'))!.replace(/\.js$/, '');
    const worker = assets.find((file) => file.startsWith(`${sdkWorker}-`) && file.endsWith('.js'));
    expect(worker).toBeDefined();
    const workerCode = readFileSync(join(app, 'assets', worker!), 'utf8');
    const wasmNames = [...workerCode.matchAll(/new URL\("([^"]+\.wasm)", import\.meta\.url\)/g)].map((match) => match[1]!);
    expect(wasmNames).toHaveLength(2);
    for (const wasm of wasmNames) expect(assets).toContain(wasm);
    const bundle = assets.filter((file) => file.endsWith('.js')).map((file) => readFileSync(join(app, 'assets', file), 'utf8')).join('\n');
    expect(bundle).toContain('https://keys.example.com');
    expect(readFileSync(join(app, 'sw.js'), 'utf8')).toContain('keyhold-record-writes');
  });
});

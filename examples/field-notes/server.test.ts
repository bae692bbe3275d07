import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveFieldNotes, type FieldNotesServer } from './server';

describe("Field notes' static server", () => {
  let dir: string;
  let server: FieldNotesServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kh-fieldnotes-serve-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Field notes</title>');
    writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(dir, 'assets', 'argon2-abc.wasm'), new Uint8Array([0, 97, 115, 109]));
    writeFileSync(join(dir, '..', 'secret.txt'), 'outside');
    // A folder given with its trailing slash, as a URL makes it.
    server = await serveFieldNotes({ dir: `${dir}/`, port: 0, host: '127.0.0.1', keyServerOrigin: 'https://keys.example.com/ignored/path' });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', 'secret.txt'), { force: true });
  });

  it('sends a strict CSP whose connect-src names the key server origin, Trusted Types required', async () => {
    const response = await fetch(`${server.origin}/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("connect-src 'self' https://keys.example.com;");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('permissions-policy')).toContain('geolocation=(self)');
  });

  it('answers an in-app path with the shell, and a missing file with 404, never the shell', async () => {
    const deepLink = await fetch(`${server.origin}/notes/42`);
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toContain('<title>Field notes</title>');
    expect((await fetch(`${server.origin}/assets/missing.js`)).status).toBe(404);
  });

  it('serves WASM with its type, hashed assets as immutable and the service worker uncached', async () => {
    const wasm = await fetch(`${server.origin}/assets/argon2-abc.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(wasm.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${server.origin}/sw.js`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('serves nothing outside its folder and only reads', async () => {
    expect((await fetch(`${server.origin}/..%2fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${server.origin}/`, { method: 'POST' })).status).toBe(405);
  });
});

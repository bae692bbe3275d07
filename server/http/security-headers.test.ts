import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../test/helpers/accounts';
import { ApiClient, startTestServer, type TestServer } from '../../test/helpers/harness';
import { CONTENT_SECURITY_POLICY } from './security-headers';

describe('security headers', () => {
  let server: TestServer;
  let https: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    https = await startTestServer('sqlite', { ORIGIN: 'https://vault.example.com', RP_ID: 'vault.example.com' });
  });
  afterAll(async () => {
    await server.close();
    await https.close();
  });

  it.each([
    ['a successful API call', 'GET', '/api/health', 200],
    ['an unknown API route', 'GET', '/api/nope', 404],
    ['a refused state change', 'POST', '/api/devices/challenge', 403],
  ])('puts the strict CSP, nosniff, no-referrer and no-store on %s', async (_, method, path, status) => {
    const client = new ApiClient(server);
    client.origin = '';
    const reply = await client.call(method, path, method === 'POST' ? {} : undefined);
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(reply.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('strict-transport-security')).toBeNull();
  });

  it('adds Strict-Transport-Security when served over HTTPS', async () => {
    const reply = await new ApiClient(https).get('/api/health');
    expect(reply.headers.get('strict-transport-security')).toMatch(/^max-age=\d{8}/);
  });
});

/**
 * Every route, every outcome: each operation of the OpenAPI document (anonymous, and the reads
 * again with a passkey session), the PWA's static files, and the error paths (unknown route, bad
 * origin, malformed JSON, oversized body, a 500) — over HTTP and over HTTPS.
 */
describe.each([
  ['HTTP', 'http://localhost:8080', 'localhost'],
  ['HTTPS', 'https://vault.example.com', 'vault.example.com'],
])('security headers on every response (%s)', (scheme, origin, rpId) => {
  const https = scheme === 'HTTPS';
  let server: TestServer;
  let broken: TestServer;
  let staticDir: string;
  beforeAll(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'kh-static-'));
    mkdirSync(join(staticDir, 'assets'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Keyhold</title>');
    writeFileSync(join(staticDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(staticDir, 'assets', 'app-1234.js'), 'console.log(1);');
    writeFileSync(join(staticDir, 'manifest.webmanifest'), '{}');
    const env = { ORIGIN: origin, RP_ID: rpId, STATIC_DIR: staticDir };
    server = await startTestServer('sqlite', env);
    // A server whose database is gone: its routes answer 500.
    broken = await startTestServer('sqlite', env);
    await broken.close();
  });
  afterAll(async () => {
    await server.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  /** `what` is "METHOD /path …": every /api answer must also say no-store. */
  function expectHardened(res: Response, what: string) {
    const h = res.headers;
    expect(h.get('content-security-policy'), what).toBe(CONTENT_SECURITY_POLICY);
    expect(h.get('x-content-type-options'), what).toBe('nosniff');
    expect(h.get('referrer-policy'), what).toBe('no-referrer');
    expect(h.get('permissions-policy'), what).toMatch(/camera=\(self\), microphone=\(\).*publickey-credentials-get=\(self\)/);
    expect(h.get('cross-origin-opener-policy'), what).toBe('same-origin');
    expect(h.get('cross-origin-resource-policy'), what).toBe('same-origin');
    if (https) expect(h.get('strict-transport-security'), what).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
    else expect(h.get('strict-transport-security'), what).toBeNull();
    if (what.split(' ')[1]!.startsWith('/api/')) expect(h.get('cache-control'), what).toBe('no-store');
  }

  const send = (target: TestServer, method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) =>
    target.app.request(path, {
      method,
      headers: { origin, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body,
    });

  /** Every operation in the OpenAPI document, with its path parameters filled in. */
  async function operations(): Promise<Array<{ method: string; path: string }>> {
    const doc = (await (await send(server, 'GET', '/api/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
      Object.keys(byMethod).map((method) => ({ method: method.toUpperCase(), path: `/api${path.replace(/\{[^}]+\}/g, 'x')}` })),
    );
    expect(ops.length).toBeGreaterThan(25);
    return ops;
  }

  it('on every API operation, anonymous: each answers without a 5xx and with every header, no-store included', async () => {
    for (const { method, path } of await operations()) {
      const res = await send(server, method, path, method === 'GET' ? {} : { body: '{}' });
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      expectHardened(res, `${method} ${path}`);
    }
    expectHardened(await send(server, 'GET', '/api/openapi.json'), 'GET /api/openapi.json');
  });

  // HTTP only (declared, not skipped, over HTTPS): the account helpers register passkeys for the test
  // origin, which the HTTPS server's relying party refuses; every route's anonymous answer above covers HTTPS.
  if (!https) it('on every API read with a passkey session (successful answers)', async () => {
    const user = await createAccount(server, 'headers');
    const reads = (await operations()).filter((op) => op.method === 'GET');
    for (const { path } of reads) {
      const res = await server.app.request(path, { headers: { cookie: user.client.cookie! } });
      expect(res.status, `GET ${path}`).toBeLessThan(500);
      expectHardened(res, `GET ${path}`);
    }
    expect((await server.app.request('/api/session', { headers: { cookie: user.client.cookie! } })).status).toBe(200);
  });

  it.each([
    ['an unknown API path', 'GET', '/api/no-such-thing', {}, 404],
    ['an unknown method on an API path', 'PATCH', '/api/health', { body: '{}' }, 404],
    ['a state change from another origin', 'POST', '/api/devices/challenge', { body: '{}', headers: { origin: 'https://evil.example' } }, 403],
    ['malformed JSON', 'POST', '/api/recovery/pin/params', { body: '{"username":' }, 400],
    ['an oversized body', 'POST', '/api/recovery/pin/params', { body: JSON.stringify({ username: 'x'.repeat(70_000) }) }, 413],
  ] as const)('on %s (an API error)', async (_, method, path, init, status) => {
    const res = await send(server, method, path, init);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/^[a-z_]+$/);
    expectHardened(res, `${method} ${path}`);
  });

  it('on a 500 from a route whose database is gone', async () => {
    const res = await send(broken, 'POST', '/api/recovery/pin/params', { body: JSON.stringify({ username: 'someone' }) });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal_error', message: 'Something went wrong on the server.' } });
    expectHardened(res, 'POST /api/recovery/pin/params (500)');
    const health = await send(broken, 'GET', '/api/health');
    expect(health.status).toBe(503);
    expectHardened(health, 'GET /api/health (503)');
  });

  it.each([
    ['/', 200],
    ['/index.html', 200],
    ['/sw.js', 200],
    ['/assets/app-1234.js', 200],
    ['/manifest.webmanifest', 200],
    ['/settings/recovery', 200], // a client-side route: the app shell
  ])('on the static file %s', async (path, status) => {
    const res = await send(server, 'GET', path);
    expect(res.status).toBe(status);
    expectHardened(res, `GET ${path}`);
    expect(res.headers.get('cache-control')).not.toBe('no-store');
    if (path === '/sw.js') expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('on a non-API 404', async () => {
    const res = await send(server, 'POST', '/no-such-page', { body: '{}' });
    expect(res.status).toBe(404);
    expectHardened(res, 'POST /no-such-page');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

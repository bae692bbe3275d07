import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, ORIGIN, startTestServer, type TestServer } from '../../test/helpers/harness';

/**
 * A body over BODY_LIMIT_BYTES is refused with 413 before it is read. The client's connection must
 * survive that for the request after it: a keep-alive agent with ONE connection sends the
 * oversized body, then a normal request, which must be answered (not lost to a reset socket).
 */
describe.each(DIALECTS)('an oversized body on %s', (dialect) => {
  let server: TestServer;
  let listening: ServerType;
  let url: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    listening = serve({ fetch: server.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => listening.once('listening', () => resolve()));
    url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => listening.close(() => resolve()));
    await server.close();
  });

  const twoMegabytes = 'x'.repeat(2 * 1024 * 1024);
  const bodies: Array<[string, () => string | Readable]> = [
    ['with a Content-Length', () => twoMegabytes],
    ['sent chunked', () => Readable.from([twoMegabytes.slice(0, 1024 * 1024), twoMegabytes.slice(1024 * 1024)])],
  ];

  it.each(bodies)('413 %s, and the next request on the same keep-alive connection is answered', async (_how, body) => {
    const agent = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 30_000 });
    try {
      for (let round = 0; round < 3; round++) {
        const refused = await request(`${url}/api/backup`, {
          method: 'PUT',
          dispatcher: agent,
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body: body(),
        });
        expect(refused.statusCode).toBe(413);
        expect(refused.headers.connection).toBe('close');
        expect(((await refused.body.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');

        const next = await request(`${url}/api/health`, { dispatcher: agent });
        expect(next.statusCode).toBe(200);
        expect(((await next.body.json()) as { status: string }).status).toBe('ok');
      }
    } finally {
      await agent.close();
    }
  });

  // Under the limit, a body is read whether its length came first or it streamed in chunks.
  it.each([
    ['with a Content-Length', (json: string) => json],
    ['sent chunked', (json: string) => Readable.from([json.slice(0, 5), json.slice(5)])],
  ] as Array<[string, (json: string) => string | Readable]>)('a small JSON body %s is read', async (_how, body) => {
    const reply = await request(`${url}/api/recovery/pin/params`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: body(JSON.stringify({ username: 'nobody-in-particular' })),
    });
    expect(reply.statusCode).toBe(200);
    expect(Object.keys((await reply.body.json()) as object).sort()).toEqual(['argon2', 'guessesLeft', 'salt']);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureFromServer, KeyServerError, VaultError } from '../errors';
import { KeyServer } from './key-server';

/**
 * How the client reads a server that says "not now": the key server's own 503 (its JSON error
 * names the code and the wait) and a bare 503 from a proxy in front of it while it restarts (only
 * a Retry-After header). A real HTTP server on a loopback port answers as each would.
 */
describe('KeyServer: a busy server', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/api/shed') {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ error: { code: 'overloaded', message: 'The server is busy. Try again in a moment.', retryAfterSeconds: 1 } }));
      } else if (req.url === '/api/database') {
        // The body's wait is missing: the header still says it.
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '2' });
        res.end(JSON.stringify({ error: { code: 'database_unavailable', message: 'The database is not answering.' } }));
      } else if (req.url === '/api/proxy') {
        res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '7' });
        res.end('<h1>503 Service Unavailable</h1>');
      } else {
        res.writeHead(500, { 'content-type': 'text/html', 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' });
        res.end('<h1>500</h1>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const failure = (path: string) => new KeyServer(base).request('GET', path).then(() => null, (error: unknown) => error);

  it('reads load shedding and a missing database as server_busy with the wait the server asked for', async () => {
    const shed = await failure('/shed');
    expect(shed).toBeInstanceOf(KeyServerError);
    expect(shed).toMatchObject({ code: 'server_busy', serverCode: 'overloaded', status: 503, retryAfterSeconds: 1 });
    expect(await failure('/database')).toMatchObject({ code: 'server_busy', serverCode: 'database_unavailable', retryAfterSeconds: 2 });
    const mapped = failureFromServer(shed);
    expect(mapped).toBeInstanceOf(VaultError);
    expect(mapped).toMatchObject({ code: 'server_busy' });
  });

  it('reads a bare 503 from a proxy as busy too, and anything else as a server error', async () => {
    expect(await failure('/proxy')).toMatchObject({ code: 'server_busy', serverCode: 'bad_response', retryAfterSeconds: 7 });
    const other = await failure('/other');
    expect(other).toMatchObject({ code: 'server_error', serverCode: 'bad_response', status: 500 });
    expect((other as KeyServerError).retryAfterSeconds).toBeUndefined();
  });
});

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

/** What the key server client asked the network for: the URL and the request options that matter across origins. */
function recordingFetch(status = 200, body: unknown = { status: 'ok', version: '1.2.3' }) {
  const sent: Array<{ url: string; credentials: RequestCredentials | undefined; cache: RequestCache | undefined }> = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    sent.push({ url: String(input), credentials: init?.credentials, cache: init?.cache });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  return { sent, fetchImpl };
}

describe('KeyServer on another origin', () => {
  it('sends every API request to its base with credentials, never from an HTTP cache', async () => {
    const { sent, fetchImpl } = recordingFetch(200, { devices: [] });
    const server = new KeyServer('https://keys.example.test', fetchImpl);
    await server.devices();
    await server.request('GET', '/apps/current');
    expect(sent).toEqual([
      { url: 'https://keys.example.test/api/devices', credentials: 'include', cache: 'no-store' },
      { url: 'https://keys.example.test/api/apps/current', credentials: 'include', cache: 'no-store' },
    ]);
  });

  it('checks the health of the key server at its base, not of the page’s origin', async () => {
    const { sent, fetchImpl } = recordingFetch();
    expect(await new KeyServer('https://keys.example.test', fetchImpl).health()).toEqual({ state: 'online', status: 'ok', version: '1.2.3' });
    expect(sent).toEqual([{ url: 'https://keys.example.test/api/health', credentials: 'include', cache: 'no-store' }]);
  });

  it('reports a key server that cannot be reached as offline, and an unusable answer as an error', async () => {
    const unreachable = new KeyServer('https://keys.example.test', () => Promise.reject(new TypeError('fetch failed')));
    expect(await unreachable.health()).toEqual({ state: 'offline' });
    expect(await new KeyServer('', recordingFetch(502, {}).fetchImpl).health()).toEqual({ state: 'error', httpStatus: 502 });
  });
});

import { describe, expect, it } from 'vitest';
import { KeyServer } from './key-server';

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

import { describe, expect, it } from 'vitest';
import { createAccount, deviceSignIn, registerDevice } from '../../test/helpers/accounts';
import { startTestServer } from '../../test/helpers/harness';
import { batchLines, createLogger } from './logger';

describe('request logs', () => {
  it('are one JSON line per request with method, path and status — never cookies, bodies, challenges or query strings', async () => {
    const lines: string[] = [];
    const server = await startTestServer('sqlite', { LOG_REQUESTS: 'true' }, { log: createLogger((line) => lines.push(line)) });
    try {
      const user = await createAccount(server, 'logged');
      const { deviceId, privateKey } = await registerDevice(user);
      const { client } = await deviceSignIn(server, deviceId, privateKey);
      const blob = 'U2VjcmV0S2V5QnVuZGxlQ2lwaGVydGV4dA';
      await client.put('/api/backup/key-bundle', { blob, expectedVersion: 0 });
      await client.get('/api/audit?limit=5&before=999');
      const cookies = [user.client.cookie, client.cookie].map((c) => c!.split('=')[1]!);

      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.length).toBeGreaterThanOrEqual(7);
      for (const entry of entries) {
        expect(Object.keys(entry).sort()).toEqual(['level', 'method', 'ms', 'msg', 'path', 'requestId', 'status', 'time']);
      }
      expect(entries.map((e) => `${e.method} ${e.path} ${e.status}`)).toContain('PUT /api/backup/key-bundle 200');
      const all = lines.join('\n');
      for (const secret of [...cookies, blob, 'limit=5', 'U2VjcmV0']) expect(all).not.toContain(secret);
      expect(all).not.toMatch(/challenge":"|signature|clientDataJSON/);
    } finally {
      await server.close();
    }
  });
});

describe('batched log lines', () => {
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const sink = () => {
    const chunks: string[] = [];
    return { chunks, ...batchLines((chunk) => chunks.push(chunk), 200) };
  };

  it('writes the lines of one event-loop turn together, in order, once the turn is over', async () => {
    const { chunks, write } = sink();
    const log = createLogger(write);
    log.info('one', { n: 1 });
    log.info('two', { n: 2 });
    expect(chunks).toEqual([]);
    await nextTurn();
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.endsWith('\n')).toBe(true);
    expect(chunks[0]!.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['one', 'two']);
    log.info('three');
    await nextTurn();
    expect(chunks).toHaveLength(2);
    expect(JSON.parse(chunks[1]!)).toMatchObject({ level: 'info', msg: 'three' });
  });

  it('writes a warning or an error at once, after the lines logged before it', () => {
    const { chunks, write } = sink();
    const log = createLogger(write);
    log.info('request');
    log.error('sweep_failed', { error: 'Error' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.trim().split('\n').map((line) => (JSON.parse(line) as { level: string }).level)).toEqual(['info', 'error']);
    log.warn('pepper_generated');
    expect(chunks).toHaveLength(2);
  });

  it('writes at once when the pending lines pass the limit, and flush writes what is left', async () => {
    const { chunks, write, flush } = sink();
    const log = createLogger(write);
    for (let i = 0; i < 5; i++) log.info('request', { path: '/api/backup' });
    expect(chunks.length).toBeGreaterThanOrEqual(1);
    const written = () => chunks.join('').trim().split('\n').length;
    expect(written()).toBeLessThan(5);
    flush();
    expect(written()).toBe(5);
    flush();
    await nextTurn();
    expect(written()).toBe(5);
  });
});

import { describe, expect, it } from 'vitest';
import { createAccount, deviceSignIn, registerDevice } from '../../test/helpers/accounts';
import { startTestServer } from '../../test/helpers/harness';
import { createLogger } from './logger';

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

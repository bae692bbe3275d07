import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startPostgres, type RunningPostgres } from '../test/helpers/postgres';
import { newRecordId, sealedRecord } from '../test/helpers/records';
import { createAccountOver, ProcessClient, startServerProcess, type ServerProcess } from '../test/helpers/server-process';

/**
 * PostgreSQL going away under a running key server (a restart, a failover): `pg_ctl stop -m fast`
 * terminates every connection, idle ones included. The server process must live through it,
 * answer at once with 503 `database_unavailable` (never a hang, never a 500), report it in
 * /api/health, and serve again once the database is back, without a restart and without losing
 * what it acknowledged before. A PostgreSQL server of its own, since it is stopped mid-test; the
 * last test also uses it, once it is back, to reach it the other way a server on its machine can.
 */
describe('a key server process while its PostgreSQL stops and starts again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-outage-'));
  let postgres: RunningPostgres;
  let server: ServerProcess;
  let exited: number | null | undefined;
  const client = new ProcessClient();

  beforeAll(async () => {
    postgres = await startPostgres();
    const databaseUrl = await createTestDatabase(postgres.url);
    server = await startServerProcess({ DATA_DIR: dir, DATABASE_URL: databaseUrl, DATABASE_CONNECT_TIMEOUT_SECONDS: '2' });
    server.child.once('exit', (code) => (exited = code));
  });
  afterAll(async () => {
    await server?.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const putRecord = (id: string) => client.call(server.url, 'PUT', `/api/records/${id}`, { expectedVersion: 0, ...sealedRecord() });

  it('answers 503 database_unavailable while it is down, stays up, and serves again once it is back', async () => {
    await createAccountOver(client, server.url, 'outage-user');
    const before = newRecordId();
    expect((await putRecord(before)).status).toBe(200);
    // Several idle pooled connections, as a server under traffic has: each is terminated by the stop.
    await Promise.all(Array.from({ length: 5 }, () => client.get(server.url, '/api/health')));

    await postgres.halt();

    const health = await client.get(server.url, '/api/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', database: 'unreachable' });
    const during = newRecordId();
    const refused = await putRecord(during);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('database_unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const changesDuring = await client.get(server.url, '/api/records/changes?after=0');
    expect(changesDuring.status).toBe(503);
    expect(changesDuring.body.error.code).toBe('database_unavailable');
    expect(exited).toBeUndefined();

    await postgres.resume();

    await expect.poll(async () => (await client.get(server.url, '/api/health')).status, { timeout: 5_000, interval: 100 }).toBe(200);
    // The refused write left nothing behind: it is written now as a first version.
    expect((await putRecord(during)).status).toBe(200);
    const changes = await client.get(server.url, '/api/records/changes?after=0');
    expect(changes.status).toBe(200);
    expect(changes.body.changes.map((c: { id: string }) => c.id).sort()).toEqual([before, during].sort());
    expect(exited).toBeUndefined();
  });

  it('reaches a PostgreSQL on the same machine through its Unix-domain socket (DATABASE_URL ?host=<directory>), and answers 503 while it is stopped', async () => {
    const socketUrl = await createTestDatabase(postgres.socketUrl);
    expect(new URL(socketUrl).searchParams.get('host')).toMatch(/^\//);
    const overSocket = await startServerProcess({ DATA_DIR: mkdtempSync(join(dir, 'socket-')), DATABASE_URL: socketUrl });
    try {
      await createAccountOver(client, overSocket.url, 'socket-user');
      const id = newRecordId();
      expect((await client.call(overSocket.url, 'PUT', `/api/records/${id}`, { expectedVersion: 0, ...sealedRecord() })).status).toBe(200);
      const changes = await client.get(overSocket.url, '/api/records/changes?after=0');
      expect(changes.body.changes.map((c: { id: string }) => c.id)).toEqual([id]);
      // Its pooled connections are socket ones: PostgreSQL reports client_port -1 for those, a port for TCP.
      const observer = new pg.Client({ connectionString: postgres.url });
      await observer.connect();
      try {
        const { rows } = await observer.query<{ client_port: number }>("select client_port from pg_stat_activity where datname = $1 and backend_type = 'client backend'", [new URL(socketUrl).pathname.slice(1)]);
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((row) => row.client_port === -1)).toBe(true);
      } finally {
        await observer.end();
      }

      // Stopped, PostgreSQL removes its socket file: a new connection fails with ENOENT, not a refusal.
      await postgres.halt();
      for (let i = 0; i < 3; i++) {
        const refused = await client.get(overSocket.url, '/api/records/changes?after=0');
        expect(refused.status).toBe(503);
        expect(refused.body.error.code).toBe('database_unavailable');
      }
      await postgres.resume();
      await expect.poll(async () => (await client.get(overSocket.url, '/api/health')).status, { timeout: 5_000, interval: 100 }).toBe(200);
    } finally {
      await overSocket.stop();
    }
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { RecordEnvelopeT } from '../protocol/api';
import { withoutPrfOutput } from '../protocol/webauthn';
import { createTestDatabase } from '../test/helpers/postgres';
import { newRecordId, sealedRecord, tombstoneWrite, type RecordBody } from '../test/helpers/records';
import { SoftAuthenticator } from '../test/helpers/soft-authenticator';

const ORIGIN = 'http://localhost:8080';
/** Records written side by side, each by its own chain of compare-and-set writes. */
const CHAINS = 16;
/** Replies acknowledged before the server is killed: enough that many writes are in flight. */
const ACKS_BEFORE_KILL = 120;

/** Starts `node server/main.ts` on a free port and resolves once it listens. */
async function startProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn('node', ['--import', 'tsx', 'server/main.ts'], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STATIC_DIR: '', LOG_REQUESTS: 'false', ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /"msg":"listening","port":(\d+)/.exec(seen);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${seen}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Creates an account over HTTP with a software passkey; returns the session cookie. */
async function createAccountOver(url: string): Promise<string> {
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const options = await post('/api/passkeys/register/options', { username: 'crash-test' });
  const response = withoutPrfOutput(await new SoftAuthenticator().register((await options.json()) as never, { origin: ORIGIN }));
  const verified = await post('/api/passkeys/register/verify', { response });
  expect(verified.status).toBe(200);
  return verified.headers.get('set-cookie')!.split(';')[0]!;
}

/** The last write of a chain the server acknowledged: what must have survived. */
interface Acknowledged {
  version: number;
  body: RecordBody;
}

/**
 * Durability of record writes: a burst of writes, the server process killed with SIGKILL in the
 * middle of it, a restart on the same database, and every write that got a 2xx reply is there
 * with its version. On PostgreSQL the test server runs with fsync=off (test/helpers/postgres.ts):
 * that loses data only if the *machine* or PostgreSQL itself stops, never when the key server's
 * node process dies, which is what this test kills: a reply is sent only after COMMIT returned.
 * On SQLite the write is in the WAL, synced (synchronous = FULL), before the reply leaves.
 */
describe.each(['sqlite', 'postgres'] as const)('records survive a killed server (%s)', (dialect) => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-crash-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, at its version, after kill -9 and a restart', async () => {
    const env: Record<string, string> = { DATA_DIR: dir };
    if (dialect === 'postgres') env.DATABASE_URL = await createTestDatabase(inject('pgUrl'));
    const first = await startProcess(env);
    children.push(first.child);
    const cookie = await createAccountOver(first.url);
    const headers = { origin: ORIGIN, 'content-type': 'application/json', cookie };

    const acknowledged = new Map<string, Acknowledged>();
    const unexpected: string[] = [];
    let acks = 0;
    let inFlightAtKill = 0;
    let inFlight = 0;
    const chain = async (id: string): Promise<void> => {
      for (let version = 0; ; version++) {
        const body = version % 4 === 3 ? tombstoneWrite() : sealedRecord(100);
        let status: number;
        try {
          inFlight++;
          const reply = await fetch(`${first.url}/api/records/${id}`, { method: 'PUT', headers, body: JSON.stringify({ expectedVersion: version, ...body }) });
          status = reply.status;
          await reply.arrayBuffer();
        } catch {
          return; // the server is gone: this write may or may not have committed
        } finally {
          inFlight--;
        }
        if (status !== 200) {
          unexpected.push(`${id} v${version}: ${status}`);
          return;
        }
        acknowledged.set(id, { version: version + 1, body });
        if (++acks === ACKS_BEFORE_KILL) {
          inFlightAtKill = inFlight;
          first.child.kill('SIGKILL');
        }
      }
    };
    const ids = Array.from({ length: CHAINS }, newRecordId);
    await Promise.all(ids.map(chain));
    expect(unexpected).toEqual([]);
    expect(acks).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    expect(inFlightAtKill).toBeGreaterThan(0);

    const second = await startProcess(env);
    children.push(second.child);
    const stored = new Map<string, RecordEnvelopeT>();
    for (let after = 0, more = true; more; ) {
      const page = (await (await fetch(`${second.url}/api/records/changes?after=${after}`, { headers })).json()) as { changes: RecordEnvelopeT[]; cursor: number; more: boolean };
      for (const change of page.changes) stored.set(change.id, change);
      ({ cursor: after, more } = page);
    }
    for (const id of ids) {
      const acked = acknowledged.get(id);
      const record = stored.get(id);
      if (!acked) continue; // nothing acknowledged: a first write may or may not have landed
      // A write in flight at the kill may have committed without its reply getting out: one more version.
      expect(record, id).toBeDefined();
      expect([acked.version, acked.version + 1], id).toContain(record!.version);
      if (record!.version === acked.version) {
        expect({ deleted: record!.deleted, ciphertext: record!.ciphertext, wrappedDek: record!.wrappedDek }, id).toEqual({
          deleted: acked.body.deleted,
          ciphertext: acked.body.ciphertext,
          wrappedDek: acked.body.wrappedDek,
        });
      }
    }
    // The account's seq survived with the records: a new write takes the next one.
    const maxSeq = Math.max(...[...stored.values()].map((r) => r.seq));
    const next = await fetch(`${second.url}/api/records/${newRecordId()}`, { method: 'PUT', headers, body: JSON.stringify({ expectedVersion: 0, ...sealedRecord(10) }) });
    expect(((await next.json()) as { seq: number }).seq).toBe(maxSeq + 1);
    second.child.kill('SIGTERM');
  });
});

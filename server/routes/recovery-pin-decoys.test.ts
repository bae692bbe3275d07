import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../test/helpers/accounts';
import { ApiClient, DIALECTS, startTestServer, testPepper, type TestServer } from '../../test/helpers/harness';
import { pinInput, registerPinRecovery, startPinRecovery } from '../../test/helpers/recovery';
import { purge } from '../cli/purge';
import type { Pepper } from '../domain/pepper';
import { pinRecoveryParams } from '../domain/pin-recovery';
import { DECOY_SHARED_CHARS, decoySubject } from '../domain/recovery-subject';
import type { KeyholdDatabase } from '../store/schema';
import { databaseStore, type Store } from '../store/store';

const UNLIMITED = { SIGNIN_LIMIT_PER_ACCOUNT: '100000', SIGNIN_LIMIT_PER_ADDRESS: '100000' };
const PIN = pinInput('a PIN');

/** The test server's database through a second connection that records every statement it runs. */
function recordingStore(server: TestServer): { store: Store; statements: string[]; close(): Promise<void> } {
  const statements: string[] = [];
  const log = (event: LogEvent) => {
    statements.push(event.query.sql);
  };
  const db =
    server.dialect === 'sqlite'
      ? new Kysely<KeyholdDatabase>({ dialect: new SqliteDialect({ database: new BetterSqlite3(join(server.config.dataDir, 'keyhold.sqlite')) }), log })
      : new Kysely<KeyholdDatabase>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: server.databaseUrl, max: 1 }) }), log });
  return { store: databaseStore(db, server.dialect), statements, close: () => db.destroy() };
}

/** A real pepper that also records which of its operations ran (their names only). */
function recordingPepper(pepper: Pepper, calls: string[]): Pepper {
  return new Proxy(pepper, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(name));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe.each(DIALECTS)('PIN recovery for names without a record (%s)', (dialect) => {
  let server: TestServer;
  let names = 0;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED);
  });
  afterAll(() => server.close());

  const decoyRows = () => server.store.db.selectFrom('pin_recovery').select(['subject', 'guesses_left']).where('subject', 'like', 'decoy:%').execute();
  const params = (client: ApiClient, username: string) => client.post('/api/recovery/pin/params', { username });

  it('/params does the same work for an unknown name, an account without PIN recovery and one with it', async () => {
    const withPin = await createAccount(server, `timing-with${++names}`);
    await registerPinRecovery(withPin.client, PIN);
    const withoutPin = await createAccount(server, `timing-without${names}`);
    const recording = recordingStore(server);
    try {
      const workFor = async (username: string) => {
        recording.statements.length = 0;
        const calls: string[] = [];
        await pinRecoveryParams(recording.store, recordingPepper(testPepper(), calls), username, { now: server.clock.now, allowance: 10 });
        return { statements: [...recording.statements], calls };
      };
      const unknown = await workFor(`timing-nobody${names}`);
      expect(unknown.statements).toHaveLength(2);
      expect(await workFor(withoutPin.username)).toEqual(unknown);
      expect(await workFor(withPin.username)).toEqual(unknown);
    } finally {
      await recording.close();
    }
  });

  it('probing many unknown names stores at most one shared decoy record per digest prefix: the table stays bounded', async () => {
    const before = new Set((await decoyRows()).map((r) => r.subject));
    const probed = Array.from({ length: 120 }, (_, i) => `probe${++names}x${i}`);
    const prober = new ApiClient(server);
    for (const name of probed) expect((await startPinRecovery(prober, name, PIN)).start.status).toBe(200);

    const added = (await decoyRows()).filter((r) => !before.has(r.subject));
    const prefixes = new Set(probed.map((name) => decoySubject(testPepper(), 'pin', name).slice(0, 'decoy:'.length + DECOY_SHARED_CHARS)));
    expect(added.every((r) => r.subject.length === 'decoy:'.length + DECOY_SHARED_CHARS)).toBe(true);
    expect(new Set(added.map((r) => r.subject))).toEqual(new Set([...prefixes].filter((p) => !before.has(p))));
  });

  it('a probed name answers the same before and after a purge: its salt, and the guesses it has spent', async () => {
    const name = `steady${++names}`;
    const prober = new ApiClient(server);
    const first = await params(prober, name);
    await startPinRecovery(prober, name, PIN);
    await startPinRecovery(prober, name, PIN);
    const spent = await params(prober, name);
    expect(spent.body).toEqual({ ...first.body, guessesLeft: first.body.guessesLeft - 2 });

    const env = { DATA_DIR: server.config.dataDir, ...(server.databaseUrl ? { DATABASE_URL: server.databaseUrl } : {}) };
    expect(await purge(env, () => {})).toBe(0);
    expect((await params(prober, name)).body).toEqual(spent.body);
  });

  it('a name probed before shared decoys keeps its own record', async () => {
    const name = `legacy${++names}`;
    const prober = new ApiClient(server);
    const fresh = (await params(prober, name)).body;
    // What the previous version stored on a start: a row of the name's own, with its spent guesses.
    const legacy = decoySubject(testPepper(), 'pin', name);
    await server.store.db
      .insertInto('pin_recovery')
      .values({ subject: legacy, sealed_key: 'x', salt: fresh.salt, argon2_memory_kib: fresh.argon2.memoryKiB, argon2_iterations: fresh.argon2.iterations, argon2_parallelism: fresh.argon2.parallelism, tag_digest: '00'.repeat(32), wrap: '', guesses_left: 7, allowance: 10, version: 1, updated_at: server.clock.now })
      .execute();
    expect((await params(prober, name)).body).toEqual({ ...fresh, guessesLeft: 7 });
    expect((await startPinRecovery(prober, name, PIN)).start.body.guessesLeft).toBe(6);
  });
});

describe.each(DIALECTS)('TOTP recovery for names without a record (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect, UNLIMITED);
  });
  afterAll(() => server.close());

  it('probing many unknown names stores at most one shared decoy record per digest prefix', async () => {
    const probed = Array.from({ length: 60 }, (_, i) => `totp-probe${i}`);
    const prober = new ApiClient(server);
    for (const name of probed) expect((await prober.post('/api/recovery/totp/recover', { username: name, code: '000000' })).body.error.code).toBe('totp_invalid');
    const rows = await server.store.db.selectFrom('totp_recovery').select('subject').where('subject', 'like', 'decoy:%').execute();
    const prefixes = new Set(probed.map((name) => decoySubject(testPepper(), 'totp', name).slice(0, 'decoy:'.length + DECOY_SHARED_CHARS)));
    expect(new Set(rows.map((r) => r.subject))).toEqual(prefixes);
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, startTestServer, type TestServer } from '../../test/helpers/harness';
import { saveChallenge } from './challenges';
import { preparedQuery } from './prepared';
import { inTransaction } from './store';

describe.each(DIALECTS)('prepared queries (%s)', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  const save = (challenge: string, purpose: string, expiresAt: number) =>
    saveChallenge(server.store, { challenge, purpose: purpose as 'device', userId: null, data: '{}', expiresAt });

  it('compiles once per database and binds each call\'s own values, keeping the constants written in the query', async () => {
    let builds = 0;
    const find = preparedQuery((db, a: { challenge: string; after: number }) => {
      builds++;
      return db.selectFrom('challenges').select(['challenge', 'expires_at']).where('challenge', '=', a.challenge).where('purpose', '=', 'device').where('expires_at', '>', a.after);
    });
    await save('p-one', 'device', 2_000);
    await save('p-two', 'device', 3_000);
    await save('p-other-purpose', 'register', 3_000);

    expect(await find(server.store, { challenge: 'p-one', after: 1_000 })).toEqual([{ challenge: 'p-one', expires_at: 2_000 }]);
    expect(await find(server.store, { challenge: 'p-two', after: 1_000 })).toEqual([{ challenge: 'p-two', expires_at: 3_000 }]);
    expect(await find(server.store, { challenge: 'p-two', after: 3_000 })).toEqual([]);
    expect(await find(server.store, { challenge: 'p-other-purpose', after: 0 })).toEqual([]);
    expect(builds).toBe(1);
  });

  it('runs inside a transaction on its connection, seeing what the transaction wrote before it commits', async () => {
    const find = preparedQuery((db, a: { challenge: string }) => db.selectFrom('challenges').select('challenge').where('challenge', '=', a.challenge));
    await find(server.store, { challenge: 'warm' }); // compiled outside, used inside
    const seen = await inTransaction(server.store, async (tx) => {
      await saveChallenge(tx, { challenge: 'p-in-tx', purpose: 'device', userId: null, data: '{}', expiresAt: 9_000 });
      return find(tx, { challenge: 'p-in-tx' });
    });
    expect(seen).toEqual([{ challenge: 'p-in-tx' }]);
  });

  it('run on the database while a transaction is open, sees none of its rows, nor writes into it', async () => {
    const find = preparedQuery((db, a: { challenge: string }) => db.selectFrom('challenges').select('challenge').where('challenge', '=', a.challenge));
    const insert = preparedQuery((db, a: { challenge: string }) =>
      db.insertInto('challenges').values({ challenge: a.challenge, purpose: 'device', user_id: null, data: '{}', expires_at: 9_000 }),
    );
    await find(server.store, { challenge: 'warm' });
    let readDuring: Promise<unknown> | undefined;
    let writeDuring: Promise<unknown> | undefined;
    const undone = new Error('undo the transaction');
    const transaction = inTransaction(server.store, async (tx) => {
      await saveChallenge(tx, { challenge: 'p-uncommitted', purpose: 'device', userId: null, data: '{}', expiresAt: 9_000 });
      // Another request's statements, on the database's own store, while this transaction is open.
      readDuring = find(server.store, { challenge: 'p-uncommitted' });
      writeDuring = insert(server.store, { challenge: 'p-beside' });
      // A turn of the event loop with the transaction still open, as when its work awaits I/O.
      await new Promise((resolve) => setImmediate(resolve));
      throw undone;
    });
    await expect(transaction).rejects.toBe(undone);
    expect(await readDuring).toEqual([]);
    await writeDuring;
    // The write beside the transaction is its own: the transaction's rollback did not take it along.
    expect(await find(server.store, { challenge: 'p-beside' })).toEqual([{ challenge: 'p-beside' }]);
    expect(await find(server.store, { challenge: 'p-uncommitted' })).toEqual([]);
  });

  it.runIf(dialect === 'postgres')('runs on PostgreSQL as a named statement the connection keeps prepared, other statements unnamed', async () => {
    const find = preparedQuery((db, a: { challenge: string }) => db.selectFrom('challenges').select(['challenge', 'purpose']).where('challenge', '=', a.challenge));
    await save('p-named', 'device', 9_000);
    const prepared = await inTransaction(server.store, async (tx) => {
      expect(await find(tx, { challenge: 'p-named' })).toEqual([{ challenge: 'p-named', purpose: 'device' }]);
      expect(await find(tx, { challenge: 'p-unknown' })).toEqual([]);
      // pg_prepared_statements lists the statements of this connection (the transaction's).
      return sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(tx.db);
    });
    const statements = prepared.rows.map((r) => r.statement);
    expect(statements.filter((s) => s.includes('"purpose" from "challenges"'))).toHaveLength(1);
    expect(statements.some((s) => s.includes('pg_prepared_statements'))).toBe(false);
  });

  it.runIf(dialect === 'postgres')('keeps answering a `*` query after a migration adds a column (as during a rolling restart)', async () => {
    const find = preparedQuery((db, a: { challenge: string }) => db.selectFrom('challenges').selectAll().where('challenge', '=', a.challenge));
    await save('p-star', 'device', 9_000);
    const rolledBack = new Error('roll the added column back');
    const seen = inTransaction(server.store, async (tx) => {
      await find(tx, { challenge: 'p-star' });
      await sql`alter table challenges add column added_later integer`.execute(tx.db);
      expect(await find(tx, { challenge: 'p-star' })).toEqual([expect.objectContaining({ challenge: 'p-star', added_later: null })]);
      throw rolledBack;
    });
    await expect(seen).rejects.toBe(rolledBack);
  });

  it('still runs on a store without a cache of its own, compiling each time', async () => {
    const find = preparedQuery((db, a: { challenge: string }) => db.selectFrom('challenges').select('challenge').where('challenge', '=', a.challenge));
    await save('p-bare', 'device', 9_000);
    expect(await find({ db: server.store.db, dialect: server.store.dialect }, { challenge: 'p-bare' })).toEqual([{ challenge: 'p-bare' }]);
  });

  it('fails at its first use on a list argument (whose length would change the SQL) rather than answering for the wrong values', async () => {
    const byList = preparedQuery((db, a: { ids: string[] }) => db.selectFrom('challenges').select('challenge').where('challenge', 'in', a.ids));
    await save('p-listed', 'device', 9_000);
    await expect(byList(server.store, { ids: ['p-listed'] })).rejects.toThrow();
  });

  it('refuses a builder that passes the arguments whole instead of naming each one, before writing anything', async () => {
    const insert = preparedQuery((db, row: { challenge: string; purpose: string; user_id: null; data: string; expires_at: number }) => db.insertInto('challenges').values(row as never));
    await expect(insert(server.store, { challenge: 'p-whole', purpose: 'device', user_id: null, data: '{}', expires_at: 9_000 })).rejects.toThrow(/not a plain parameter/);
    expect(await server.store.db.selectFrom('challenges').select('challenge').where('challenge', '=', 'p-whole').execute()).toEqual([]);
  });
});

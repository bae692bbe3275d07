import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/harness';
import { inUserTransaction } from '../domain/user-transaction';
import { KeyholdError } from '../errors';
import { deleteUserRows, findUserById } from './accounts';
import { LOCK_SLOTS } from './migrations/008_lock_slots';
import { lockSlotOf } from './locks';
import { inTransaction, lockAccount, lockUser, type Store } from './store';

/**
 * The per-subject lock on PostgreSQL is a row lock (store/locks.ts). On SQLite every writer is
 * already serialised, which store.test.ts covers on both databases; these are PostgreSQL's.
 */
describe('per-subject row locks (postgres)', () => {
  let server: TestServer;
  let users = 0;
  beforeAll(async () => {
    server = await startTestServer('postgres');
  });
  afterAll(() => server.close());

  const newAccount = async (): Promise<string> => {
    const id = `lock-user-${++users}`;
    await server.store.db.insertInto('users').values({ id, username: id, created_at: Date.now() }).execute();
    return id;
  };
  /** Backends of this database waiting for a row lock (an event to wait on, not a time). */
  const waitingForLock = async (): Promise<number> => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(server.store.db);
    return rows[0]!.n;
  };
  /** A transaction that takes `lock`, then holds it until `release` is called. */
  const holding = (lock: (tx: Store) => Promise<unknown>) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const taken = new Promise<void>((resolve) => (locked = resolve));
    const done = inTransaction(server.store, async (tx) => {
      await lock(tx);
      locked();
      await gate;
    });
    return { taken, release, done };
  };

  it('makes a second writer of the same account wait until the first commits', async () => {
    const userId = await newAccount();
    const order: string[] = [];
    const first = holding((tx) => lockUser(tx, userId));
    await first.taken;
    const second = inUserTransaction(server.store, userId, async () => void order.push('second'));
    await expect.poll(waitingForLock).toBe(1);
    order.push('first commits');
    first.release();
    await Promise.all([first.done, second]);
    expect(order).toEqual(['first commits', 'second']);
  });

  it('does not hold up a foreign-key insert for the locked account', async () => {
    const userId = await newAccount();
    const first = holding((tx) => lockUser(tx, userId));
    await first.taken;
    // FOR NO KEY UPDATE lets the FK check's KEY SHARE lock through: were it FOR UPDATE, this would wait for the release below.
    await server.store.db.insertInto('secret_blobs').values({ user_id: userId, kind: 'key_bundle', ref: '', blob: 'x', version: 1, updated_at: 0 }).execute();
    expect(await waitingForLock()).toBe(0);
    first.release();
    await first.done;
  });

  it('serialises a decoy subject, which has no account row, on its lock slot', async () => {
    const decoy = 'decoy:some-unknown-name';
    expect(lockSlotOf(decoy)).toBeLessThan(LOCK_SLOTS);
    const order: string[] = [];
    const first = holding((tx) => lockUser(tx, decoy));
    await first.taken;
    const second = inTransaction(server.store, async (tx) => {
      await lockUser(tx, decoy);
      order.push('second');
    });
    await expect.poll(waitingForLock).toBe(1);
    order.push('first commits');
    first.release();
    await Promise.all([first.done, second]);
    expect(order).toEqual(['first commits', 'second']);
    expect(Number((await server.store.db.selectFrom('lock_slots').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(LOCK_SLOTS);
  });

  it('refuses a writer that waited for an account erased meanwhile: nothing is written after the erasure', async () => {
    const userId = await newAccount();
    const erasure = holding(async (tx) => {
      await lockUser(tx, userId);
      await tx.db.deleteFrom('users').where('id', '=', userId).execute();
    });
    await erasure.taken;
    // Settled into a value at once: it rejects while the erasure is still being awaited below.
    const late = inUserTransaction(server.store, userId, (tx) => tx.db.insertInto('secret_blobs').values({ user_id: userId, kind: 'key_bundle', ref: '', blob: 'x', version: 1, updated_at: 0 }).execute()).then(
      () => 'written',
      (error: unknown) => error,
    );
    await expect.poll(waitingForLock).toBe(1);
    erasure.release();
    await erasure.done;
    const outcome = await late;
    expect(outcome).toBeInstanceOf(KeyholdError);
    expect(outcome).toMatchObject({ code: 'unauthenticated' });
  });

  it('answers reads of a locked account row from the lock, and no row once the transaction erased it', async () => {
    const userId = await newAccount();
    await inTransaction(server.store, async (tx) => {
      expect(await lockAccount(tx, userId)).toBe(true);
      // Nothing in the server updates a users row; this does, only to show the read below runs no statement.
      await tx.db.updateTable('users').set({ username: 'changed-behind-the-lock' }).where('id', '=', userId).execute();
      expect(await findUserById(tx, userId)).toMatchObject({ id: userId, username: userId });
      await deleteUserRows(tx, userId);
      expect(await findUserById(tx, userId)).toBeUndefined();
      expect(await lockAccount(tx, userId)).toBe(false);
    });
    expect(await findUserById(server.store, userId)).toBeUndefined();
  });

  it('answers from the row lockUser read as well', async () => {
    const userId = await newAccount();
    await inTransaction(server.store, async (tx) => {
      await lockUser(tx, userId);
      await tx.db.updateTable('users').set({ username: 'changed-behind-the-lock' }).where('id', '=', userId).execute();
      expect(await findUserById(tx, userId)).toMatchObject({ id: userId, username: userId });
    });
  });
});

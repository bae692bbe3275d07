/**
 * TESTS ONLY. Reading and writing a live key server's account log tables directly, as someone who
 * can write its database would (and, with the test server's pepper, as an operator who holds it):
 * what the vault's account log tests tamper with. Every write is real SQL on the real database.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { EMPTY_LOG_STATE, LOG_GENESIS_PREV, applyLogEntries, logEntrySigningBytes, type LogChange, type LogEntry } from '../../protocol/account-log';
import { encodeBase64Url } from '../../protocol/base64url';
import { canonicalEntryJson } from '../../server/domain/account-log';
import { sealLogHead, unloggedHead } from '../../server/domain/account-log-head';
import type { AccountLogHeadRow } from '../../server/store/account-log';
import { testPepper, type TestServer } from './harness';

export async function userIdOf(server: TestServer, username: string): Promise<string> {
  return (await server.store.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;
}

/** The entries the server stores for `userId`, oldest first. */
export async function serverLog(server: TestServer, userId: string): Promise<LogEntry[]> {
  const rows = await server.store.db.selectFrom('account_log').select('entry').where('user_id', '=', userId).orderBy('seq').execute();
  return rows.map((r) => JSON.parse(r.entry) as LogEntry);
}

/** The ops of each entry after `afterSeq`, one array per entry: what a flow signed. */
export async function opsAfter(server: TestServer, userId: string, afterSeq: number): Promise<string[][]> {
  return (await serverLog(server, userId)).filter((e) => e.seq > afterSeq).map((e) => e.changes.map((c) => c.op));
}

export async function headRow(server: TestServer, userId: string): Promise<AccountLogHeadRow> {
  return server.store.db.selectFrom('account_log_heads').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
}

/** Puts `head` back as the account's head row (a valid MAC from earlier: a restored backup, or a rollback by an operator). */
export async function restoreHead(server: TestServer, head: AccountLogHeadRow): Promise<void> {
  await server.store.db.deleteFrom('account_log_heads').where('user_id', '=', head.user_id).execute();
  await server.store.db.insertInto('account_log_heads').values(head).execute();
}

/** Deletes the account's entries after `seq`. */
export async function deleteEntriesAfter(server: TestServer, userId: string, seq: number): Promise<void> {
  await server.store.db.deleteFrom('account_log').where('user_id', '=', userId).where('seq', '>', seq).execute();
}

/**
 * Makes the account one made before the log: its entries deleted and an `unlogged` head sealed with
 * the server's pepper, as the process that applies migration 007 seals for every older account.
 */
export async function makeUnlogged(server: TestServer, userId: string): Promise<void> {
  await deleteEntriesAfter(server, userId, 0);
  await restoreHead(server, unloggedHead(testPepper(), userId, server.clock.now));
}

/** Stores `blob` as the account's key bundle on the server, under the version it holds (pre-log-device.ts makes one). */
export async function keepBundleOnServer(server: TestServer, userId: string, blob: string): Promise<void> {
  await server.store.db.updateTable('secret_blobs').set({ blob }).where('user_id', '=', userId).where('kind', '=', 'key_bundle').execute();
}

/**
 * Replaces the account's log with one the operator made: a genesis under an identity key of its own
 * naming `changes`, with a head sealed by the server's pepper — what only someone holding the
 * pepper and the code can do, and what the server then accepts. Returns the operator's identity key.
 */
export async function replaceLogAsOperator(server: TestServer, userId: string, changes: LogChange[]): Promise<string> {
  const seed = ed25519.utils.randomSecretKey();
  const identityKey = encodeBase64Url(ed25519.getPublicKey(seed));
  const unsigned = { seq: 1, prev: LOG_GENESIS_PREV, at: server.clock.now, changes: [{ op: 'identity', key: identityKey } as LogChange, ...changes] };
  const entry: LogEntry = { ...unsigned, sig: encodeBase64Url(ed25519.sign(logEntrySigningBytes(userId, unsigned), seed)) };
  const state = applyLogEntries(userId, EMPTY_LOG_STATE, [entry]);
  await deleteEntriesAfter(server, userId, 0);
  await server.store.db.insertInto('account_log').values({ user_id: userId, seq: 1, entry: canonicalEntryJson(entry), hash: state.head, created_at: server.clock.now }).execute();
  await restoreHead(server, sealLogHead(testPepper(), userId, 'logged', state, server.clock.now));
  return identityKey;
}

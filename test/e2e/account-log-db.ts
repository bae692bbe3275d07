import { generateKeyPairSync, randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { deviceKeyToLogKey, logKeyFingerprint } from '../../protocol/account-log';
import { encodeBase64Url } from '../../protocol/base64url';
import { unloggedHead } from '../../server/domain/account-log-head';
import { createPepper } from '../../server/domain/pepper';
import { E2E_PEPPER_BYTES } from './browser';

/*
 * Writes into a running journey server's SQLite file (LiveServer.databaseFile), as someone who
 * can write the database would — or, for `unlogAccount`, as the operator's own process holding the
 * pepper would have left an account made before the signed account log.
 */

function userIdOf(db: BetterSqlite3.Database, username: string): string {
  const row = db.prepare('SELECT id FROM users WHERE username = ?').get(username) as { id: string } | undefined;
  if (!row) throw new Error(`no account ${username}`);
  return row.id;
}

function withDatabase<T>(file: string, work: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(file, { fileMustExist: true });
  try {
    return db.transaction(() => work(db))();
  } finally {
    db.close();
  }
}

/**
 * The attacker with database access: adds a device of their own (a fresh P-256 key) to the
 * account, as an active row. Returns its key fingerprint as every screen shows it.
 */
export function forgeDevice(databaseFile: string, username: string, name: string): { fingerprint: string } {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
  withDatabase(databaseFile, (db) => {
    db.prepare('INSERT INTO devices (id, user_id, name, public_key_jwk, created_at, last_seen_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL, NULL)').run(
      crypto.randomUUID(),
      userIdOf(db, username),
      name,
      JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }),
      Date.now(),
    );
  });
  return { fingerprint: logKeyFingerprint(deviceKeyToLogKey(jwk)) };
}

/**
 * The attacker with database access: adds a passkey of their own (a made-up credential id and
 * public key) to the account. Returns its key fingerprint as every screen shows it.
 */
export function forgePasskey(databaseFile: string, username: string, name: string): { fingerprint: string } {
  const publicKey = encodeBase64Url(randomBytes(77));
  withDatabase(databaseFile, (db) => {
    db.prepare(
      'INSERT INTO credentials (id, user_id, public_key, counter, transports, device_type, backed_up, prf_salt, prf_enabled, name, created_at, last_used_at) VALUES (?, ?, ?, 0, ?, ?, 0, ?, 0, ?, ?, NULL)',
    ).run(encodeBase64Url(randomBytes(16)), userIdOf(db, username), publicKey, '["usb"]', 'singleDevice', encodeBase64Url(randomBytes(32)), name, Date.now());
  });
  return { fingerprint: logKeyFingerprint(publicKey) };
}

/**
 * The account as it stood before the signed account log existed: its entries gone and its head
 * sealed `unlogged` with the server's pepper, as migration 007 seals it for an older account.
 */
export function unlogAccount(databaseFile: string, username: string): void {
  withDatabase(databaseFile, (db) => {
    const userId = userIdOf(db, username);
    const head = unloggedHead(createPepper(E2E_PEPPER_BYTES), userId, Date.now());
    db.prepare('DELETE FROM account_log WHERE user_id = ?').run(userId);
    db.prepare('UPDATE account_log_heads SET status = ?, seq = ?, hash = ?, state = ?, mac = ?, updated_at = ? WHERE user_id = ?').run(
      head.status,
      head.seq,
      head.hash,
      head.state,
      head.mac,
      head.updated_at,
      userId,
    );
  });
}

/** The account's log status as the server holds it ('unlogged' or 'logged'). */
export function logStatusOf(databaseFile: string, username: string): string {
  const db = new BetterSqlite3(databaseFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT status FROM account_log_heads WHERE user_id = ?').get(userIdOf(db, username)) as { status: string }).status;
  } finally {
    db.close();
  }
}

import { createHash } from 'node:crypto';

/**
 * The per-user audit hash chain: entry n stores hash_n = SHA-256(hash_{n-1} || canonical(entry_n)),
 * with hash_0 = 32 zero bytes. Altering, deleting or reordering any stored row breaks every later link.
 */

export const GENESIS_HASH = '0'.repeat(64);

/** Event types of the chain. `account.erased` is the tombstone that survives an erased account. */
export type AuditEventType =
  | 'account.created'
  | 'account.erased'
  | 'signin.passkey.success'
  | 'signin.passkey.failure'
  | 'signin.device.success'
  | 'signin.device.failure'
  | 'challenge.failure'
  | 'session.signout'
  | 'passkey.added'
  | 'passkey.removed'
  | 'device.registered'
  | 'device.revoked'
  | 'backup.key_bundle.changed'
  | 'backup.wrap_prf.changed'
  | 'account.exported'
  // Recovery routes. Attempts carry their outcome, guesses or failures left and the address; a
  // `*.locked` entry marks the lock-out itself. Never a tag, a code, a key or a wrap.
  | 'recovery.pin.registered'
  | 'recovery.pin.removed'
  | 'recovery.pin.started'
  | 'recovery.pin.success'
  | 'recovery.pin.failure'
  | 'recovery.pin.locked'
  | 'recovery.totp.enrolled'
  | 'recovery.totp.removed'
  | 'recovery.totp.success'
  | 'recovery.totp.failure'
  | 'recovery.totp.locked'
  | 'recovery.totp.unlocked';

export interface AuditEntry {
  userId: string;
  seq: number;
  at: number;
  type: string;
  /** Canonical JSON text of the event's data; never a secret, a cookie or a request body. */
  data: string;
}

export interface StoredAuditEntry extends AuditEntry {
  prevHash: string;
  hash: string;
}

/** Returns the hex link hash of an entry given its predecessor's hash. */
export function linkHash(prevHash: string, entry: AuditEntry): string {
  return createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(JSON.stringify([entry.userId, entry.seq, entry.at, entry.type, entry.data]))
    .digest('hex');
}

/** JSON with sorted keys, so the same data always hashes the same. */
export function canonicalJson(value: Record<string, string | number | boolean | null>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))));
}

export type ChainProblem = { seq: number; reason: 'hash_mismatch' | 'broken_link' | 'gap' | 'bad_start' };

/**
 * Checks one user's chain, rows in ascending `seq`. A chain starts at seq 1 from the genesis hash,
 * except an erased account's, which may start with its tombstone: the link into the removed rows
 * cannot be checked, but the tombstone's own hash still can.
 */
export function verifyChain(rows: readonly StoredAuditEntry[]): ChainProblem | null {
  let expectedPrev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const [i, row] of rows.entries()) {
    if (i === 0 && row.seq !== 1) {
      if (row.type !== 'account.erased' || rows.length !== 1) return { seq: row.seq, reason: 'bad_start' };
      expectedPrev = row.prevHash;
      expectedSeq = row.seq;
    }
    if (row.seq !== expectedSeq) return { seq: row.seq, reason: 'gap' };
    if (row.prevHash !== expectedPrev) return { seq: row.seq, reason: 'broken_link' };
    if (linkHash(row.prevHash, row) !== row.hash) return { seq: row.seq, reason: 'hash_mismatch' };
    expectedPrev = row.hash;
    expectedSeq = row.seq + 1;
  }
  return null;
}

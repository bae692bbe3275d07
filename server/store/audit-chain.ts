import { createHash } from 'node:crypto';

/**
 * The per-user audit hash chain: entry n stores hash_n = SHA-256(hash_{n-1} || canonical(entry_n)),
 * with hash_0 = 32 zero bytes. Altering, deleting or reordering any stored row breaks every later link.
 * The chain's format lives with the store because each link is computed as its row is written
 * (`appendAuditEvent` in audit.ts); `audit:verify`, the purge and the tests check chains with it.
 *
 * Retention: `npm run purge` deletes a chain's entries older than AUDIT_RETENTION_DAYS,
 * never its newest, and keeps an anchor: the seq and hash of the last entry it deleted. The chain
 * then verifies from the anchor instead of hash_0. What the anchor protects: every kept entry is
 * checked as before; an altered anchor no longer leads to the first kept entry; an entry deleted
 * right after the anchor is a gap; old entries deleted without an anchor leave a chain that does
 * not start at seq 1. And the purge checks what it removes, refusing a broken segment, so
 * retention never launders earlier tampering. What it does not protect against: whoever can
 * write the database can delete a prefix and write a matching anchor, i.e. truncate history,
 * just as they could already delete the newest entries or rebuild the whole chain from hash_0
 * (the hash is unkeyed). The chain is tamper-evident for edits to what it keeps, not a notary;
 * only a hash kept elsewhere (an export, a copied head) shows truncation.
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
  | 'passkey.renamed'
  | 'device.registered'
  | 'device.revoked'
  | 'device.renamed'
  | 'backup.key_bundle.changed'
  | 'backup.wrap_prf.changed'
  | 'account.exported'
  | 'account.locked_everywhere'
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
  | 'recovery.totp.unlocked'
  // The recovery kit: made or replaced ({ replaced }), removed ({ reason: 'user' | 'lock_everywhere' }), used ({ address }).
  | 'recovery.kit.created'
  | 'recovery.kit.removed'
  | 'recovery.kit.used'
  // Approving a new device from another: asked ({ requestId, address }), approved ({ requestId,
  // deviceId }), denied ({ requestId }), answer collected ({ requestId, address }). Never a key or the sealed S.
  | 'device_approval.requested'
  | 'device_approval.approved'
  | 'device_approval.denied'
  | 'device_approval.collected'
  // The signed account log: entries stored ({ seq, changes: ops joined by spaces }), a credential
  // the log does not hold refused at sign-in or recovery ({ kind, address }), a head that failed
  // its check ({ problem: missing | mac | rows | state, kind, address }).
  | 'account_log.appended'
  | 'signin.refused_unbound'
  | 'account_log.invalid';

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

/** Where a purged chain now starts: the seq and hash of the last entry the purge deleted. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

/**
 * Checks one user's chain, rows in ascending `seq`. A chain starts at seq 1 from the genesis hash,
 * or right after its anchor (`anchor.seq + 1`, linked to `anchor.hash`) once purged. An erased
 * account's (never anchored: the erasure removes the anchor) may start with its tombstone: the
 * link into the removed rows cannot be checked, but the tombstone's own hash still can. An anchor
 * with no row after it is a gap: a purge always keeps the newest entry.
 */
export function verifyChain(rows: readonly StoredAuditEntry[], anchor: ChainAnchor | null = null): ChainProblem | null {
  let expectedPrev = anchor?.hash ?? GENESIS_HASH;
  let expectedSeq = (anchor?.seq ?? 0) + 1;
  if (anchor && rows.length === 0) return { seq: expectedSeq, reason: 'gap' };
  for (const [i, row] of rows.entries()) {
    if (i === 0 && !anchor && row.seq !== 1) {
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

/** What a purge does to one chain: nothing, refuse a broken segment, or delete `entries` rows up to `anchor`. */
export type AuditPurgePlan =
  | { action: 'keep' }
  | { action: 'refuse'; problem: ChainProblem }
  | { action: 'purge'; anchor: ChainAnchor; entries: number };

/**
 * Plans the purge of one chain: `rows` are its oldest entries in ascending `seq` (after `anchor`
 * if it has one), through at least the first entry to keep. Only a prefix can go, so the chain
 * stays one piece: the entries before the first one written at or after `cutoff` (an older one
 * after it, from a server whose clock lagged, stays too), and never the newest entry. The new
 * anchor is the last deleted entry; the segment is verified first, through the entry that must
 * link to the new anchor, and a broken one is refused rather than deleted with its evidence.
 */
export function planAuditPurge(rows: readonly StoredAuditEntry[], anchor: ChainAnchor | null, cutoff: number): AuditPurgePlan {
  const firstRecent = rows.findIndex((row) => row.at >= cutoff);
  const kept = firstRecent === -1 ? rows.length - 1 : firstRecent;
  if (kept <= 0) return { action: 'keep' };
  const problem = verifyChain(rows.slice(0, kept + 1), anchor);
  if (problem) return { action: 'refuse', problem };
  const last = rows[kept - 1]!;
  return { action: 'purge', anchor: { seq: last.seq, hash: last.hash }, entries: kept };
}

import type { Kysely } from 'kysely';

/**
 * The recovery routes (docs/architecture.md "Recovery routes"): PIN recovery and TOTP escrow records.
 *
 * Both tables are keyed by `subject`: a user id, or `decoy:<keyed digest of a username>` for a
 * username with no such record. Decoy rows keep the same counters a real record keeps, so an
 * unknown username walks the same code path and answers the same way, guesses counting down and
 * all. Hence no foreign key to `users`: an erasure deletes the user's rows explicitly
 * (store/accounts.ts `deleteUserRows`). Nothing here is usable without the pepper: keys, TOTP
 * secrets and R are sealed under it, and the PIN tag is stored as a SHA-256 digest.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('pin_recovery')
    .addColumn('subject', 'text', (c) => c.primaryKey())
    /** k_u, the per-user OPRF key (RFC 9497 skS), sealed under the pepper. */
    .addColumn('sealed_key', 'text', (c) => c.notNull())
    /** The Argon2id salt and costs the client derived the OPRF input with (base64url, integers). */
    .addColumn('salt', 'text', (c) => c.notNull())
    .addColumn('argon2_memory_kib', 'integer', (c) => c.notNull())
    .addColumn('argon2_iterations', 'integer', (c) => c.notNull())
    .addColumn('argon2_parallelism', 'integer', (c) => c.notNull())
    /** SHA-256 of the tag (hex): compared in constant time, useless to replay from a stolen database. */
    .addColumn('tag_digest', 'text', (c) => c.notNull())
    /** wrap_pinRecovery(S), base64url; empty for a decoy. */
    .addColumn('wrap', 'text', (c) => c.notNull())
    .addColumn('guesses_left', 'integer', (c) => c.notNull())
    .addColumn('allowance', 'integer', (c) => c.notNull())
    /** Bumped by every registration: an attempt started against an older record is void. */
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('totp_recovery')
    .addColumn('subject', 'text', (c) => c.primaryKey())
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    /** R, the key the client wrapped S under, sealed under the pepper; empty for a decoy. */
    .addColumn('sealed_r', 'text', (c) => c.notNull())
    /** S wrapped under R by the client, base64url; empty for a decoy. */
    .addColumn('wrap', 'text', (c) => c.notNull())
    /** Highest RFC 6238 time step accepted so far: a code of this step or an earlier one is a replay. */
    .addColumn('last_used_step', 'bigint', (c) => c.notNull())
    /** Failures counted in the throttle window that started at `window_start`. */
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('window_failures', 'integer', (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
    .addColumn('locked', 'integer', (c) => c.notNull())
    .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('totp_recovery').execute();
  await db.schema.dropTable('pin_recovery').execute();
}

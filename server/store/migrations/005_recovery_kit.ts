import type { Kysely } from 'kysely';

/**
 * The recovery kit (docs/architecture.md "Recovery kit"): one row per account, replaced when the
 * user makes a new kit. It holds nothing the server can open: `wrap` is S under KEK_kit, a key
 * derived on the client from the 128-bit recovery code, and `auth_hash` is SHA-256 of kitAuth,
 * another HKDF output of the same code — a stolen row proves nothing and opens nothing (the code's
 * 128 bits make guessing offline hopeless; online guesses are rate-limited per username).
 * No decoys (an unknown username is refused like a wrong code), so a foreign key is possible.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('recovery_kits')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    /** S wrapped under KEK_kit by the client, base64url (AAD kind `root-secret-kit`, bound to the user id). */
    .addColumn('wrap', 'text', (c) => c.notNull())
    /** SHA-256(kitAuth), base64url: compared in constant time with the digest of what a recovery sends. */
    .addColumn('auth_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recovery_kits').execute();
}

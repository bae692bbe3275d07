import type { Kysely } from 'kysely';

/**
 * Requests to join an account from a new device, approved on a device already in it
 * (docs/architecture.md "Approval from another device"). The server relays: the requester's
 * ephemeral ECDH public key one way, the approver's ephemeral public key and S sealed to the
 * requester's key the other. It can open neither. A request for an unknown username is stored
 * the same way under a decoy subject (no user id), so the answers never tell which usernames exist.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('device_approvals')
    /** Random 128-bit id, base64url; also the HKDF salt of the sealing key and part of its AAD. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** The account, or null for a request naming an unknown username (never approved). */
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    /** What the pending cap counts by: the user id, or a pepper digest of the unknown username. */
    .addColumn('subject', 'text', (c) => c.notNull())
    /** The requester's ephemeral P-256 public key, raw uncompressed point, base64url. */
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('device_name', 'text', (c) => c.notNull())
    /** SHA-256 of the polling secret, base64url: the secret itself is never stored. */
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    /** pending → approved → collected, or pending → denied; past expires_at a pending or approved request is expired. */
    .addColumn('state', 'text', (c) => c.notNull())
    /** S sealed to `public_key` by the approver (AES-GCM blob), and the approver's ephemeral public key. */
    .addColumn('sealed', 'text')
    .addColumn('approver_public_key', 'text')
    /** The device whose session approved (null for a passkey session). */
    .addColumn('approver_device_id', 'text')
    .execute();
  await db.schema.createIndex('device_approvals_subject').on('device_approvals').columns(['subject', 'expires_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('device_approvals').execute();
}

import { randomBytes } from 'node:crypto';
import { encodeBase64Url } from '../../protocol/base64url';
import type { RecordEnvelopeT } from '../../protocol/api';
import type { ApiClient, ApiReply, TestServer } from './harness';

/** Encrypted records as the app sends them: random bytes stand in for AES-GCM output. */

const randomBase64Url = (bytes: number): string => encodeBase64Url(new Uint8Array(randomBytes(bytes)));

/** A record id as the app makes one: 16 random bytes, base64url. */
export const newRecordId = (): string => randomBase64Url(16);

/** The body of a live record write, without its expectedVersion. */
export const sealedRecord = (bytes = 200) => ({ deleted: false, v: 1, wrappedDek: randomBase64Url(60), ciphertext: randomBase64Url(bytes) });

/** The body of a deletion, without its expectedVersion. */
export const tombstoneWrite = () => ({ deleted: true, v: 1, wrappedDek: null, ciphertext: null });

export type RecordBody = ReturnType<typeof sealedRecord> | ReturnType<typeof tombstoneWrite>;

export function putRecord(client: ApiClient, id: string, expectedVersion: number, body: RecordBody = sealedRecord()): Promise<ApiReply> {
  return client.put(`/api/records/${id}`, { expectedVersion, ...body });
}

/** Follows the change feed from `after` until `more` is false; every page and every change, in order. */
export async function pullChanges(client: ApiClient, after = 0, limit?: number) {
  const pages = [];
  const changes: RecordEnvelopeT[] = [];
  let cursor = after;
  for (;;) {
    const reply = await client.get(`/api/records/changes?after=${cursor}${limit ? `&limit=${limit}` : ''}`);
    if (reply.status !== 200) throw new Error(`records/changes ${reply.status} ${JSON.stringify(reply.body)}`);
    pages.push(reply.body);
    changes.push(...reply.body.changes);
    cursor = reply.body.cursor;
    if (!reply.body.more || reply.body.reset) return { pages, changes, cursor, last: reply.body };
  }
}

/** The account's record rows and counters, straight from the database. */
export async function storedRecords(server: TestServer, userId: string) {
  const db = server.store.db;
  return {
    records: await db.selectFrom('records').selectAll().where('user_id', '=', userId).orderBy('seq').execute(),
    counters: await db.selectFrom('record_counters').selectAll().where('user_id', '=', userId).execute(),
  };
}

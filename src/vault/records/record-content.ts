/**
 * A record's plaintext: validation before it is encrypted, parsing after it is decrypted, and
 * what the list shows and searches. Record plaintext (RECORD_FORMAT_VERSION 1), as JSON inside
 * the ciphertext (crypto/records.ts):
 *
 *   { "kind": "login", "title", "username", "password", "url", "notes" }   every field a string
 *   { "kind": "note",  "title", "body", "location"? }                      location: { "latitude", "longitude", "accuracyMeters"? }
 *
 * Either kind may carry `"conflictOf": "<record id>"`: the sync engine made this record from a
 * local edit that lost a race with another device's edit of that record (sync/sync-engine.ts).
 * The kind is inside the ciphertext too: IndexedDB and the server see no title and no kind.
 */
import { RECORD_FIELD_MAX_CHARS, RECORD_TITLE_MAX_CHARS } from '../../../protocol/constants';
import { VaultError } from '../errors';
import type { NoteLocation, RecordContent, RecordSummary } from '../state';

const LOGIN_FIELDS = ['title', 'username', 'password', 'url', 'notes'] as const;
const NOTE_FIELDS = ['title', 'body'] as const;

function invalid(message: string): VaultError {
  return new VaultError('record_invalid', message);
}

const isFiniteIn = (value: unknown, min: number, max: number): value is number => typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/**
 * A note's location with only its known fields, `undefined` when there is none, or null when it is
 * not one: latitude −90..90, longitude −180..180, accuracy ≥ 0, every one a finite number.
 */
export function readLocation(value: unknown): NoteLocation | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) return null;
  const { latitude, longitude, accuracyMeters } = value as Record<string, unknown>;
  if (!isFiniteIn(latitude, -90, 90) || !isFiniteIn(longitude, -180, 180)) return null;
  if (accuracyMeters === undefined) return { latitude, longitude };
  return isFiniteIn(accuracyMeters, 0, Number.MAX_VALUE) ? { latitude, longitude, accuracyMeters } : null;
}

/** The string fields of `value` for its kind (and a note's location), or null when the shape is wrong. */
function readFields(value: unknown): RecordContent | null {
  if (typeof value !== 'object' || value === null) return null;
  const source = value as Record<string, unknown>;
  const fields = source.kind === 'login' ? LOGIN_FIELDS : source.kind === 'note' ? NOTE_FIELDS : null;
  if (!fields || !fields.every((name) => typeof source[name] === 'string')) return null;
  if (source.conflictOf !== undefined && (typeof source.conflictOf !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(source.conflictOf))) return null;
  // Only the known fields are copied: nothing else a caller put on the object is ever stored.
  const entries = [['kind', source.kind], ...fields.map((name) => [name, source[name]])];
  if (source.kind === 'note') {
    const location = readLocation(source.location);
    if (location === null) return null;
    if (location) entries.push(['location', location]);
  }
  if (typeof source.conflictOf === 'string') entries.push(['conflictOf', source.conflictOf]);
  return Object.fromEntries(entries) as unknown as RecordContent;
}

/**
 * Checks a record the user wants to save and returns the copy to encrypt (title trimmed, unknown
 * properties dropped). Throws `record_invalid`; the message names the rule, never the value.
 */
export function validateRecordContent(content: unknown): RecordContent {
  const record = readFields(content);
  if (!record) throw invalid('An item is a login or a note, every field is text, and a note’s location is a latitude and longitude in degrees.');
  const title = record.title.trim();
  if (title.length === 0) throw invalid('Give the item a title.');
  if (title.length > RECORD_TITLE_MAX_CHARS) throw invalid(`A title has at most ${RECORD_TITLE_MAX_CHARS} characters.`);
  for (const [name, value] of Object.entries(record)) {
    if (name !== 'kind' && typeof value === 'string' && value.length > RECORD_FIELD_MAX_CHARS) throw invalid(`Each field has at most ${RECORD_FIELD_MAX_CHARS} characters.`);
  }
  return { ...record, title };
}

/** Reads decrypted plaintext; throws `not_found` when it is not a record this version understands. */
export function parseRecordContent(plaintext: unknown): RecordContent {
  const record = readFields(plaintext);
  if (!record) throw new VaultError('not_found', 'This item cannot be read.');
  return record;
}

/** The URL's host for the list ("https://mail.example.com/x" → "mail.example.com"), or the text as typed. */
export function hostOf(url: string): string {
  const text = url.trim();
  if (!text) return '';
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`).host || text;
  } catch {
    return text;
  }
}

export function summarize(id: string, content: RecordContent, updatedAt: number, synced: boolean): RecordSummary {
  const subtitle = content.kind === 'login' ? content.username.trim() || hostOf(content.url) : '';
  return { id, kind: content.kind, title: content.title, subtitle, updatedAt, synced, conflictOf: content.conflictOf ?? null };
}

/** Lower-cased text a search matches against: title, subtitle, username, URL and notes; never the password. */
export function searchableText(content: RecordContent): string {
  const parts = content.kind === 'login' ? [content.title, content.username, content.url, hostOf(content.url), content.notes] : [content.title, content.body];
  return parts.join('\n').toLocaleLowerCase();
}

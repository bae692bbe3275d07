import { RECORD_FIELD_MAX_CHARS, RECORD_TITLE_MAX_CHARS } from '../../protocol/constants';
import type { RecordContent, RecordKind } from '../vault';

export type RecordField = 'title' | 'username' | 'password' | 'url' | 'notes' | 'body';
export type RecordErrors = Partial<Record<RecordField, string>>;

export function emptyRecord(kind: RecordKind): RecordContent {
  return kind === 'login'
    ? { kind: 'login', title: '', username: '', password: '', url: '', notes: '' }
    : { kind: 'note', title: '', body: '' };
}

/** Accepts "example.com" as "https://example.com"; anything but http(s) is refused. */
export function normalizeUrl(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed === '') return '';
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`;
  try {
    const parsed = new URL(withScheme);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
    if (!parsed.hostname.includes('.') && parsed.hostname !== 'localhost') return null;
    return withScheme;
  } catch {
    return null;
  }
}

/**
 * What must be fixed before `content` can be saved, per field, in words for the user (`errors`
 * is empty when it can be saved), and `cleaned`, what to save: trimmed title, normalised URL.
 * The same limits as the vault's own check (record-content.ts), said next to the field instead.
 * A conflict copy's `conflictOf` is kept: saving an edit of the copy does not settle the conflict.
 */
export function validateRecord(content: RecordContent): { errors: RecordErrors; cleaned: RecordContent } {
  const errors: RecordErrors = {};
  for (const [field, value] of Object.entries(content) as Array<[RecordField | 'kind' | 'conflictOf' | 'location', unknown]>) {
    if (field !== 'kind' && field !== 'conflictOf' && field !== 'location' && typeof value === 'string' && value.length > RECORD_FIELD_MAX_CHARS) {
      errors[field] = `Keep this under ${RECORD_FIELD_MAX_CHARS.toLocaleString('en')} characters.`;
    }
  }
  const title = content.title.trim();
  if (title === '') errors.title = 'Give it a title, so you can find it again.';
  else if (title.length > RECORD_TITLE_MAX_CHARS) errors.title = `Keep the title under ${RECORD_TITLE_MAX_CHARS} characters.`;
  if (content.kind === 'note') {
    if (content.body.trim() === '') errors.body ??= 'Write something to keep, or cancel.';
    return { errors, cleaned: { ...content, title } };
  }
  const url = normalizeUrl(content.url);
  if (url === null) errors.url ??= 'Enter a web address like https://example.com, or leave it empty.';
  if (content.password === '' && content.username.trim() === '') {
    errors.password ??= 'Add a username or a password: a login needs at least one.';
  }
  return { errors, cleaned: { ...content, title, username: content.username.trim(), url: url ?? content.url } };
}

/** True when the two hold the same kind and field values (the editor's "unsaved changes" test). */
export function sameRecord(a: RecordContent, b: RecordContent): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => (a as unknown as Record<string, unknown>)[key] === (b as unknown as Record<string, unknown>)[key]);
}

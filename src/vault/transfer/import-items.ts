/**
 * What every import parser shares: the result types, and the collector that turns one source item
 * into a valid record or a skip with a reason. Records are checked here, once, with the same rule
 * as a record typed by hand (records/record-content.ts): an item over a limit is skipped with its
 * reason, never silently cut short.
 */
import { RECORD_FIELD_MAX_CHARS, RECORD_TITLE_MAX_CHARS } from '../../../protocol/constants';
import { VaultError } from '../errors';
import { validateRecordContent } from '../records/record-content';
import type { LoginContent, NoteContent, RecordContent } from '../state';

/**
 * Where the items came from. `keyhold-json` and `keyhold-csv` are Keyhold's own plain export
 * (plain-export.ts); `lastpass-csv` is read because its header would otherwise pass for Chrome's.
 */
export type ImportFormat =
  | 'bitwarden-json'
  | 'bitwarden-csv'
  | '1password-csv'
  | 'browser-csv'
  | 'lastpass-csv'
  | 'keyhold-backup'
  | 'keyhold-json'
  | 'keyhold-csv';

/** An item left out, and why. `row` is 1-based: the spreadsheet row of a CSV (header = 1), the item's place in a JSON list. */
export interface ImportSkip {
  readonly row: number;
  /** Names the rule or field, never a value of the file. */
  readonly reason: string;
}

/** A file's items, ready to preview and encrypt; nothing of it is stored yet. */
export interface ParsedImport {
  readonly format: ImportFormat;
  /** Each one passed `validateRecordContent`. */
  readonly items: readonly RecordContent[];
  /** Items kept as notes because Keyhold has no such kind (card, identity, SSH key). */
  readonly converted: number;
  readonly skipped: readonly ImportSkip[];
}

/** A login as a parser read it, before the title falls back and the limits are checked. */
export type LoginDraft = Omit<LoginContent, 'kind' | 'conflictOf'>;
export type NoteDraft = Omit<NoteContent, 'kind' | 'conflictOf'>;

/** Any JSON value as text: strings as they are, numbers and booleans written out, anything else empty. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** "Label: value" lines for the values that are not blank; a value of several lines starts on its own line. */
export function labelledLines(entries: readonly (readonly [string, string])[]): string {
  return entries
    .filter(([, value]) => value.trim() !== '')
    .map(([label, value]) => (value.includes('\n') ? `${label}:\n${value}` : `${label}: ${value}`))
    .join('\n');
}

/** The item's own notes, then each non-empty block of what Keyhold has no field for, a blank line apart. */
export function joinBlocks(...blocks: readonly string[]): string {
  return blocks.filter((block) => block.trim() !== '').join('\n\n');
}

/** The host of a URL as typed in an export ("accounts.example.com"), or '' when it is none. */
export function hostOf(url: string): string {
  const trimmed = url.trim();
  if (!trimmed) return '';
  try {
    const parsed = new URL(/^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `https://${trimmed}`);
    return parsed.hostname;
  } catch {
    return '';
  }
}

const FIELD_LABELS: Record<string, string> = {
  username: 'username',
  password: 'password',
  url: 'website',
  notes: 'notes',
  body: 'note text',
};

/** Collects a parser's items and skips; `result()` hands them over. */
export class ImportCollector {
  private readonly items: RecordContent[] = [];
  private readonly skipped: ImportSkip[] = [];
  private converted = 0;

  /** Adds a login; its title falls back to the website's host, then "Untitled". */
  login(row: number, draft: LoginDraft): void {
    const title = draft.title.trim() || hostOf(draft.url) || 'Untitled';
    this.add(row, { kind: 'login', title, username: draft.username, password: draft.password, url: draft.url, notes: draft.notes }, false);
  }

  /** Adds a note; `converted` when the source item was of a kind Keyhold keeps as a note (a card, an identity, …). */
  note(row: number, draft: NoteDraft, converted = false): void {
    this.add(row, { kind: 'note', title: draft.title.trim() || 'Untitled', body: draft.body, ...(draft.location && { location: draft.location }) }, converted);
  }

  skip(row: number, reason: string): void {
    this.skipped.push({ row, reason });
  }

  /** How many items were taken or skipped so far. */
  get count(): number {
    return this.items.length + this.skipped.length;
  }

  result(format: ImportFormat): ParsedImport {
    return { format, items: this.items, converted: this.converted, skipped: this.skipped };
  }

  private add(row: number, content: RecordContent, converted: boolean): void {
    const overLimit = limitBroken(content);
    if (overLimit) return this.skip(row, overLimit);
    try {
      this.items.push(validateRecordContent(content));
      if (converted) this.converted += 1;
    } catch (error) {
      // validateRecordContent's messages name the rule, never the value.
      if (error instanceof VaultError) return this.skip(row, error.message);
      throw error;
    }
  }
}

/** Why `content` breaks a record limit, naming the field; null when it fits. */
function limitBroken(content: RecordContent): string | null {
  if (content.title.trim().length > RECORD_TITLE_MAX_CHARS) return `The title is longer than ${RECORD_TITLE_MAX_CHARS} characters.`;
  for (const [name, value] of Object.entries(content)) {
    if (name === 'kind' || name === 'title' || typeof value !== 'string') continue;
    if (value.length > RECORD_FIELD_MAX_CHARS) {
      const what = FIELD_LABELS[name] ?? name;
      return `The ${what} is longer than ${RECORD_FIELD_MAX_CHARS} characters${name === 'notes' || name === 'body' ? ' (with the fields Keyhold keeps in it)' : ''}.`;
    }
  }
  return null;
}

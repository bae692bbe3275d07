import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { axeViolations, onboardInPage, openSettings } from './browser';
import { screenshot, startJourneyRig, testWithPhones } from './journeys';

const PIN = '482915';
const PASSPHRASE = 'lantern harbour violet 27';
const FIXTURES = 'test/fixtures/import';

let downloads: string;
let accounts = 0;

const it = testWithPhones(startJourneyRig());

beforeAll(() => {
  downloads = mkdtempSync(join(tmpdir(), 'kh-e2e-downloads-'));
});
afterAll(() => {
  rmSync(downloads, { recursive: true, force: true });
});

const shot = (page: Page, name: string) => screenshot(page, name);
const fixture = (name: string) => join(FIXTURES, name);

/** A new account on `page`, unlocked, with Settings → Data open. */
async function newAccountOnData(page: Page): Promise<void> {
  await onboardInPage(page, `ivy${++accounts}`, PIN);
  await openSettings(page, 'Data');
}

/** Live records in this origin's IndexedDB vault, read straight from the database. */
function recordCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('keyhold');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const request = db.transaction('records').objectStore('records').index('deleted').count(0);
          request.onsuccess = () => {
            db.close();
            resolve(request.result);
          };
          request.onerror = () => reject(request.error);
        };
      }),
  );
}

const importCard = (page: Page): Locator => page.locator('kh-import');
const importButton = (page: Page): Locator => page.getByRole('button', { name: /^Import [\d,]+ items?$/ });
const previewHeading = (page: Page): Locator => page.getByRole('heading', { name: 'What this file holds' });
const importAlert = (page: Page): Locator => importCard(page).getByRole('alert');

/** Chooses `file` in the import card and waits for its preview. */
async function preview(page: Page, file: string): Promise<void> {
  await page.getByLabel('File to import').setInputFiles(file.includes('/') ? file : fixture(file));
  await previewHeading(page).waitFor({ timeout: 20_000 });
}

/** Confirms the preview on screen (duplicates too with `all`); returns how many items the button said it would import. */
async function confirmImport(page: Page, { all = false } = {}): Promise<number> {
  if (all && (await page.getByLabel('Skip duplicates').count()) > 0) await page.getByLabel('Skip duplicates').uncheck();
  const label = (await importButton(page).textContent())!;
  const count = Number(/Import ([\d,]+)/.exec(label)![1]!.replace(/,/g, ''));
  await importButton(page).click();
  await importCard(page).getByText(new RegExp(`^Imported ${count.toLocaleString('en')} items?\\.`)).waitFor({ timeout: 20_000 });
  return count;
}

/** Fills an export form (found by its heading) and resolves the downloaded file's path and name. */
async function download(page: Page, form: 'Encrypted backup' | 'Unencrypted export', fill: (form: Locator) => Promise<void>): Promise<{ path: string; name: string }> {
  const scope = page.getByRole('form', { name: form });
  await fill(scope);
  const started = page.waitForEvent('download');
  await scope.getByRole('button', { name: /^Download/ }).click();
  const file = await started;
  const path = join(downloads, `${++accounts}-${file.suggestedFilename()}`);
  await file.saveAs(path);
  return { path, name: file.suggestedFilename() };
}

/** The vault's list of titles, as the person sees it. */
async function vaultTitles(page: Page): Promise<string[]> {
  await page.getByRole('button', { name: 'Back to settings' }).click();
  await page.getByRole('button', { name: 'Back to vault' }).click();
  const records = page.getByRole('list', { name: 'Records' }).getByRole('listitem');
  await records.first().waitFor();
  return (await records.locator('.title').allTextContents()).map((t) => t.trim()).sort();
}

describe('import and export, on a phone', { timeout: 180_000 }, () => {
  it('imports each supported format after a preview; nothing is written before "Import"', async ({ phone }) => {
    const { page } = await phone();
    await newAccountOnData(page);
    const formats: Array<[string, string]> = [
      ['bitwarden.json', 'Bitwarden (JSON)'],
      ['bitwarden.csv', 'Bitwarden (CSV)'],
      ['1password.csv', '1Password (CSV)'],
      ['chrome.csv', 'Browser passwords (CSV)'],
      ['firefox.csv', 'Browser passwords (CSV)'],
      ['lastpass.csv', 'LastPass (CSV)'],
    ];
    let expected = 0;
    for (const [file, label] of formats) {
      await preview(page, file);
      await importCard(page).getByText(label, { exact: true }).waitFor();
      expect(await recordCount(page)).toBe(expected);
      if (file === 'bitwarden.json') {
        await shot(page, 'import-preview');
        expect(await axeViolations(page)).toEqual([]);
      }
      // Later files hold logins the first already brought in: flagged as duplicates; imported anyway here.
      if (file !== 'bitwarden.json') await importCard(page).getByText('(duplicate)').first().waitFor();
      expected += await confirmImport(page, { all: true });
      expect(await recordCount(page)).toBe(expected);
    }
    await shot(page, 'import-done');
  });

  it('a malformed, hostile or unsupported file says why and changes nothing; Cancel writes nothing', async ({ phone }) => {
    const { page } = await phone();
    await newAccountOnData(page);
    await preview(page, 'bitwarden.json');
    const first = await confirmImport(page);

    const huge = join(downloads, 'huge.csv');
    writeFileSync(huge, Buffer.alloc(51 * 1024 * 1024, 'a,'));
    const refused: Array<[string, RegExp]> = [
      ['wrong-columns.csv', /cannot read this file.*columns are not those of an export/is],
      ['unclosed-quote.csv', /quotes do not pair up/i],
      ['broken.json', /cannot read this file/i],
      ['invalid-utf8.csv', /cannot read this file/i],
      ['not-an-export.json', /cannot read this file/i],
      ['bitwarden-encrypted.json', /unencrypted/i],
      [huge, /too large/i],
    ];
    for (const [file, message] of refused) {
      await page.getByLabel('File to import').setInputFiles(file === huge ? huge : fixture(file));
      await expect.poll(() => importAlert(page).textContent()).toMatch(message);
      expect(await previewHeading(page).count()).toBe(0);
      expect(await recordCount(page)).toBe(first);
    }
    await shot(page, 'import-refused');
    expect(await axeViolations(page)).toEqual([]);

    await preview(page, 'chrome.csv');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await previewHeading(page).count()).toBe(0);
    expect(await recordCount(page)).toBe(first);
  });

  it('an encrypted backup needs the PIN, and imports into a fresh account with its passphrase', async ({ phone }) => {
    const { page } = await phone();
    await newAccountOnData(page);
    await preview(page, 'bitwarden.json');
    const count = await confirmImport(page);

    const backupForm = page.getByRole('form', { name: 'Encrypted backup' });
    await backupForm.getByLabel(/^Backup passphrase/).fill(PASSPHRASE);
    await backupForm.getByLabel('Passphrase again').fill(PASSPHRASE);
    await backupForm.getByLabel('Your PIN').fill('000000');
    await backupForm.getByRole('button', { name: 'Download encrypted backup' }).click();
    await expect.poll(() => backupForm.getByRole('alert').textContent()).toContain('Wrong PIN. Nothing was exported.');
    const backup = await download(page, 'Encrypted backup', async (form) => {
      await form.getByLabel('Your PIN').fill(PIN);
    });
    expect(backup.name).toMatch(/^keyhold-backup-\d{4}-\d{2}-\d{2}\.json$/);
    const text = readFileSync(backup.path, 'utf8');
    expect(text).not.toContain('correct-horse-battery-staple');
    expect(text).not.toContain('Example Mail');
    await shot(page, 'export-backup');
    expect(await axeViolations(page)).toEqual([]);
    const titles = await vaultTitles(page);

    const { page: fresh } = await phone();
    await newAccountOnData(fresh);
    await fresh.getByLabel('File to import').setInputFiles(backup.path);
    const passphrase = importCard(fresh).getByLabel('Passphrase of this backup');
    await passphrase.fill('not the passphrase');
    await fresh.getByRole('button', { name: 'Open backup' }).click();
    await expect.poll(() => importAlert(fresh).textContent()).toMatch(/does not open the backup/);
    await passphrase.fill(PASSPHRASE);
    await fresh.getByRole('button', { name: 'Open backup' }).click();
    await previewHeading(fresh).waitFor({ timeout: 30_000 });
    await importCard(fresh).getByText('Keyhold backup', { exact: true }).waitFor();
    expect(await recordCount(fresh)).toBe(0);
    expect(await confirmImport(fresh)).toBe(count);
    expect(await vaultTitles(fresh)).toEqual(titles);
  });

  it('plain JSON and CSV exports hold every item; formula cells are neutralised in the CSV', async ({ phone }) => {
    const { page } = await phone();
    await newAccountOnData(page);
    await preview(page, 'formula-injection.csv');
    await confirmImport(page);
    await preview(page, 'chrome.csv');
    await confirmImport(page);

    const json = await download(page, 'Unencrypted export', async (form) => {
      await form.getByLabel('JSON').check();
      await form.getByLabel('Your PIN').fill(PIN);
    });
    expect(json.name).toMatch(/^keyhold-export-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = readFileSync(json.path, 'utf8');
    for (const value of ['p4ss,with"quote', 'forum-pass', '=1+2', '@pass']) expect(exported).toContain(JSON.stringify(value).slice(1, -1));

    const csv = await download(page, 'Unencrypted export', async (form) => {
      await form.getByLabel('CSV').check();
      await form.getByLabel('Your PIN').fill(PIN);
    });
    expect(csv.name).toMatch(/^keyhold-export-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = Papa.parse<Record<string, string>>(readFileSync(csv.path, 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(rows.map((row) => row.password).sort()).toEqual(
      expect.arrayContaining(['correct-horse-battery-staple', 'p4ss,with"quote', 'forum-pass', "'=1+2", "'@pass"]),
    );
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    await shot(page, 'export-plain');
    const stored = await recordCount(page);
    expect(rows.length).toBe(stored);

    // Round trip: each export read back is Keyhold's own format, and every item in it is one the vault holds.
    for (const [file, label] of [[json.path, 'Keyhold export (JSON)'], [csv.path, 'Keyhold export (CSV)']] as const) {
      await preview(page, file);
      await importCard(page).getByText(label, { exact: true }).waitFor();
      const counts = await importCard(page).getByRole('definition').allTextContents();
      expect(counts.slice(1, 2)).toEqual([String(stored)]);
      expect(await importButton(page).textContent()).toMatch(/Import 0 items/);
      await page.getByRole('button', { name: 'Cancel' }).click();
    }
    expect(await recordCount(page)).toBe(stored);
  });
});

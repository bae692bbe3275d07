import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator, axeViolations, onboardInPage, openPhone } from './browser';
import { screenshot, startJourneyRig } from './journeys';

const PIN = '482915';

const rig = startJourneyRig();
let accounts = 0;

/** A phone-sized page of its own (passkey with PRF, fresh account), closed after the journey; no script error allowed. */
const it = test.extend<{ page: Page }>({
  page: async ({}, use) => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    await addVirtualAuthenticator(page, { prf: true });
    try {
      await use(page);
    } finally {
      await context.close();
    }
    expect(problems).toEqual([]);
  },
});


/** The waiting for the server's answer to a record write of `page`'s. */
const recordWritten = () => rig.server.nextAnswer((request, status) => request.method === 'PUT' && new URL(request.url).pathname.startsWith('/api/records/') && status === 200);

/**
 * The attacker: with the server running, writes record `id`'s earlier ciphertext and version back
 * into its SQLite file, under a fresh feed position so every device is handed it again.
 */
function rollBack(id: string, earlier: { version: number; wrapped_dek: string; ciphertext: string }): void {
  const db = new BetterSqlite3(rig.server.databaseFile, { fileMustExist: true });
  try {
    const { user_id: userId } = db.prepare('SELECT user_id FROM records WHERE id = ?').get(id) as { user_id: string };
    db.prepare('UPDATE record_counters SET seq = seq + 1 WHERE user_id = ?').run(userId);
    const { seq } = db.prepare('SELECT seq FROM record_counters WHERE user_id = ?').get(userId) as { seq: number };
    db.prepare('UPDATE records SET version = ?, wrapped_dek = ?, ciphertext = ?, seq = ? WHERE id = ?').run(earlier.version, earlier.wrapped_dek, earlier.ciphertext, seq, id);
  } finally {
    db.close();
  }
}

function serverCopyOf(id: string): { version: number; wrapped_dek: string; ciphertext: string } {
  const db = new BetterSqlite3(rig.server.databaseFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT version, wrapped_dek, ciphertext FROM records WHERE id = ?').get(id) as { version: number; wrapped_dek: string; ciphertext: string };
  } finally {
    db.close();
  }
}

describe('a rolled-back record, in Chromium', { timeout: 120_000 }, () => {

  it('warns that the server sent an older copy and keeps this phone’s newer one', async ({ page }) => {
    await onboardInPage(page, `rollback${++accounts}`, PIN);
    let written = recordWritten();
    await page.getByRole('button', { name: 'New note' }).click();
    await page.getByLabel('Title').fill('Door code');
    await page.getByLabel('Note').fill('1234');
    await page.getByRole('button', { name: 'Save' }).click();
    await written;
    const id = (await page.locator('[data-test="record"]').first().getAttribute('data-id'))!;
    const first = serverCopyOf(id);

    written = recordWritten();
    await page.getByRole('list', { name: 'Records' }).getByRole('button', { name: /Door code/ }).click();
    await page.getByLabel('Note').fill('9876 (changed in May)');
    await page.getByRole('button', { name: 'Save' }).click();
    await written;
    expect(serverCopyOf(id).version).toBe(first.version + 1);

    rollBack(id, first);
    await page.getByRole('button', { name: 'Sync now' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'older copy' });
    await expect.poll(() => alert.textContent()).toContain('The server sent an older copy of 1 item than this device has already seen. Keyhold kept this device’s copies.');
    await expect.poll(() => alert.isVisible()).toBe(true);
    await screenshot(page, 'rollback-warning');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('list', { name: 'Records' }).getByRole('button', { name: /Door code/ }).click();
    await expect.poll(() => page.getByLabel('Note').inputValue()).toBe('9876 (changed in May)');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator, axeViolations, leaveSettings, onboardInPage, openPhone, openSettings } from './browser';
import { startJourneyRig } from './journeys';

const PIN = '482915';
const SHOWN = { title: 'Allotment gate', username: 'plot-17', password: 'lentil-spade-4471' };
const HIDDEN = { title: 'Bank of Keyhold', username: 'alice@bank.example', password: 'correct horse battery staple' };

/**
 * "Show on this device without PIN" (docs/architecture.md "Read-only items without the PIN") in
 * real Chromium: a marked item is readable from the lock screen with no prompt, read-only, also
 * after a reload; unmarked items are not; settings can hide them all again.
 */
// Generous: a loaded 2-core CI machine runs Argon2id (64 MiB) and Chromium side by side.
describe('items shown without PIN, in Chromium', { timeout: 60_000 }, () => {
  const rig = startJourneyRig();
  let page: Page;
  let problems: string[];
  const hook = (name: string) => page.locator(`[data-test="${name}"]`);
  const noAxeViolations = async () => expect(await axeViolations(page)).toEqual([]);

  async function saveLogin(login: typeof SHOWN): Promise<void> {
    await hook('new-login').click();
    await hook('record-title').fill(login.title);
    await hook('record-username').fill(login.username);
    await hook('record-password').fill(login.password);
    await hook('record-save').click();
    await hook('new-login').waitFor();
  }

  beforeAll(async () => {
    ({ page, problems } = await openPhone(rig.browser, rig.server.origin));
    await addVirtualAuthenticator(page, { prf: true });
    await onboardInPage(page, 'alice', PIN);
    await saveLogin(SHOWN);
    await saveLogin(HIDDEN);
  });

  it('is off by default: the lock screen shows no items', async () => {
    await hook('lock').click();
    await hook('unlock').waitFor();
    expect(await hook('quick-items').count()).toBe(0);
    await hook('pin').fill(PIN);
    await hook('unlock').click();
    await expect.poll(() => hook('record').count(), { timeout: 20_000 }).toBe(2);
  });

  it('marks an item in its editor, next to an explanation of the trade-off', async () => {
    await page.locator('[data-test="record"]', { hasText: SHOWN.title }).click();
    const toggle = hook('quick-toggle');
    await expect.poll(() => toggle.isEnabled()).toBe(true);
    expect(await toggle.isChecked()).toBe(false);
    await expect.poll(() => page.locator('#quick-trade-off').textContent()).toMatch(/without your PIN/);
    await toggle.check();
    await expect.poll(async () => (await toggle.isEnabled()) && (await toggle.isChecked())).toBe(true);
    await noAxeViolations();
    await hook('record-cancel').click();
  });

  it('the lock screen lists the marked item only, and opens it read-only without any prompt', async () => {
    await hook('lock').click();
    await hook('quick-items').waitFor();
    expect(await hook('quick-item').count()).toBe(1);
    expect(await hook('quick-items').textContent()).toContain(SHOWN.title);
    expect(await hook('quick-items').textContent()).not.toContain(HIDDEN.title);
    await noAxeViolations();

    await hook('quick-item').click();
    await hook('quick-item-title').waitFor();
    expect(await hook('quick-username').textContent()).toBe(SHOWN.username);
    expect(await hook('quick-password').textContent()).not.toContain(SHOWN.password);
    expect(await hook('quick-as-of').textContent()).toMatch(/as of/);
    // Read-only: nothing in the item can be typed into.
    expect(await page.locator('kh-quick-items input, kh-quick-items textarea').count()).toBe(0);
    await noAxeViolations();
    await hook('quick-show-password').click();
    expect(await hook('quick-password').textContent()).toBe(SHOWN.password);
    // Still locked: the PIN field is there and the vault's list is not.
    expect(await hook('pin').count()).toBe(1);
    expect(await hook('record').count()).toBe(0);
    await hook('quick-close').click();
    await hook('quick-item').waitFor();
  });

  it('stores the copy as ciphertext under a non-extractable device key', async () => {
    const stored = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('keyhold');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const read = <T>(store: string, key?: string) =>
        new Promise<T>((resolve) => {
          const req = key === undefined ? db.transaction(store).objectStore(store).getAll() : db.transaction(store).objectStore(store).get(key);
          req.onsuccess = () => resolve(req.result as T);
        });
      const copies = await read<Array<{ iv: Uint8Array; ciphertext: ArrayBuffer }>>('quick');
      const key = (await read<{ value: CryptoKey }>('meta', 'quick-key')).value;
      db.close();
      const latin1 = new TextDecoder('latin1');
      return {
        text: copies.map((c) => latin1.decode(c.ciphertext) + latin1.decode(c.iv)).join('\n'),
        count: copies.length,
        key: { isKey: key instanceof CryptoKey, extractable: key.extractable, algorithm: key.algorithm.name },
      };
    });
    expect(stored.count).toBe(1);
    expect(stored.key).toEqual({ isKey: true, extractable: false, algorithm: 'AES-GCM' });
    for (const secret of [...Object.values(SHOWN), ...Object.values(HIDDEN)]) expect(stored.text).not.toContain(secret);
  });

  it('is still there after a reload, locked, and still without the unmarked item', async () => {
    await page.reload();
    await hook('quick-item').waitFor();
    expect(await hook('unlock').count()).toBe(1);
    expect(await hook('quick-items').textContent()).not.toContain(HIDDEN.title);
    await hook('quick-item').click();
    expect(await hook('quick-username').textContent()).toBe(SHOWN.username);
  });

  it('"Hide all" in settings removes every item from the lock screen', async () => {
    await hook('pin').fill(PIN);
    await hook('unlock').click();
    await openSettings(page, 'Security');
    await expect.poll(() => hook('quick-count').textContent()).toMatch(/^1 item is shown/);
    await noAxeViolations();
    await hook('quick-hide-all').click();
    await expect.poll(() => hook('quick-count').textContent()).toMatch(/Hidden/);
    await leaveSettings(page);
    await hook('lock').click();
    await hook('unlock').waitFor();
    // Give a stale list the chance to appear before asserting that none does.
    await page.waitForTimeout(300);
    expect(await hook('quick-items').count()).toBe(0);
  });

  it('shows the pages without any CSP violation or script error', () => {
    expect(problems).toEqual([]);
  });
});

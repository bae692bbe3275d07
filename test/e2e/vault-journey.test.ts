import { describe, expect, test } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { addVirtualAuthenticator, axeViolations, leaveSettings, onboardInPage, openPhone, openSettings, setOffline } from './browser';
import { startJourneyRig } from './journeys';

const PIN = '482915';
const SECRETS = ['correct horse battery staple', 'Bank of Keyhold', 'apple banana cherry dune', 'alice@bank.example'];

/** A phone of its own for one journey: no journey starts from what another left behind. */
interface Phone {
  context: BrowserContext;
  page: Page;
  hook: (name: string) => ReturnType<Page['locator']>;
}

const rig = startJourneyRig();
let accounts = 0;

/**
 * Each journey gets a fresh phone (its own context, storage and passkey with PRF), closed after
 * it; and each must end without a CSP violation or script error. Offline, a record write fails
 * inside the service worker (net::ERR_FAILED: queued for background sync); once online its replay
 * may land first and the page's own push get a 409, which the sync engine recognises as already
 * sent. Neither is an error of the app.
 */
const it = test.extend<{ phone: Phone }>({
   
  phone: async ({}, use) => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    await addVirtualAuthenticator(page, { prf: true });
    try {
      await use({ context, page, hook: (name) => page.locator(`[data-test="${name}"]`) });
    } finally {
      await context.close();
    }
    expect(problems.filter((p) => !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource: (net::ERR_FAILED|the server responded with a status of 409)/.test(p))).toEqual([]);
  },
});

/** A new account on `phone` (onboarded as a person does), under a username no other journey uses. */
async function onboard({ page }: Phone): Promise<void> {
  await onboardInPage(page, `alice${++accounts}`, PIN);
}

async function noAxeViolations(page: Page): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
}

/**
 * A login and a note saved on `phone`'s open vault, both on the key server. `onLoginFilled` runs
 * on the filled login form before it is saved (a journey checks that screen there).
 */
async function saveLoginAndNote({ hook }: Phone, onLoginFilled?: () => Promise<void>): Promise<void> {
  await hook('new-login').click();
  await hook('record-title').fill(SECRETS[1]!);
  await hook('record-username').fill(SECRETS[3]!);
  await hook('record-password').fill(SECRETS[0]!);
  await hook('record-url').fill('https://bank.example');
  await onLoginFilled?.();
  await hook('record-save').click();
  await hook('new-note').click();
  await hook('record-title').fill('Recovery words');
  await hook('record-body').fill(SECRETS[2]!);
  await hook('record-save').click();
  await expect.poll(() => hook('record').count()).toBe(2);
  await expect.poll(() => hook('unsynced').count()).toBe(0);
}

/**
 * The journey a phone user takes: onboarding with a passkey and a PIN, records, lock and unlock
 * by PIN, an offline restart from the service worker, passkey (PRF) unlock — in real headless
 * Chromium against the real key server, with Chromium's virtual authenticator.
 */
// Generous: a loaded 2-core CI machine runs Argon2id (64 MiB) and Chromium side by side.
describe('the vault in Chromium', { timeout: 90_000 }, () => {

  it('onboards: username, passkey, PIN entered twice, and the vault opens', async ({ phone: { page, hook } }) => {
    await page.goto('/');
    await hook('username').fill('alice');
    await noAxeViolations(page);
    await hook('create-passkey').click();
    await hook('pin-confirm').waitFor();
    await noAxeViolations(page);
    await hook('pin').fill('123456');
    await hook('pin-confirm').fill('123456');
    await expect.poll(() => hook('pin-policy').textContent()).toMatch(/common|guess/i);
    await hook('pin').fill(PIN);
    await hook('pin-confirm').fill(PIN);
    await hook('save-pin').click();
    await hook('new-login').waitFor({ timeout: 20_000 });
    await noAxeViolations(page);
  });

  it('saves a login and a note, and they reach the key server', async ({ phone }) => {
    const { page, hook } = phone;
    await onboard(phone);
    await saveLoginAndNote(phone, () => noAxeViolations(page));
    await expect.poll(() => hook('sync-headline').textContent()).toContain('All changes saved');
    await noAxeViolations(page);
  });

  it('keeps only ciphertext in IndexedDB', async ({ phone }) => {
    await onboard(phone);
    await saveLoginAndNote(phone);
    const dump = await phone.page.evaluate(async () => {
      const names = (await indexedDB.databases()).map((d) => d.name!);
      const out: unknown[] = [];
      for (const name of names) {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const req = indexedDB.open(name);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        for (const store of Array.from(db.objectStoreNames)) {
          const rows = await new Promise<unknown[]>((resolve) => {
            const req = db.transaction(store).objectStore(store).getAll();
            req.onsuccess = () => resolve(req.result);
          });
          out.push({ name, store, rows });
        }
        db.close();
      }
      return JSON.stringify(out);
    });
    expect(dump.length).toBeGreaterThan(1000);
    for (const secret of [...SECRETS, 'Recovery words', PIN]) expect(dump).not.toContain(secret);
  });

  it('locks on the button, refuses a wrong PIN clearly, and unlocks with the right one', async ({ phone }) => {
    const { page, hook } = phone;
    await onboard(phone);
    await saveLoginAndNote(phone);
    await hook('lock').click();
    await hook('unlock').waitFor();
    expect(await page.getByText(SECRETS[1]!).count()).toBe(0);
    await noAxeViolations(page);
    await hook('pin').fill('000001');
    await hook('unlock').click();
    await expect.poll(() => hook('unlock-error').textContent()).toContain('Wrong PIN');
    await hook('pin').fill(PIN);
    await hook('unlock').click();
    await expect.poll(() => hook('record').count()).toBe(2);
  });

  it('starts from the service worker offline, starts Argon2 only once the PIN field is tapped, unlocks with the PIN, reads and edits a record', async ({ phone }) => {
    const { context, page, hook } = phone;
    await onboard(phone);
    await saveLoginAndNote(phone);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    // Reload once online so the service worker controls the page before the network goes.
    await page.reload();
    await expect.poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);
    await hook('unlock').waitFor();
    await setOffline(context, true);
    await page.reload();
    await hook('unlock').waitFor();
    // The page knows it has no network (setOffline also reaches navigator.onLine), and Settings →
    // About reports the key server unreachable.
    await hook('offline-banner').waitFor();
    // The lock screen focuses the PIN field itself, but only the person's tap starts the Argon2
    // worker (64 MiB) and loads the open vault's code: a glance at the lock screen costs neither.
    const argon2Worker = () => page.workers().some((worker) => /\/argon2\.worker-[^/]*\.js$/.test(worker.url()));
    expect(await hook('pin').evaluate((input) => input.matches(':focus'))).toBe(true);
    expect(argon2Worker()).toBe(false);
    await hook('pin').click();
    await expect.poll(argon2Worker).toBe(true);
    await hook('pin').fill(PIN);
    await hook('unlock').click();
    await expect.poll(() => hook('record').count()).toBe(2);
    await openSettings(page, 'About');
    await page.getByText(/Key server: offline/).waitFor();
    await leaveSettings(page);
    await page.locator('[data-test="record"][data-kind="login"]').click();
    expect(await hook('record-password').inputValue()).toBe(SECRETS[0]);
    await hook('record-notes').fill('edited offline');
    await hook('record-save').click();
    await page.locator('[data-test="record"][data-kind="login"]').click();
    expect(await hook('record-notes').inputValue()).toBe('edited offline');
    await hook('record-cancel').click();
  });

  it('unlocks with the passkey (PRF) without the PIN', async ({ phone }) => {
    const { hook } = phone;
    await onboard(phone);
    await saveLoginAndNote(phone);
    await hook('lock').click();
    await hook('unlock-passkey').click();
    await expect.poll(() => hook('record').count()).toBe(2);
  });

  it('adds growing delays after repeated wrong PINs, shown as a countdown that survives a reload', async ({ phone }) => {
    const { page, hook } = phone;
    await onboard(phone);
    await hook('lock').click();
    for (let i = 0; i < 4; i++) {
      await hook('pin').fill(`90000${i}`);
      await hook('unlock').click();
      await expect.poll(() => hook('failure-count').textContent()).toContain(String(i + 1));
    }
    await hook('countdown').waitFor();
    await page.reload();
    await hook('countdown').waitFor();
    expect(await hook('unlock').isDisabled()).toBe(true);
  });
});

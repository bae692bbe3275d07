import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator, axeViolations, launchPersistentPhone, leaveSettings, openSettings, settingsEntry, startLiveServer, type LiveServer } from './browser';

const PIN = '739146';
const NEW_PIN = 'quiet-harbour-42';

/** Settings journeys: persistent storage, change PIN, idle auto-lock (with Playwright's fake clock). */
// Generous: a loaded 2-core CI machine runs Argon2id (64 MiB) and Chromium side by side.
describe('vault settings in Chromium', { timeout: 60_000 }, () => {
  let server: LiveServer;
  let phone: Awaited<ReturnType<typeof launchPersistentPhone>>;
  let page: Page;
  const hook = (name: string) => page.locator(`[data-test="${name}"]`);

  beforeAll(async () => {
    server = await startLiveServer();
    // A real profile: Chromium never grants persistent storage to an incognito-like context.
    phone = await launchPersistentPhone(server.origin);
    page = phone.page;
    // The page's timers run on a clock the test moves, so a 1-minute idle lock takes no real minute.
    await page.clock.install();
    await addVirtualAuthenticator(page, { prf: false });
    // Chromium grants persistent storage to installed or engaged sites; the test grants it
    // the way an installed app would have it.
    const cdp = await phone.context.newCDPSession(page);
    await cdp.send('Browser.setPermission', { permission: { name: 'persistent-storage' }, setting: 'granted', origin: server.origin });
    await page.goto('/');
    await hook('username').fill('bob');
    await hook('create-passkey').click();
    await hook('pin').fill(PIN);
    await hook('pin-confirm').fill(PIN);
    await hook('save-pin').click();
    await hook('new-login').waitFor({ timeout: 20_000 });
  });
  afterAll(async () => {
    await phone?.close();
    await server?.close();
  });

  it('offers no passkey unlock when the passkey has no PRF', async () => {
    await hook('lock').click();
    await hook('unlock').waitFor();
    expect(await hook('unlock-passkey').count()).toBe(0);
    await hook('pin').fill(PIN);
    await hook('unlock').click();
    await hook('new-login').waitFor({ timeout: 20_000 });
  });

  it('asked for persistent storage when the vault was made, and shows that it was granted', async () => {
    await openSettings(page, 'Data');
    await expect.poll(() => hook('persistence').textContent()).toMatch(/protected from automatic clearing/i);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('changes the PIN: the old one stops working, a passphrase opens the vault', async () => {
    // Settings are still open from the test above, on Data.
    await page.getByRole('button', { name: 'Back to settings' }).click();
    await settingsEntry(page, 'Security').click();
    await hook('current-pin').fill(PIN);
    await hook('new-pin-passphrase').check();
    await hook('new-pin').fill(NEW_PIN);
    await hook('new-pin-confirm').fill(NEW_PIN);
    await hook('change-pin').click();
    await hook('unlock').waitFor({ timeout: 20_000 });
    await hook('pin').fill(PIN);
    await hook('unlock').click();
    await expect.poll(() => hook('unlock-error').textContent(), { timeout: 20_000 }).toContain('Wrong PIN');
    await hook('unlock-passphrase').check();
    await hook('pin').fill(NEW_PIN);
    await hook('unlock').click();
    await hook('new-login').waitFor({ timeout: 20_000 });
  });

  it('locks by itself after the idle time and says why', async () => {
    await openSettings(page, 'Security');
    await hook('idle-minutes').fill('1');
    await hook('save-autolock').click();
    await hook('autolock-status').getByText('Saved.').waitFor();
    await leaveSettings(page);
    await hook('new-login').waitFor();
    await page.clock.fastForward('01:05');
    await hook('unlock').waitFor();
    expect(await hook('lock-reason').textContent()).toMatch(/without use/i);
    expect(await hook('new-login').count()).toBe(0);
  });
});

import { describe, expect, test } from 'vitest';
import { enrolAuthenticatorApp } from './authenticator-app';
import type { Page } from 'playwright-core';
import { axeViolations, onboardInPage, openSettings, pinRecoveryReady, recoverInPage, settingsEntry, withPhones } from './browser';
import { screenshot, startJourneyRig } from './journeys';

const PIN = '482915';
const SECTIONS = ['Security', 'Recovery', 'Devices & passkeys', 'Data', 'About'] as const;

const rig = startJourneyRig();
let accounts = 0;

/** Each journey opens the phones it needs (browser.ts `withPhones`), all closed after it. */
const it = test.extend<{ phone: () => Promise<Page> }>({
  phone: async ({}, use) => withPhones(rig.browser, rig.server.origin, (open) => use(async () => (await open()).page)),
});

/** A new account on `page`, under a username no other journey uses; returns the username. */
async function onboard(page: Page): Promise<string> {
  const username = `sam${++accounts}`;
  await onboardInPage(page, username, PIN);
  return username;
}

/** A phone that made an account, and a second phone that recovered it by PIN (no passkey of its own). */
async function recoveredPhone(phone: () => Promise<Page>): Promise<{ first: Page; recovered: Page }> {
  const first = await phone();
  const username = await onboard(first);
  await expect.poll(() => pinRecoveryReady(first), { timeout: 30_000 }).toBe(true);
  const recovered = await phone();
  await recoverInPage(recovered, username, PIN);
  return { first, recovered };
}

const shot = (page: Page, name: string) => screenshot(page, name);

/** The element that has focus, through shadow roots: its tag and text. */
const focused = (page: Page) =>
  page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return { tag: element?.tagName.toLowerCase(), text: element?.textContent?.trim() };
  });

describe('settings in sections, on a phone', { timeout: 120_000 }, () => {
  it('lists the sections; each opens its own screen with its heading focused, and Back returns to the list', async ({ phone }) => {
    const page = await phone();
    await onboard(page);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: 'Settings' }).waitFor();
    for (const section of SECTIONS) expect(await settingsEntry(page, section).isVisible()).toBe(true);
    // One phone screen: the whole list shows without scrolling.
    const last = await settingsEntry(page, 'About').boundingBox();
    expect(last!.y + last!.height).toBeLessThanOrEqual(844);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'settings-list');

    for (const section of SECTIONS) {
      await settingsEntry(page, section).click();
      await page.getByRole('heading', { level: 2, name: section, exact: true }).waitFor();
      await expect.poll(() => focused(page)).toEqual({ tag: 'h2', text: section });
      // What loads from the server has landed before axe and the screenshot.
      if (section === 'Recovery') await page.getByText('PIN recovery', { exact: true }).waitFor();
      if (section === 'Data') await page.getByRole('list', { name: 'Activity' }).waitFor();
      if (section === 'Devices & passkeys') {
        await page.getByRole('list', { name: 'Devices' }).waitFor();
        await page.getByRole('list', { name: 'Passkeys' }).waitFor();
      }
      if (section === 'About') await page.getByText(/Key server: online, version e2e/).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, `settings-${section.toLowerCase().replace(/\W+/g, '-')}`);
      await page.getByRole('button', { name: 'Back to settings' }).click();
      await expect.poll(() => focused(page)).toMatchObject({ tag: 'button' });
      expect((await focused(page)).text).toContain(section);
    }
    await page.getByRole('button', { name: 'Back to vault' }).click();
    await page.getByRole('button', { name: 'New login' }).waitFor();
  });

  it('keeps the key server line in About, not at the foot of every screen', async ({ phone }) => {
    const page = await phone();
    await onboard(page);
    expect(await page.getByText(/Key server:/).count()).toBe(0);
    await openSettings(page, 'About');
    await page.getByText(/Key server: online, version e2e/).waitFor();
    expect(await page.getByText(/Keyhold version \d+\.\d+\.\d+/).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.getByText(/Key server: online, version e2e/).waitFor();
  });

  it('finding 1: Activity on a phone recovered by PIN lists the account\'s events, not a server problem', async ({ phone }) => {
    const { recovered } = await recoveredPhone(phone);
    await openSettings(recovered, 'Data');
    const activity = recovered.getByRole('list', { name: 'Activity' });
    // The entry itself, not the account log's line that names the same change.
    await activity.getByRole('listitem').filter({ hasText: /^\s*PIN recovery set up/ }).waitFor();
    expect(await recovered.getByText(/server had a problem/).count()).toBe(0);
    await shot(recovered, 'finding-1-recovered-activity');
  });

  it('finding 2: a phone recovered by PIN is told it has no passkey, and offered to add one', async ({ phone }) => {
    const { recovered } = await recoveredPhone(phone);
    await openSettings(recovered, 'Recovery');
    await recovered.getByText(/No passkey on this device yet/).waitFor();
    expect(await recovered.getByText(/passkey can sign in but cannot open the vault/).count()).toBe(0);
    expect(await recovered.getByRole('form', { name: 'Add a passkey' }).isVisible()).toBe(true);
    expect(await axeViolations(recovered)).toEqual([]);
    await shot(recovered, 'finding-2-recovered-recovery');

    // The offer is right there: this phone's own authenticator makes one, while its recovery session may add it.
    await recovered.getByLabel('Name for the new passkey').fill('Recovered phone');
    await recovered.getByRole('button', { name: 'Add a passkey' }).click();
    await recovered.getByText('This device\'s passkey can open the vault.').waitFor({ timeout: 30_000 });
    expect(await recovered.getByText('“Recovered phone” was added.').isVisible()).toBe(true);
    await shot(recovered, 'finding-2-passkey-added');
    expect(await recovered.getByRole('button', { name: 'Add a passkey' }).count()).toBe(0);
  });

  it('finding 3: on a later visit the authenticator app card says it is set up, as the Recovery list does', async ({ phone }) => {
    const page = await phone();
    await onboard(page);
    await enrolAuthenticatorApp(page);

    // A later visit: leave Settings, come back.
    await page.getByRole('button', { name: 'Back to settings' }).click();
    await page.getByRole('button', { name: 'Back to vault' }).click();
    await openSettings(page, 'Recovery');
    await expect.poll(() => page.locator('[data-test="recovery-totp-status"]').textContent()).toBe('Active.');
    await page.getByText('Your authenticator app is set up for recovery.').waitFor();
    expect(await page.getByRole('button', { name: 'Set up an authenticator app' }).count()).toBe(0);
    await shot(page, 'finding-3-totp-later-visit');
  });

  it('finding 4: "Storage on this device" says what the server backup does, not that it is still to come', async ({ phone }) => {
    const page = await phone();
    await onboard(page);
    await openSettings(page, 'Data');
    const storage = page.locator('[data-test="persistence"]');
    // An ordinary (incognito-like) context: Chromium does not grant persistence here.
    await expect.poll(() => storage.textContent()).toMatch(/kept encrypted on the Keyhold server/);
    expect(await storage.textContent()).not.toMatch(/arrives with recovery/);
    await shot(page, 'finding-4-storage');
  });

  it('finding 5: "Use the same PIN on this device" is a 22 px checkbox with its label beside it, as on the lock screen', async ({ phone }) => {
    const page = await phone();
    await page.goto('/');
    await page.getByRole('button', { name: 'I already have a vault' }).click();
    await page.getByLabel('Username').fill('someone');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'With my PIN' }).click();
    const checkbox = page.getByRole('checkbox', { name: 'Use the same PIN on this device' });
    const box = (await checkbox.boundingBox())!;
    expect(Math.round(box.width)).toBe(22);
    expect(Math.round(box.height)).toBe(22);
    const label = (await page.getByText('Use the same PIN on this device').boundingBox())!;
    // Beside it on one line, not below it.
    expect(label.height).toBeLessThanOrEqual(48);
    expect(box.y).toBeGreaterThanOrEqual(label.y);
    expect(box.y + box.height).toBeLessThanOrEqual(label.y + label.height);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'finding-5-same-pin');
  });

  it('finding 6: the recovery screen\'s new-PIN fields show their rules before any submit, as onboarding does', async ({ phone }) => {
    const page = await phone();
    await page.goto('/');
    await page.getByRole('button', { name: 'I already have a vault' }).click();
    await page.getByLabel('Username').fill('someone');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'With an authenticator app code' }).click();
    const rules = page.locator('[data-test="recover-new-pin-policy"]');
    expect(await rules.textContent()).toMatch(/at least 6 digits/);
    await page.getByLabel('New PIN for this device', { exact: true }).fill('123456');
    await expect.poll(() => rules.textContent()).toMatch(/\S/);
    expect(await page.getByLabel('New PIN for this device', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('New PIN for this device', { exact: true }).fill('615093');
    await expect.poll(() => rules.textContent()).toMatch(/Strong enough/);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'finding-6-recover-pin-rules');

    // The PIN route asks for a new PIN only when unticked; the rules show there too.
    await page.getByRole('button', { name: 'Create a new vault instead' }).click();
    await page.getByRole('button', { name: 'I already have a vault' }).click();
    await page.getByLabel('Username').fill('someone');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'With my PIN' }).click();
    await page.getByRole('checkbox', { name: 'Use the same PIN on this device' }).uncheck();
    expect(await rules.textContent()).toMatch(/at least 6 digits/);
  });
});

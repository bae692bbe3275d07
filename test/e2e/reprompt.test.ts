import { describe, expect, test } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { addVirtualAuthenticator, axeViolations, leaveSettings, onboardInPage, openPhone, openSettings } from './browser';
import { screenshot, startJourneyRig } from './journeys';

const PIN = '640273';
const WRONG_PIN = '640274';
const PASSWORD = 'violet-anchor-73-tide';

const rig = startJourneyRig();
let accounts = 0;

interface Phone {
  context: BrowserContext;
  page: Page;
}

/**
 * Each journey on a phone of its own (context, storage, passkey with PRF), whose page timers and
 * Date run on Playwright's clock: "the unlock is a minute old" is a fast-forward, not a wait.
 */
const it = test.extend<{ phone: Phone }>({
  phone: async ({}, use) => {
    const { context, page, problems } = await openPhone(rig.browser, rig.server.origin);
    await page.clock.install();
    await addVirtualAuthenticator(page, { prf: true });
    try {
      await use({ context, page });
    } finally {
      await context.close();
    }
    expect(problems).toEqual([]);
  },
});

/**
 * Onboards, saves one login, sets "ask for the PIN again" to 1 minute, lets that minute pass and
 * opens the login: the vault is still unlocked, its unlock now too old to show a password.
 */
async function openLoginAfterAMinute(page: Page): Promise<void> {
  await onboardInPage(page, `carol${++accounts}`, PIN);
  await page.getByRole('button', { name: 'New login' }).click();
  await page.getByLabel('Title').fill('Bank');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Save', exact: true }).click();

  await openSettings(page, 'Security');
  await page.getByLabel(/Ask for the PIN again after this many minutes/).fill('1');
  const form = page.getByRole('form', { name: 'Ask for the PIN again' });
  await form.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => form.getByRole('status').textContent()).toBe('Saved.');
  await leaveSettings(page);

  await page.clock.fastForward('01:05');
  await page.getByRole('button', { name: /^Bank/ }).click();
  await page.getByLabel('Password', { exact: true }).waitFor();
}

const passwordField = (page: Page): Locator => page.getByLabel('Password', { exact: true });
const repromptDialog = (page: Page): Locator => page.getByRole('dialog', { name: 'Confirm it’s you' });

describe('re-prompt before revealing, in Chromium', { timeout: 90_000 }, () => {

  it('asks for the PIN before showing a password once the unlock is old: Cancel shows nothing, a wrong PIN is refused, the right one shows it', async ({ phone }) => {
    const { page } = phone;
    await openLoginAfterAMinute(page);
    const show = page.getByRole('button', { name: 'Show' });

    await show.click();
    const dialog = repromptDialog(page);
    await dialog.waitFor();
    await expect.poll(() => dialog.getByLabel('PIN', { exact: true }).evaluate((input) => input === (input.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Use passkey' }).count()).toBe(1);
    expect(await passwordField(page).getAttribute('type')).toBe('password');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'reprompt-dialog', { fullPage: false });

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await passwordField(page).getAttribute('type')).toBe('password');
    expect(await show.getAttribute('aria-pressed')).toBe('false');
    await expect.poll(() => show.evaluate((button) => button === (button.getRootNode() as ShadowRoot).activeElement)).toBe(true);

    await show.click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await passwordField(page).getAttribute('type')).toBe('password');

    await show.click();
    await dialog.getByLabel('PIN', { exact: true }).fill(WRONG_PIN);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('Wrong PIN');
    await screenshot(page, 'reprompt-wrong-pin', { fullPage: false });
    expect(await passwordField(page).getAttribute('type')).toBe('password');

    await dialog.getByLabel('PIN', { exact: true }).fill(PIN);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await passwordField(page).getAttribute('type')).toBe('text');
    expect(await passwordField(page).inputValue()).toBe(PASSWORD);

    // Confirmed a moment ago: hiding and showing again asks nothing.
    await page.getByRole('button', { name: 'Hide' }).click();
    await show.click();
    expect(await passwordField(page).getAttribute('type')).toBe('text');
    expect(await repromptDialog(page).count()).toBe(0);
  });

  it('counts wrong PINs in the dialog as lock-screen attempts: after the free ones it counts down, here and on the lock screen', async ({ phone }) => {
    const { page } = phone;
    await openLoginAfterAMinute(page);
    await page.getByRole('button', { name: 'Show' }).click();
    const dialog = repromptDialog(page);
    const confirm = dialog.getByRole('button', { name: /^(Confirm|Try again in)/ });
    for (let attempt = 1; attempt <= 4; attempt++) {
      await dialog.getByLabel('PIN', { exact: true }).fill(WRONG_PIN);
      await confirm.click();
      await expect.poll(() => dialog.getByLabel('PIN', { exact: true }).inputValue()).toBe(''); // cleared after each wrong PIN
    }
    await expect.poll(() => confirm.textContent()).toMatch(/Try again in 0:[0-3]\d/);
    expect(await confirm.isDisabled()).toBe(true);
    expect(await passwordField(page).getAttribute('type')).toBe('password');

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Cancel' }).click(); // the editor's: back to the list
    await page.getByRole('button', { name: 'Lock' }).click();
    await expect.poll(() => page.getByRole('button', { name: /Try again in 0:[0-3]\d/ }).count()).toBe(1);
  });

  it('asks before copying a password and before turning off a recovery route; the passkey confirms', async ({ phone }) => {
    const { context, page } = phone;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.server.origin });
    await openLoginAfterAMinute(page);

    await page.getByRole('button', { name: 'Copy' }).click();
    const dialog = repromptDialog(page);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByRole('status').filter({ hasText: 'copied' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByRole('button', { name: 'Use passkey' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(PASSWORD);

    await page.getByRole('button', { name: 'Cancel' }).click();
    await openSettings(page, 'Recovery');
    await expect.poll(() => page.getByText('Active: ').count()).toBe(1); // PIN recovery, registered in the background
    await page.clock.fastForward('01:05');
    await page.getByRole('button', { name: 'Turn off PIN recovery' }).click();
    await page.getByRole('button', { name: 'Yes, turn off PIN recovery' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByText('PIN recovery is off.').count()).toBe(0);
    expect(await page.getByText('Active: ').count()).toBe(1);
  });
});

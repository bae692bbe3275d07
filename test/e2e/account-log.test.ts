import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { forgeDevice, forgePasskey, logStatusOf, unlogAccount } from './account-log-db';
import {
  axeViolations,
  clearSiteData,
  launchChromium,
  leaveSettings,
  onboardInPage,
  openSettings,
  pinRecoveryReady,
  startLiveServer,
  withPhones,
  type LiveServer,
  type OpenedPhone,
} from './browser';

const PIN = '482915';
/** A key fingerprint as the screens show it. */
const FINGERPRINT = /^[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}$/;

let server: LiveServer;
let browser: Browser;
let accounts = 0;

/** Each journey opens its own phones (browser.ts `withPhones`), all closed after it. */
const it = test.extend<{ phone: () => Promise<OpenedPhone> }>({
  phone: async ({}, use) => withPhones(browser, server.origin, use),
});

mkdirSync('/tmp/kh-shots', { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: `/tmp/kh-shots/account-log-${name}.png`, fullPage: true });

/** The vault's warning that the account log does not hold up. */
const logWarning = (page: Page) => page.getByRole('alert').filter({ hasText: 'Check who can open your account' });
/** Settings → Devices & passkeys: the devices the log holds, and the group of those it never added. */
const accountDevices = (page: Page) => page.getByRole('list', { name: 'Devices', exact: true }).getByRole('listitem');
/** The "Not added by you" group of the devices or of the passkeys. */
const unlistedList = (page: Page, what: 'Devices' | 'Passkeys') => page.getByRole('list', { name: `${what} not added by you` });
const unlistedDevices = (page: Page) => unlistedList(page, 'Devices').getByRole('listitem');

/** Opens the app again (a reload, then the PIN): the first sync run of an unlock checks the device list against the log. */
async function reopen(page: Page): Promise<void> {
  await page.reload();
  await page.getByLabel('PIN', { exact: true }).fill(PIN);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
}

/**
 * Recovery by PIN as on a new phone (browser.ts `recoverInPage` without its wait for the vault's
 * list, which the confirmation screen may already have replaced).
 */
async function recoverByPin(page: Page, username: string): Promise<void> {
  await page.goto('/');
  await page.getByRole('button', { name: 'I already have a vault' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'With my PIN' }).click();
  await page.getByLabel('Your vault PIN').fill(PIN);
  await page.getByRole('button', { name: 'Recover vault' }).click();
}

/** Removes a device of the "Not added by you" group, confirming the dialog (the virtual authenticator answers the passkey prompt). */
async function removeDevice(page: Page, name: string): Promise<void> {
  await unlistedList(page, 'Devices').getByRole('button', { name: `Remove ${name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: `Remove ${name}` }).click();
  await page.getByRole('status').filter({ hasText: `${name} was removed.` }).waitFor({ timeout: 20_000 });
}

describe('the signed account log, in Chromium', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    server = await startLiveServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a device and a passkey written into the server’s database: the vault warns with their names and fingerprints, lists them as not added by you, and removing them ends the warning', async ({ phone }) => {
    const username = `forged${++accounts}`;
    const { page } = await phone();
    await onboardInPage(page, username, PIN);
    expect(logStatusOf(server.databaseFile, username)).toBe('logged');
    // Onboarding started the log: no confirmation screen, no warning.
    expect(await page.getByRole('heading', { name: 'Confirm who can open your account' }).count()).toBe(0);

    const forged = forgeDevice(server.databaseFile, username, 'Pixel 8');
    const forgedKey = forgePasskey(server.databaseFile, username, 'YubiKey 5');
    await reopen(page);
    const warning = logWarning(page);
    await expect.poll(() => warning.textContent(), { timeout: 30_000 }).toContain(`The key server lists a device your account never added: Pixel 8 (${forged.fingerprint}). It cannot sign in.`);
    await expect.poll(() => warning.textContent()).toContain(`The key server lists a passkey your account never added: YubiKey 5 (${forgedKey.fingerprint}). It cannot sign in.`);
    await expect.poll(() => warning.isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'forged-banner');

    await warning.getByRole('button', { name: 'Open Devices & passkeys' }).click();
    await page.getByRole('heading', { level: 2, name: 'Devices & passkeys', exact: true }).waitFor();
    await expect.poll(() => unlistedDevices(page).count()).toBe(1);
    const stranger = unlistedDevices(page).first();
    expect(await stranger.getByText(FINGERPRINT).textContent()).toBe(forged.fingerprint);
    // Nothing there would vouch for it: no renaming, only its removal.
    expect(await stranger.getByRole('button', { name: /^Rename/ }).count()).toBe(0);
    expect(await accountDevices(page).count()).toBe(1);
    expect(await accountDevices(page).getByText('This device').count()).toBe(1);
    expect(await accountDevices(page).getByText(forged.fingerprint).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'forged-devices');

    // The passkeys list likewise: the account's one passkey, and the stranger offering only "Remove".
    const passkeys = page.getByRole('list', { name: 'Passkeys', exact: true }).getByRole('listitem');
    const strangers = unlistedList(page, 'Passkeys');
    await expect.poll(() => strangers.getByRole('listitem').count()).toBe(1);
    expect(await strangers.getByText(FINGERPRINT).textContent()).toBe(forgedKey.fingerprint);
    expect(await strangers.getByRole('button').allTextContents()).toEqual(['Remove']);
    expect(await passkeys.count()).toBe(1);
    expect(await passkeys.getByText(forgedKey.fingerprint).count()).toBe(0);

    await removeDevice(page, 'Pixel 8');
    await strangers.getByRole('button', { name: 'Remove YubiKey 5' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove “YubiKey 5”' }).click();
    await page.getByRole('status').filter({ hasText: '“YubiKey 5” was removed.' }).waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByRole('heading', { name: 'Not added by you' }).count()).toBe(0);
    await leaveSettings(page);
    await page.getByRole('button', { name: 'New note' }).waitFor();
    expect(await logWarning(page).count()).toBe(0);
  });

  it('a server that shows the phone no history any more: the vault warns of a rollback and asks nothing to be confirmed', async ({ phone }) => {
    const username = `rolledback${++accounts}`;
    const { page } = await phone();
    await onboardInPage(page, username, PIN);
    await expect.poll(() => pinRecoveryReady(page)).toBe(true);
    // Someone with the pepper (or a restored backup from before 007) makes the account look unlogged:
    // a phone that verified its log must not take that as an account to migrate.
    unlogAccount(server.databaseFile, username);
    await reopen(page);
    const warning = logWarning(page);
    await expect.poll(() => warning.textContent(), { timeout: 30_000 }).toContain(
      'The key server showed this phone an older history of your account than it saw before, as if recent changes to your devices and passkeys were undone. Keyhold kept the history this phone had already checked.',
    );
    expect(await page.getByRole('heading', { name: 'Confirm who can open your account' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'rollback-banner');

    // The devices screen repeats the warning; this phone's own device is still the account's by the log it kept.
    await warning.getByRole('button', { name: 'Open Devices & passkeys' }).click();
    await expect.poll(() => accountDevices(page).count()).toBe(1);
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'an older history of your account' }).count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Not added by you' }).count()).toBe(0);
  });

  it('an account made before the log: after unlock the person confirms its passkeys and devices, leaves out the lost one, and the log vouches for what was kept', async ({ phone }) => {
    const username = `premigration${++accounts}`;
    const { page } = await phone();
    await onboardInPage(page, username, PIN);
    await expect.poll(() => pinRecoveryReady(page)).toBe(true);
    // The server as migration 007 left an account made before the log; this phone's own copy is
    // wiped (it would rightly call the server's empty log a rollback), and the vault comes back by
    // PIN recovery as on a new phone. The first device's row stays, lost with the wiped storage.
    unlogAccount(server.databaseFile, username);
    await clearSiteData(page, server.origin);
    await recoverByPin(page, username);

    const heading = page.getByRole('heading', { name: 'Confirm who can open your account' });
    await heading.waitFor({ timeout: 30_000 });
    const passkeys = page.getByRole('group', { name: 'Passkeys' }).getByRole('checkbox');
    const devices = page.getByRole('group', { name: 'Devices' }).getByRole('checkbox');
    await expect.poll(() => devices.count()).toBe(2);
    expect(await passkeys.count()).toBe(1);
    expect(await passkeys.first().isChecked()).toBe(true);
    const current = page.getByRole('checkbox', { name: / \(this device\)$/ });
    expect(await current.isChecked()).toBe(true);
    expect(await current.isDisabled()).toBe(true);
    const lost = page.getByRole('group', { name: 'Devices' }).getByRole('checkbox', { disabled: false });
    expect(await lost.isChecked()).toBe(true);
    expect(await page.getByText(FINGERPRINT).count()).toBe(3);
    expect(await page.getByRole('list').filter({ hasText: 'Recovery with your PIN on a new device' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'migration');

    // "Not now" leaves it for later; Devices & passkeys offers it meanwhile.
    await page.getByRole('button', { name: 'Not now' }).click();
    await page.getByRole('button', { name: 'New note' }).waitFor();
    expect(logStatusOf(server.databaseFile, username)).toBe('unlogged');
    await openSettings(page, 'Devices & passkeys');
    const offer = page.getByRole('button', { name: 'Confirm who can open your account' });
    await offer.waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'migration-offer');
    await offer.click();
    await heading.waitFor();
    await expect.poll(() => devices.count()).toBe(2);

    await lost.uncheck();
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /^Confirmed\./ }).waitFor({ timeout: 30_000 });
    expect(logStatusOf(server.databaseFile, username)).toBe('logged');
    await expect.poll(() => page.getByText(/^Not kept: .+ \([0-9a-f ]{19}\)\. It can no longer sign in\./).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'migration-done');

    // The lost phone is now one the log never added: the devices screen says so, and removing it clears it.
    await page.getByRole('button', { name: 'Open Devices & passkeys' }).click();
    await page.getByRole('heading', { level: 2, name: 'Devices & passkeys', exact: true }).waitFor();
    await expect.poll(() => accountDevices(page).count()).toBe(1);
    await expect.poll(() => unlistedDevices(page).count()).toBe(1);
    expect(await accountDevices(page).getByText(FINGERPRINT).count()).toBe(1);
    const passkeyFingerprints = page.getByRole('list', { name: 'Passkeys', exact: true }).getByText(FINGERPRINT);
    // The passkeys list loads on its own, beside the devices list.
    await expect.poll(() => passkeyFingerprints.count()).toBe(1);
    await shot(page, 'migration-devices');
    const removeLost = unlistedDevices(page).first().getByRole('button', { name: /^Remove / });
    await removeDevice(page, (await removeLost.getAttribute('aria-label'))!.slice('Remove '.length));
    await expect.poll(() => page.getByRole('heading', { name: 'Not added by you' }).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);

    // Verified from now on: the next unlock asks nothing and warns of nothing.
    await reopen(page);
    await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: 30_000 });
    await openSettings(page, 'Devices & passkeys');
    await expect.poll(() => accountDevices(page).count()).toBe(2);
    expect(await accountDevices(page).getByText('Removed', { exact: true }).count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Not added by you' }).count()).toBe(0);
    await leaveSettings(page);
    expect(await heading.count()).toBe(0);
    expect(await logWarning(page).count()).toBe(0);
  });
});

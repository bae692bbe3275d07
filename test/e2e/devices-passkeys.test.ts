import { describe, expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { addVirtualAuthenticator, axeViolations, leaveSettings, onboardInPage, openSettings, pinRecoveryReady, recoverInPage, type OpenedPhone } from './browser';
import { screenshot, startJourneyRig, testWithPhones } from './journeys';

const PIN = '482915';
const REVOKED = 'This device was removed from your account, so it no longer syncs. Everything on it stays here, and your PIN still opens it.';

let accounts = 0;

type Phone = OpenedPhone;

/** Each journey opens the phones it needs, all closed after it. */
const it = testWithPhones(startJourneyRig());

/** An account made on a first phone, and a second phone that joined it by PIN recovery. */
async function twoDevices(phone: () => Promise<Phone>): Promise<{ first: Page; second: Page }> {
  const { page: first } = await phone();
  const username = `dana${++accounts}`;
  await onboardInPage(first, username, PIN);
  await expect.poll(() => pinRecoveryReady(first), { timeout: 30_000 }).toBe(true);
  const { page: second } = await phone();
  await recoverInPage(second, username, PIN);
  return { first, second };
}

/** The whole screen; a modal dialog shows over the viewport, so that alone is taken then. */
const shot = (page: Page, name: string, { dialog = false } = {}) => screenshot(page, name, { fullPage: !dialog });
const devicesList = (page: Page): Locator => page.getByRole('list', { name: 'Devices' });
const passkeysList = (page: Page): Locator => page.getByRole('list', { name: 'Passkeys' });
const thisDevice = (page: Page): Locator => devicesList(page).getByRole('listitem').filter({ hasText: 'This device' });

/** The sync line's headline after "Sync now" on `page`'s open vault. */
async function syncNow(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Sync now' }).click();
  return page.locator('[data-test="sync-headline"]');
}

describe('devices and passkeys, on a phone', { timeout: 150_000 }, () => {
  it('lists both devices of the account; one removed from the other stops syncing and still opens by PIN', async ({ phone }) => {
    const { first, second } = await twoDevices(phone);

    // The second phone names itself, so the first can tell the two apart.
    await openSettings(second, 'Devices & passkeys');
    await thisDevice(second).getByRole('button', { name: /^Rename/ }).click();
    await second.getByLabel(/^New name for/).fill('Spare phone');
    await shot(second, 'devices-rename');
    await second.getByRole('button', { name: 'Save name' }).click();
    await thisDevice(second).getByText('Spare phone').waitFor();
    await leaveSettings(second);

    await openSettings(first, 'Devices & passkeys');
    await devicesList(first).getByText('Spare phone').waitFor();
    expect(await devicesList(first).getByRole('listitem').count()).toBe(2);
    expect(await thisDevice(first).getByText('Spare phone').count()).toBe(0);
    expect(await thisDevice(first).getByRole('button', { name: /^Remove/ }).count()).toBe(0); // not from its own list
    expect(await axeViolations(first)).toEqual([]);
    await shot(first, 'devices-passkeys');

    await first.getByRole('button', { name: 'Remove Spare phone' }).click();
    const dialog = first.getByRole('dialog', { name: 'Remove Spare phone?' });
    await dialog.waitFor();
    expect(await axeViolations(first)).toEqual([]);
    await shot(first, 'devices-remove-dialog', { dialog: true });
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await devicesList(first).getByText('Removed', { exact: true }).count()).toBe(0);

    await first.getByRole('button', { name: 'Remove Spare phone' }).click();
    await dialog.getByRole('button', { name: 'Remove Spare phone' }).click(); // the virtual authenticator answers the passkey prompt
    await first.getByText('Spare phone was removed. It no longer syncs or signs in.').waitFor({ timeout: 30_000 });
    await devicesList(first).getByRole('listitem').filter({ hasText: 'Spare phone' }).getByText('Removed', { exact: true }).waitFor();

    // The removed phone is refused at its next sync, says so, and its vault still opens by PIN.
    const headline = await syncNow(second);
    await expect.poll(() => headline.textContent()).toBe(REVOKED);
    await second.getByRole('button', { name: 'Lock' }).click();
    await second.getByLabel('PIN', { exact: true }).fill(PIN);
    await second.getByRole('button', { name: 'Unlock', exact: true }).click();
    await second.getByRole('button', { name: 'New login' }).waitFor({ timeout: 30_000 });
  });

  it('adds a second passkey (a security key), and the vault unlocks with it once the phone\'s own passkey is gone', async ({ phone }) => {
    const { page, authenticator } = await phone();
    await onboardInPage(page, `dana${++accounts}`, PIN);
    const securityKey = await addVirtualAuthenticator(page, { prf: true, transport: 'usb' });
    // Only the security key answers the next prompt, as when a person touches it.
    await authenticator.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: authenticator.authenticatorId, enabled: false });

    await openSettings(page, 'Devices & passkeys');
    await expect.poll(() => passkeysList(page).getByRole('listitem').count()).toBe(1);
    await page.getByText('Your only passkey: add another before you can remove this one.').waitFor();
    await page.getByLabel('Name for the new passkey').fill('Security key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('“Security key” was added. It can open your vault too.').waitFor({ timeout: 30_000 });
    const added = passkeysList(page).getByRole('listitem').filter({ hasText: 'Security key' });
    await added.getByText('Can unlock the vault').waitFor();
    expect(await passkeysList(page).getByRole('listitem').count()).toBe(2);
    expect((await securityKey.cdp.send('WebAuthn.getCredentials', { authenticatorId: securityKey.authenticatorId })).credentials).toHaveLength(1);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'passkeys-added');

    // The phone's passkey is lost; the security key opens the vault.
    await authenticator.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: authenticator.authenticatorId });
    await leaveSettings(page);
    await page.getByRole('button', { name: 'Lock' }).click();
    await page.getByRole('button', { name: /Unlock with passkey/ }).click();
    await page.getByRole('button', { name: 'New login' }).waitFor({ timeout: 30_000 });
  });

  it('warns before removing the only passkey that can unlock, and removes it only when confirmed', async ({ phone }) => {
    const { page, authenticator } = await phone();
    await onboardInPage(page, `dana${++accounts}`, PIN);
    // A second passkey without PRF: it signs in but cannot unlock.
    await addVirtualAuthenticator(page, { prf: false, transport: 'usb' });
    await authenticator.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: authenticator.authenticatorId, enabled: false });
    await openSettings(page, 'Devices & passkeys');
    await page.getByLabel('Name for the new passkey').fill('Old key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText(/“Old key” was added\. This passkey signs you in, but its authenticator cannot open the vault/).waitFor({ timeout: 30_000 });
    const oldKey = passkeysList(page).getByRole('listitem').filter({ hasText: 'Old key' });
    await oldKey.getByText('Cannot unlock the vault').waitFor();
    expect(await oldKey.getByRole('button', { name: 'Use for unlocking: Old key' }).isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);

    const phonePasskey = passkeysList(page).getByRole('listitem').filter({ hasText: 'Can unlock the vault' });
    await phonePasskey.getByRole('button', { name: /^Remove/ }).click();
    const dialog = page.getByRole('dialog', { name: /^Remove/ });
    await dialog.getByText('It is the only passkey that can open your vault without your PIN.', { exact: false }).waitFor();
    await shot(page, 'passkeys-remove-warning', { dialog: true });
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    expect(await passkeysList(page).getByRole('listitem').count()).toBe(2);
  });

  it('locks everywhere from the devices screen: the other device is refused, and the vault here keeps working', async ({ phone }) => {
    const { first, second } = await twoDevices(phone);
    await openSettings(first, 'Devices & passkeys');
    await expect.poll(() => devicesList(first).getByRole('listitem').count()).toBe(2);
    const lock = first.getByRole('form', { name: 'Lock everywhere' });
    await first.getByText(/Cannot protect/).waitFor();
    await lock.getByLabel('Your PIN').fill('000000');
    await lock.getByRole('button', { name: 'Lock everywhere' }).click();
    await lock.getByText('Wrong PIN. Nothing was changed.').waitFor({ timeout: 30_000 });
    expect(await axeViolations(first)).toEqual([]);

    await lock.getByLabel('Your PIN').fill(PIN);
    await lock.getByRole('button', { name: 'Lock everywhere' }).click();
    await first.getByText(/Locked everywhere\. 1 other device was removed\./).waitFor({ timeout: 60_000 });
    await expect.poll(() => devicesList(first).getByText('Removed', { exact: true }).count()).toBe(1);
    expect(await axeViolations(first)).toEqual([]);
    await shot(first, 'lock-everywhere-report');

    // The other device is refused; this one still saves and syncs under the new keys.
    const headline = await syncNow(second);
    await expect.poll(() => headline.textContent()).toBe(REVOKED);
    await leaveSettings(first);
    await first.getByRole('button', { name: 'New note' }).click();
    await first.getByLabel('Title').fill('After the lock');
    await first.getByLabel('Note').fill('written under the new keys');
    await first.getByRole('button', { name: 'Save', exact: true }).click();
    await first.getByRole('button', { name: /^After the lock/ }).waitFor();
    await expect.poll(() => first.locator('[data-test="sync-status"]').getAttribute('data-pending')).toBe('0');
    expect(await first.locator('[data-test="sync-status"]').getAttribute('data-phase')).not.toBe('error');
  });

  it('lock everywhere names a passkey that needs a tap to unlock again, and its button brings it back', async ({ phone }) => {
    const { page, authenticator: phoneKey } = await phone();
    await onboardInPage(page, `dana${++accounts}`, PIN);
    const securityKey = await addVirtualAuthenticator(page, { prf: true, transport: 'usb' });
    const answers = async (key: Phone['authenticator'], enabled: boolean) =>
      key.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: key.authenticatorId, enabled });
    await answers(phoneKey, false);
    await openSettings(page, 'Devices & passkeys');
    await page.getByLabel('Name for the new passkey').fill('Security key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('“Security key” was added. It can open your vault too.').waitFor({ timeout: 30_000 });

    // The phone's passkey signs the lock in: the security key's unlock opened the old keys only.
    await answers(phoneKey, true);
    await answers(securityKey, false);
    const lock = page.getByRole('form', { name: 'Lock everywhere' });
    await lock.getByLabel('Your PIN').fill(PIN);
    await lock.getByRole('button', { name: 'Lock everywhere' }).click();
    await page.getByText('Tap your passkey “Security key” to use it for unlocking again.').waitFor({ timeout: 60_000 });
    const securityKeyEntry = passkeysList(page).getByRole('listitem').filter({ hasText: 'Security key' });
    await securityKeyEntry.getByText('Cannot unlock the vault').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'lock-everywhere-needs-step');

    await answers(phoneKey, false);
    await answers(securityKey, true);
    await page.getByRole('button', { name: 'Use “Security key” for unlocking' }).click();
    await page.getByText('“Security key” can unlock your vault again.').waitFor({ timeout: 30_000 });
    await securityKeyEntry.getByText('Can unlock the vault').waitFor();

    // And it does: with the phone's passkey gone, the security key opens the vault under the new keys.
    await phoneKey.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: phoneKey.authenticatorId });
    await leaveSettings(page);
    await page.getByRole('button', { name: 'Lock' }).click();
    await page.getByRole('button', { name: /Unlock with passkey/ }).click();
    await page.getByRole('button', { name: 'New login' }).waitFor({ timeout: 30_000 });
  });
});

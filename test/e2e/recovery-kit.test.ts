import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, clearSiteData, launchChromium, onboardInPage, pinRecoveryReady, setOffline, withPhones } from './browser';
import { screenshot, startJourneyRig } from './journeys';
import { pngOfDataUrl, writeQrVideo } from './kit-qr-media';

const PIN = '482915';
const NEW_PIN = '615093';

/** One key server and one Chromium for every journey here; the camera's own Chromium is started beside it. */
const rig = startJourneyRig();
let accounts = 0;
const nextUsername = () => `kit${++accounts}`;
const hook = (page: Page, name: string) => page.locator(`[data-test="${name}"]`);
const shot = (page: Page, name: string) => screenshot(page, `kit-${name}`);

/** A kit as the person has it on paper: the username, the 12 words in order, and the QR code's image. */
interface PaperKit {
  readonly username: string;
  readonly words: readonly string[];
  readonly qrPng: Buffer;
}

/** Onboards and saves the note "Wi-Fi", waiting until it and PIN recovery reached the server. */
async function onboardWithNote(page: Page, username: string): Promise<void> {
  await onboardInPage(page, username, PIN);
  await hook(page, 'new-note').click();
  await hook(page, 'record-title').fill('Wi-Fi');
  await hook(page, 'record-body').fill('correct horse battery staple');
  await hook(page, 'record-save').click();
  await expect.poll(() => hook(page, 'record').count()).toBe(1);
  await expect.poll(() => hook(page, 'unsynced').count()).toBe(0);
  await expect.poll(() => pinRecoveryReady(page), { timeout: 30_000 }).toBe(true);
}

/**
 * In Settings → Recovery (already open): creates or replaces the kit, reads the words off the
 * screen as a person would, types two of them back, and waits until the kit is on.
 */
async function makeKit(page: Page, username: string, { replace = false, look = false } = {}): Promise<PaperKit> {
  await page.getByRole('button', { name: replace ? 'Replace recovery kit' : 'Create recovery kit' }).click();
  const list = page.getByRole('list', { name: 'Your 12 recovery words' });
  await list.waitFor();
  const words = (await list.getByRole('listitem').allTextContents()).map((word) => word.trim());
  expect(words).toHaveLength(12);
  const qr = await page.getByRole('img', { name: 'QR code of your recovery kit' }).getAttribute('src');
  if (look) {
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'words');
    // The printed page is the kit alone: the app is hidden, the print copy shows.
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi
    expect(await page.locator('kh-app').isVisible()).toBe(false);
    expect(await page.locator('body > kh-kit-sheet').isVisible()).toBe(true);
    await shot(page, 'print');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ media: 'screen' });
  }
  await page.getByRole('button', { name: 'I wrote it down' }).click();
  const labels = await page.locator('kh-recovery-kit form label').allTextContents();
  expect(labels).toHaveLength(2);
  for (const label of labels) {
    const position = Number(/^Word (\d+)$/.exec(label.trim())?.[1]);
    await page.getByLabel(label.trim(), { exact: true }).fill(words[position - 1]!);
  }
  if (look) {
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'check');
  }
  await page.getByRole('button', { name: 'Turn on the recovery kit' }).click();
  await page.getByText(replace ? /Your new recovery kit is ready/ : /Your recovery kit is ready/).waitFor({ timeout: 20_000 });
  // Shown once: the words have left the page, and so has the print copy.
  expect(await list.count()).toBe(0);
  expect(await page.locator('kh-kit-sheet').count()).toBe(0);
  if (look) {
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'ready');
  }
  return { username, words, qrPng: pngOfDataUrl(qr ?? '') };
}

/** Onboards, then makes a kit from the vault screen's reminder. */
async function onboardAndMakeKit(page: Page, { look = false } = {}): Promise<PaperKit> {
  const username = nextUsername();
  await onboardWithNote(page, username);
  const reminder = page.getByRole('region', { name: 'Make a recovery kit' });
  await reminder.waitFor({ timeout: 20_000 });
  if (look) {
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, 'reminder');
  }
  await reminder.getByRole('button', { name: 'Make it now' }).click();
  await page.getByRole('heading', { level: 2, name: 'Recovery', exact: true }).waitFor();
  return makeKit(page, username, { look });
}

/** "I already have a vault" → the username → "With my recovery kit". */
async function openKitRoute(page: Page, username: string): Promise<void> {
  await page.getByRole('button', { name: 'I already have a vault' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'With my recovery kit' }).click();
}

async function chooseNewPinAndRecover(page: Page): Promise<void> {
  await page.getByLabel('New PIN for this device', { exact: true }).fill(NEW_PIN);
  await page.getByLabel('Repeat new PIN for this device', { exact: true }).fill(NEW_PIN);
  await page.getByRole('button', { name: 'Recover vault' }).click();
}

/** The vault is open with the note made before the recovery. */
async function expectVaultWithNote(page: Page, username: string): Promise<void> {
  await page.getByRole('button', { name: 'New login' }).waitFor({ timeout: 30_000 });
  await expect.poll(() => page.getByRole('heading', { level: 2 }).first().textContent()).toContain(username);
  await expect.poll(() => hook(page, 'record').allTextContents(), { timeout: 20_000 }).toEqual([expect.stringContaining('Wi-Fi')]);
}

/**
 * The recovery kit: made from the reminder after onboarding, shown once and typed back, then the
 * way back in when nothing else is left — after "clear site data", on a new phone by camera or
 * by a picture of the QR code, and on the lock screen for a forgotten PIN, offline. A replaced
 * kit no longer opens anything.
 */
describe('recovery kit, in Chromium', { timeout: 120_000 }, () => {
  it('makes a kit from the reminder; after the site data is cleared, the typed words open the vault with its records', async () => {
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      const { page } = await open();
      const kit = await onboardAndMakeKit(page, { look: true });
      // Back on the list, the reminder asks the server again, and the kit made is there.
      const asked = rig.server.nextAnswer((request) => new URL(request.url).pathname === '/api/recovery/status');
      await page.getByRole('button', { name: 'Back to settings' }).click();
      await page.getByRole('button', { name: 'Back to vault' }).click();
      await page.getByRole('button', { name: 'New login' }).waitFor();
      expect(await asked).toBe(200);
      await page.evaluate(() => new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted))));
      expect(await page.getByRole('region', { name: 'Make a recovery kit' }).count()).toBe(0);

      await clearSiteData(page, rig.server.origin);
      await page.reload();
      await openKitRoute(page, kit.username);
      await page.getByLabel('The 12 words of your recovery kit').fill(kit.words.join(' '));
      await page.getByLabel('New PIN for this device', { exact: true }).fill(NEW_PIN);
      await page.getByLabel('Repeat new PIN for this device', { exact: true }).fill(NEW_PIN);
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, 'recover-typed');
      await page.getByRole('button', { name: 'Recover vault' }).click();
      await expectVaultWithNote(page, kit.username);
    });
  });

  it('recovers on a new phone from a picture of the QR code (the fallback without a camera)', async () => {
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      const { page: old } = await open();
      const kit = await onboardAndMakeKit(old);
      const { page } = await open();
      await page.goto('/');
      await openKitRoute(page, kit.username);
      await page.getByLabel('Picture of the QR code').setInputFiles({ name: 'kit.png', mimeType: 'image/png', buffer: kit.qrPng });
      await page.getByText(`Read the recovery kit of ${kit.username} from its QR code`).waitFor();
      expect(await page.getByLabel('The 12 words of your recovery kit').inputValue()).toContain(kit.words[11]);
      await chooseNewPinAndRecover(page);
      await expectVaultWithNote(page, kit.username);
    });
  });

  it('a picture without a kit’s QR code is refused with a clear message', async () => {
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      const { page } = await open();
      await page.goto('/');
      await openKitRoute(page, 'nobody');
      // The app's own icon: an image, but no QR code in it.
      const icon = await page.evaluate(async () => Array.from(new Uint8Array(await (await fetch('/icons/icon-192.png')).arrayBuffer())));
      await page.getByLabel('Picture of the QR code').setInputFiles({ name: 'icon.png', mimeType: 'image/png', buffer: Buffer.from(icon) });
      await page.getByRole('alert').filter({ hasText: 'No recovery kit QR code was found in this picture' }).waitFor();
      expect(await page.getByLabel('The 12 words of your recovery kit').inputValue()).toBe('');
    });
  });

  it('on the lock screen, “Forgot your PIN?” sets a new PIN with the kit, offline', async () => {
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      const { page, context } = await open();
      const kit = await onboardAndMakeKit(page);
      await page.getByRole('button', { name: 'Back to settings' }).click();
      await page.getByRole('button', { name: 'Back to vault' }).click();
      await page.getByRole('button', { name: 'Lock' }).click();
      await setOffline(context, true);
      await page.getByRole('button', { name: 'Forgot your PIN?' }).click();
      await page.getByRole('heading', { name: 'Set a new PIN with your recovery kit' }).waitFor();
      await page.getByLabel('The 12 words of your recovery kit').fill(kit.words.join(' '));
      await page.getByLabel('New PIN', { exact: true }).fill(NEW_PIN);
      await page.getByLabel('Repeat new PIN', { exact: true }).fill(NEW_PIN);
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, 'forgot-pin');
      await page.getByRole('button', { name: 'Set new PIN' }).click();
      await expectVaultWithNote(page, kit.username);
      // The new PIN is the PIN now, still offline.
      await page.getByRole('button', { name: 'Lock' }).click();
      await page.getByLabel('PIN', { exact: true }).fill(NEW_PIN);
      await page.getByRole('button', { name: 'Unlock', exact: true }).click();
      await page.getByRole('button', { name: 'New login' }).waitFor({ timeout: 30_000 });
    });
  });

  it('“Forgot your PIN?” on a device without a kit says so, and where a kit still works', async () => {
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      const { page } = await open();
      await onboardInPage(page, nextUsername(), PIN);
      await page.getByRole('button', { name: 'Lock' }).click();
      await page.getByRole('button', { name: 'Forgot your PIN?' }).click();
      // A well-formed code (the BIP39 test vector): the device, not the words, is what is missing.
      await page.getByLabel('The 12 words of your recovery kit').fill(`${'abandon '.repeat(11)}about`);
      await page.getByLabel('New PIN', { exact: true }).fill(NEW_PIN);
      await page.getByLabel('Repeat new PIN', { exact: true }).fill(NEW_PIN);
      await page.getByRole('button', { name: 'Set new PIN' }).click();
      await page.getByRole('alert').filter({ hasText: 'This device holds no recovery kit' }).waitFor({ timeout: 20_000 });
      expect(await page.getByRole('alert').filter({ hasText: 'I already have a vault' }).count()).toBe(1);
      // Nothing changed: the old PIN still opens the vault.
      await page.getByRole('button', { name: 'Back to unlock' }).click();
      await page.getByLabel('PIN', { exact: true }).fill(PIN);
      await page.getByRole('button', { name: 'Unlock', exact: true }).click();
      await page.getByRole('button', { name: 'New login' }).waitFor({ timeout: 30_000 });
    });
  });

  it('“Not now” hides the reminder on this device, also after locking and unlocking', async () => {
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      const { page } = await open();
      await onboardInPage(page, nextUsername(), PIN);
      const reminder = page.getByRole('region', { name: 'Make a recovery kit' });
      await reminder.getByRole('button', { name: 'Not now' }).click();
      expect(await reminder.count()).toBe(0);
      await page.getByRole('button', { name: 'Lock' }).click();
      await page.reload();
      await page.getByLabel('PIN', { exact: true }).fill(PIN);
      await page.getByRole('button', { name: 'Unlock', exact: true }).click();
      await page.getByRole('button', { name: 'New login' }).waitFor({ timeout: 30_000 });
      // The list was read and the sync went by: a reminder would be on screen by now.
      await expect.poll(() => hook(page, 'sync-status').textContent().catch(() => ''), { timeout: 20_000 }).toMatch(/synced|saved/i);
      expect(await reminder.count()).toBe(0);
    });
  });

  it('lock everywhere stops the kit; its report leads to making a new one', async () => {
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      const { page } = await open();
      await onboardAndMakeKit(page);
      await page.getByRole('button', { name: 'Back to settings' }).click();
      await page.getByRole('button', { name: /^Devices & passkeys / }).click();
      const lock = page.getByRole('form', { name: 'Lock everywhere' });
      await lock.getByLabel('Your PIN').fill(PIN);
      await lock.getByRole('button', { name: 'Lock everywhere' }).click();
      await page.getByText('Your recovery kit stopped working').waitFor({ timeout: 60_000 });
      await page.getByRole('button', { name: 'Make a new recovery kit' }).click();
      await page.getByRole('heading', { level: 2, name: 'Recovery', exact: true }).waitFor();
      await page.getByText('You have no recovery kit yet.').waitFor({ timeout: 20_000 });
    });
  });

  it('removes the kit after a passkey sign-in: the server holds none, and its words no longer open the vault', async () => {
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      const { page: old } = await open();
      const kit = await onboardAndMakeKit(old);
      await old.getByRole('button', { name: 'Remove recovery kit' }).click();
      await old.getByRole('button', { name: 'Yes, remove the recovery kit' }).click(); // the virtual authenticator answers the sign-in
      await old.getByText('Your recovery kit is removed').waitFor({ timeout: 30_000 });
      await old.getByText('You have no recovery kit yet.').waitFor({ timeout: 20_000 });
      const status = await old.evaluate(async () => ((await (await fetch('/api/recovery/status')).json()) as { kit: { active: boolean } }).kit);
      expect(status.active).toBe(false);

      const { page } = await open();
      await page.goto('/');
      await openKitRoute(page, kit.username);
      await page.getByLabel('The 12 words of your recovery kit').fill(kit.words.join(' '));
      await chooseNewPinAndRecover(page);
      await page.getByRole('alert').filter({ hasText: 'These words do not open this account’s vault' }).waitFor({ timeout: 20_000 });
    });
  });

  it('a replaced kit’s words are refused with a clear message; the new kit’s words work', async () => {
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      const { page: old } = await open();
      const first = await onboardAndMakeKit(old);
      const second = await makeKit(old, first.username, { replace: true });
      expect(second.words).not.toEqual(first.words);

      const { page } = await open();
      await page.goto('/');
      await openKitRoute(page, first.username);
      await page.getByLabel('The 12 words of your recovery kit').fill(first.words.join(' '));
      await chooseNewPinAndRecover(page);
      await page.getByRole('alert').filter({ hasText: 'a replaced kit stops working' }).waitFor({ timeout: 20_000 });
      await shot(page, 'replaced-refused');
      await page.getByLabel('The 12 words of your recovery kit').fill(second.words.join(' '));
      await page.getByRole('button', { name: 'Recover vault' }).click();
      await expectVaultWithNote(page, first.username);
    });
  });
});

/**
 * The camera path on its own browser: Chromium's fake camera plays a video of the kit's QR code
 * (a Y4M file the test writes once the kit exists; a blank page until then).
 */
describe('recovery kit by camera, in Chromium', { timeout: 120_000 }, () => {
  let cameraBrowser: Browser;
  let dir: string;
  let video: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kh-kit-camera-'));
    video = join(dir, 'kit.y4m');
    writeQrVideo(video, null);
    cameraBrowser = await launchChromium({
      extraArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`],
    });
  });
  afterAll(async () => {
    await cameraBrowser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scans the printed kit with the camera on a new phone, then the vault opens', async () => {
    let kit: PaperKit | undefined;
    await withPhones(rig.browser, rig.server.origin, async (open) => {
      kit = await onboardAndMakeKit((await open()).page);
    });
    writeQrVideo(video, `keyhold-kit:1:${kit!.username}:${kit!.words.join('-')}`);
    await withPhones(cameraBrowser, rig.server.origin, async (open) => {
      const { page, context } = await open();
      await context.grantPermissions(['camera'], { origin: rig.server.origin });
      await page.goto('/');
      // The username typed first is a slip: the QR code names the account.
      await openKitRoute(page, 'someone-else');
      await page.getByRole('button', { name: 'Scan the QR code' }).click();
      await page.getByText(`Read the recovery kit of ${kit!.username} from its QR code`).waitFor({ timeout: 20_000 });
      // The camera is off once the code is read.
      expect(await page.getByLabel('Camera view').count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      await shot(page, 'camera-read');
      await chooseNewPinAndRecover(page);
      await expectVaultWithNote(page, kit!.username);
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator, axeViolations, onboardInPage, openPhone, pinRecoveryReady } from './browser';
import { startJourneyRig } from './journeys';

const PIN = '482915';
/** Ten different wrong PINs, none of them common (the local PIN policy checks before a guess is spent). */
const WRONG_PINS = ['730264', '618403', '925071', '304817', '571936', '846290', '139572', '460183', '792615', '258049'];

/**
 * The PIN route's lock-out in a fresh browser profile, on the server's default allowance (10):
 * every try runs the real path (params, Argon2id 64 MiB in the page's worker, OPRF, one spent
 * guess), the app counts the guesses down, and after the last one says PIN recovery is locked and
 * offers the other routes instead of another try.
 */
describe('PIN recovery lock-out in Chromium', { timeout: 120_000 }, () => {
  const rig = startJourneyRig();
  let page: Page;
  let problems: string[];
  const hook = (p: Page, name: string) => p.locator(`[data-test="${name}"]`);


  it('the owner onboards, and PIN recovery reaches the server', async () => {
    // The owner's phone: onboarding registers PIN recovery in the background.
    const { page: owner } = await openPhone(rig.browser, rig.server.origin);
    await addVirtualAuthenticator(owner, { prf: true });
    await onboardInPage(owner, 'carol', PIN);
    const pinActive = () => pinRecoveryReady(owner);
    await expect.poll(pinActive, { timeout: 30_000 }).toBe(true);
    // A fresh profile: its own context, no vault, no cookies.
    ({ page, problems } = await openPhone(rig.browser, rig.server.origin));
    await page.goto('/');
    await hook(page, 'have-vault').click();
    await hook(page, 'recover-username').fill('carol');
    await hook(page, 'recover-next').click();
    await hook(page, 'route-pin').click();
  });

  it('a fresh profile counts the guesses down with each wrong PIN', async () => {
    for (const [i, wrong] of WRONG_PINS.slice(0, -1).entries()) {
      const left = WRONG_PINS.length - 1 - i;
      await hook(page, 'recover-pin').fill(wrong);
      await hook(page, 'recover-submit').click();
      const expected = left === 1 ? /Wrong username or PIN\. 1 guess left before PIN recovery locks\./ : new RegExp(`Wrong username or PIN\\. ${left} guesses left`);
      await expect.poll(() => hook(page, 'recover-error').textContent(), { timeout: 30_000 }).toMatch(expected);
    }
    expect(await hook(page, 'recover-other-routes').count()).toBe(0);
  });

  it('after the last guess says PIN recovery is locked, allows no further try, and offers the other routes', async () => {
    await hook(page, 'recover-pin').fill(WRONG_PINS.at(-1)!);
    await hook(page, 'recover-submit').click();
    await expect.poll(() => hook(page, 'recover-error').textContent(), { timeout: 30_000 }).toMatch(/PIN recovery is locked after too many wrong PINs/);
    expect(await hook(page, 'recover-submit').isDisabled()).toBe(true);
    expect(await hook(page, 'recover-pin').isDisabled()).toBe(true);
    await hook(page, 'recover-other-routes').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    for (const button of await hook(page, 'recover-other-routes').locator('button').all()) {
      expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    }

    // The server agrees: even the right PIN is refused now, before any evaluation (423).
    const params = await page.evaluate(async () => {
      const res = await fetch('/api/recovery/pin/params', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol' }) });
      return { status: res.status, code: ((await res.json()) as { error?: { code?: string } }).error?.code };
    });
    expect(params).toEqual({ status: 423, code: 'pin_recovery_locked' });

    await hook(page, 'locked-route-totp').click();
    await hook(page, 'recover-code').waitFor();
    expect(await hook(page, 'recover-error').textContent()).not.toMatch(/locked/);
    await hook(page, 'recover-cancel').waitFor();
    // Wrong-PIN answers are HTTP errors Chromium logs as failed loads; nothing else may appear.
    expect(problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
  });

  it('going back to the PIN route still finds it locked', async () => {
    // No way back from a proof step except via "Create a new vault instead" → "I already have a vault".
    await hook(page, 'recover-cancel').click();
    await hook(page, 'have-vault').click();
    await hook(page, 'recover-username').fill('carol');
    await hook(page, 'recover-next').click();
    await hook(page, 'route-pin').click();
    await hook(page, 'recover-pin').fill(PIN);
    await hook(page, 'recover-submit').click();
    await expect.poll(() => hook(page, 'recover-error').textContent(), { timeout: 30_000 }).toMatch(/PIN recovery is locked/);
    await hook(page, 'locked-route-passkey').waitFor();
  });
});

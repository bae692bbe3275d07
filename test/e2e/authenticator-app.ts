import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { openSettings } from './browser';

/** The code an authenticator app shows `offsetSeconds` from now (SHA-1, 6 digits, 30 s: the server's defaults). */
export function totpCode(secret: string, offsetSeconds = 0): Promise<string> {
  return generate({ secret, algorithm: 'sha1', digits: 6, period: 30, epoch: Math.floor(Date.now() / 1000) + offsetSeconds, t0: 0 });
}

/**
 * Sets up an authenticator app in Keyhold's Recovery settings on `page` (an unlocked vault), as a
 * person does: reads the secret shown beside the QR code and confirms with the app's code.
 * Returns the secret and the code the enrolment spent (its time step cannot be used again).
 */
export async function enrolAuthenticatorApp(page: Page): Promise<{ secret: string; usedCode: string }> {
  await openSettings(page, 'Recovery');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = (await page.locator('[data-test="totp-secret"]').textContent({ timeout: 20_000 }))!.trim();
  const usedCode = await totpCode(secret);
  await page.getByLabel(/digit code the app shows/).fill(usedCode);
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByText('Your authenticator app is set up for recovery.').waitFor({ timeout: 20_000 });
  return { secret, usedCode };
}

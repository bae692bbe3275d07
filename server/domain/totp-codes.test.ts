import { describe, expect, it } from 'vitest';
import { loadConfig, type TotpPolicy } from '../config';
import { matchTotpStep, newTotpSecret, totpCodeAt, totpUri } from './totp-codes';

/**
 * RFC 6238 Appendix B, the SHA-1 rows: secret "12345678901234567890" (ASCII), T0 = 0, X = 30 s,
 * 8 digits. Run through the server's own otplib configuration with only the digits changed.
 */
const RFC_SECRET = new TextEncoder().encode('12345678901234567890');
const RFC_VECTORS: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

const serverPolicy = (env: Record<string, string> = {}): TotpPolicy => loadConfig(env).totp;

describe('TOTP codes (RFC 6238 through otplib)', () => {
  const policy8 = serverPolicy({ TOTP_DIGITS: '8' });

  it.each(RFC_VECTORS)('at T = %i s the code is %s', async (seconds, code) => {
    expect(await totpCodeAt(policy8, RFC_SECRET, seconds * 1000)).toBe(code);
    // The verifying side accepts it in the step it belongs to (T / 30, RFC 6238 §4.2).
    expect(await matchTotpStep(policy8, RFC_SECRET, code, seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  it('defaults to 30 s, 6 digits and ±1 step, and takes the time from the caller', async () => {
    const policy = serverPolicy();
    expect(policy).toMatchObject({ periodSeconds: 30, digits: 6, windowSteps: 1 });
    const secret = newTotpSecret();
    const t = 1_800_000_015_000; // 15 s into a step
    const code = await totpCodeAt(policy, secret, t);
    expect(code).toMatch(/^\d{6}$/);
    const step = Math.floor(t / 30_000);
    expect(await matchTotpStep(policy, secret, code, t - 30_000)).toBe(step); // one step early: accepted
    expect(await matchTotpStep(policy, secret, code, t + 30_000)).toBe(step); // one step late: accepted
    expect(await matchTotpStep(policy, secret, code, t + 60_000)).toBeNull(); // two steps late: refused
    expect(await matchTotpStep(policy, secret, code, t - 60_000)).toBeNull();
  });

  it('follows TOTP_PERIOD_SECONDS and TOTP_WINDOW_STEPS', async () => {
    const policy = serverPolicy({ TOTP_PERIOD_SECONDS: '60', TOTP_WINDOW_STEPS: '0' });
    const secret = newTotpSecret();
    const t = 1_800_000_010_000;
    const code = await totpCodeAt(policy, secret, t);
    expect(await matchTotpStep(policy, secret, code, t + 40_000)).toBe(Math.floor(t / 60_000));
    expect(await matchTotpStep(policy, secret, code, t + 60_000)).toBeNull();
  });

  it('treats a malformed or wrong-length code as a wrong one instead of throwing', async () => {
    const policy = serverPolicy();
    const secret = newTotpSecret();
    for (const code of ['', '12345', '1234567', 'abcdef', '１２３４５６']) expect(await matchTotpStep(policy, secret, code, Date.now())).toBeNull();
  });

  it('makes 160-bit base32 secrets and an otpauth:// URI holding the issuer, label and secret', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(totpUri(serverPolicy(), 'Keyhold', 'alice', secret));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Keyhold:alice');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Keyhold');
  });
});

import { generate, generateSecret, generateURI, verify } from 'otplib';
import { TOTP_SECRET_BYTES } from '../../protocol/constants';
import type { TotpPolicy } from '../config';

/**
 * RFC 6238 TOTP through otplib (v13, functional API), configured in one place so enrolment,
 * recovery and the RFC test vectors all run the same settings. Time is always the caller's `nowMs`
 * (the server clock), never otplib's own `Date.now()`.
 */

/** The otplib options of every TOTP computation: HMAC-SHA-1 (RFC 6238 §1.2 default), T0 = 0. */
export function totpOptions(policy: TotpPolicy, secret: string | Uint8Array, nowMs: number) {
  return {
    secret,
    algorithm: 'sha1' as const,
    digits: policy.digits,
    period: policy.periodSeconds,
    epoch: Math.floor(nowMs / 1000),
    t0: 0,
  };
}

/** Returns a new base32 TOTP secret (160 bits); seal it before storing, never log it. */
export function newTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES });
}

/** The otpauth:// URI an authenticator app scans (Key Uri Format); it holds the secret: never log it. */
export function totpUri(policy: TotpPolicy, issuer: string, label: string, secret: string): string {
  return generateURI({ issuer, label, secret, digits: policy.digits, period: policy.periodSeconds, algorithm: 'sha1' });
}

/** The code an authenticator shows at `nowMs` (tests, and nothing else, need to compute one). */
export function totpCodeAt(policy: TotpPolicy, secret: string | Uint8Array, nowMs: number): Promise<string> {
  return generate(totpOptions(policy, secret, nowMs));
}

/**
 * The RFC 6238 time step `code` belongs to, within ±`windowSteps` of now (§5.2), or `null`.
 * otplib compares in constant time. A malformed code is just a wrong one.
 */
export async function matchTotpStep(policy: TotpPolicy, secret: string | Uint8Array, code: string, nowMs: number): Promise<number | null> {
  try {
    const result = await verify({ ...totpOptions(policy, secret, nowMs), token: code, epochTolerance: policy.windowSteps * policy.periodSeconds });
    // The functional API types its result for HOTP and TOTP alike; a TOTP match carries its time step.
    return result.valid && 'timeStep' in result && typeof result.timeStep === 'number' ? result.timeStep : null;
  } catch {
    return null;
  }
}

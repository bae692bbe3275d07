import { createHash, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import type { RootSecret } from '../crypto';
import { VaultError } from '../errors';
import { openRecoveryKit, recoveryKitAuth, sealRecoveryKit } from './recovery-kit';

/** Entropy 00 01 … 0f as words (BIP39 English). */
const COUNTING = 'abandon amount liar amount expire adjust cage candy arch gather drum buyer';
const ENTROPY = Uint8Array.from({ length: 16 }, (_, i) => i);
const S = () => Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i) as RootSecret;

/*
 * Known answers, computed once from the code above and pinned: a change of label, of the HKDF
 * inputs, of the AAD or of the blob format breaks these, and with them every kit users printed.
 */
const KNOWN_KIT_AUTH = 'OCuSrn6MuSFcvnF_TY1cPQy1OdUYtEhAirwF5bNuhuU';
const KNOWN_WRAP = 'AaHogIj-IVyZxPytZinEKRZFV-FUXBjCv27mHYa32pCdBpy3pAOMLFRaZdSTbsOghib-9UzzH7p5uqCXQA';
const KNOWN_USER = 'user-kat';

async function rejection(promise: Promise<unknown>): Promise<VaultError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof VaultError)) throw new Error(`expected a VaultError, got ${String(error)}`);
  return error;
}

describe('recovery kit keys', () => {
  it('derives kitAuth as HKDF-SHA-256(entropy, no salt, "keyhold/kit-auth/v1"): the pinned value and Node\'s own HKDF agree', async () => {
    const kitAuth = await recoveryKitAuth(COUNTING);
    expect(kitAuth).toBe(KNOWN_KIT_AUTH);
    const independent = new Uint8Array(hkdfSync('sha256', ENTROPY, new Uint8Array(0), 'keyhold/kit-auth/v1', 32));
    expect(kitAuth).toBe(encodeBase64Url(independent));
  });

  it('opens the pinned wrap of a known S with KEK_kit from the same entropy', async () => {
    expect([...(await openRecoveryKit(KNOWN_USER, COUNTING, KNOWN_WRAP))]).toEqual([...S()]);
  });

  it('seals S so that the same words in any spelling open it, and stores SHA-256(kitAuth) as the proof', async () => {
    const sealed = await sealRecoveryKit('user-1', COUNTING.toUpperCase().replaceAll(' ', '-'), S());
    expect(sealed.authHash).toBe(encodeBase64Url(createHash('sha256').update(decodeBase64Url(KNOWN_KIT_AUTH)).digest()));
    for (const spelling of [COUNTING, COUNTING.replaceAll(' ', '\n'), COUNTING.split(' ').map((w, i) => `${i + 1}. ${w}`).join(' ')]) {
      expect([...(await openRecoveryKit('user-1', spelling, sealed.wrap))]).toEqual([...S()]);
      expect(await recoveryKitAuth(spelling)).toBe(KNOWN_KIT_AUTH);
    }
  });

  it('refuses another code, another user\'s wrap and a damaged wrap with kit_invalid', async () => {
    const sealed = await sealRecoveryKit('user-1', COUNTING, S());
    const other = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    expect((await rejection(openRecoveryKit('user-1', other, sealed.wrap))).code).toBe('kit_invalid');
    // The AAD binds the user id: a wrap moved to another account does not open there.
    expect((await rejection(openRecoveryKit('user-2', COUNTING, sealed.wrap))).code).toBe('kit_invalid');
    const bytes = decodeBase64Url(sealed.wrap);
    bytes[bytes.length - 1]! ^= 1;
    expect((await rejection(openRecoveryKit('user-1', COUNTING, encodeBase64Url(bytes)))).code).toBe('kit_invalid');
    expect((await rejection(openRecoveryKit('user-1', COUNTING, 'not a wrap'))).code).toBe('kit_invalid');
  });

  it('reads the code before deriving anything: a typo is kit_unreadable, not kit_invalid', async () => {
    expect((await rejection(recoveryKitAuth(COUNTING.replace('liar', 'lair')))).code).toBe('kit_unreadable');
    expect((await rejection(sealRecoveryKit('user-1', 'one two three', S()))).code).toBe('kit_unreadable');
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PinRecoveryRow } from '../store/pin-recovery';
import { decoyKeyFromSeed, decoyKeySeed, newOprfKey } from './oprf';
import { createPepper, type Pepper } from './pepper';
import { evaluationKey, pinRecoveryKeyContext, type PinRecoveryView } from './pin-recovery-lookup';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const pepper = createPepper(new Uint8Array(32).fill(3));

/** The pepper, recording which of its secrets a call used. */
function recordingPepper(): { pepper: Pepper; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    pepper: {
      ...pepper,
      derive: (context, input) => (calls.push(`derive ${context}`), pepper.derive(context, input)),
      open: (sealed, context) => (calls.push('open'), pepper.open(sealed, context)),
    },
  };
}

/** A start's view of `username` (a real record when `userId` is set) and its stored row, holding `sealed`. */
function record(username: string, userId: string | null, sealed: string): [PinRecoveryView, PinRecoveryRow] {
  const row = { subject: userId ?? `decoy:${username}`, sealed_key: sealed } as PinRecoveryRow;
  return [{ who: { subject: row.subject, userId, username }, row, stored: true }, row];
}

describe('evaluationKey: the key a PIN-recovery start evaluates with', () => {
  it('is k_u for a real record and the name\'s decoy key otherwise, each found with the same pepper work', () => {
    const kU = newOprfKey();
    const real = recordingPepper();
    expect(hex(evaluationKey(real.pepper, ...record('alice', 'u-alice', pepper.seal(kU, pinRecoveryKeyContext('u-alice')))))).toBe(hex(kU));
    const decoy = recordingPepper();
    const decoyKey = evaluationKey(decoy.pepper, ...record('nobody', null, pepper.seal(randomBytes(32), pinRecoveryKeyContext('decoy:nobody'))));
    expect(hex(decoyKey)).toBe(hex(decoyKeyFromSeed(decoyKeySeed(pepper, 'nobody'))));
    // Both open one sealed key and derive the name's decoy key: a real record's start is not the quicker one.
    expect(real.calls).toEqual(['derive decoy-oprf-key', 'open']);
    expect(decoy.calls).toEqual(real.calls);
  });

  it('answers a decoy whose sealed key does not open, and refuses a real record whose key does not', () => {
    const broken = pepper.seal(randomBytes(32), 'another context');
    expect(hex(evaluationKey(pepper, ...record('nobody', null, broken)))).toBe(hex(decoyKeyFromSeed(decoyKeySeed(pepper, 'nobody'))));
    expect(() => evaluationKey(pepper, ...record('alice', 'u-alice', broken))).toThrow();
  });
});

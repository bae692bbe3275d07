import { describe, expect, it } from 'vitest';
import type { AccountLogWarning } from '../vault';
import { describeLogWarning, describeUnlistedGroup, isHistoryWarning } from './log-warning-text';

const HISTORY_KINDS = ['rollback', 'fork', 'invalid', 'identity-mismatch'] as const;

describe('account log warning words', () => {
  it('says of every history warning that the server showed a history this phone does not accept, that it kept its own, and what to do', () => {
    const said = HISTORY_KINDS.map((kind) => describeLogWarning({ kind }));
    for (const text of said) {
      expect(text).toMatch(/^The key server showed this phone an? (older history|account history)/);
      expect(text).toContain('Keyhold kept the history this phone had already checked.');
      expect(text).toContain('Check your devices and passkeys, and tell whoever runs your Keyhold server.');
    }
    // Each kind says what happened in its own words.
    expect(new Set(said).size).toBe(HISTORY_KINDS.length);
    expect(HISTORY_KINDS.every((kind) => isHistoryWarning({ kind }))).toBe(true);
  });

  it('names a device or passkey the history never added, with its fingerprint, says it cannot sign in and to remove it', () => {
    const device: AccountLogWarning = { kind: 'unlisted-device', name: 'Pixel of Mallory', fingerprint: '1a2b 3c4d 5e6f 7081' };
    expect(describeLogWarning(device)).toBe(
      'The key server lists a device your account never added: Pixel of Mallory (1a2b 3c4d 5e6f 7081). It cannot sign in. ' +
        'Unless you left it out when you confirmed who can open your account, someone with access to the server put it there: ' +
        'remove it, and tell whoever runs your Keyhold server.',
    );
    expect(describeLogWarning({ kind: 'unlisted-passkey', name: 'YubiKey', fingerprint: '0000 1111 2222 3333' })).toMatch(
      /^The key server lists a passkey your account never added: YubiKey \(0000 1111 2222 3333\)\. It cannot sign in\./,
    );
    expect(isHistoryWarning(device)).toBe(false);
  });

  it('still reads when the server sent a blank name or no readable key', () => {
    expect(describeLogWarning({ kind: 'unlisted-device', name: '  ', fingerprint: '' })).toMatch(/never added: unnamed\. It cannot sign in\./);
    expect(describeLogWarning({ kind: 'unlisted-passkey' })).toMatch(/never added: unnamed\. /);
  });

  it('words the "Not added by you" group for one entry or several, devices and passkeys alike', () => {
    expect(describeUnlistedGroup('device', 1)).toBe(
      'The key server lists this device, but your account’s history never added it. It cannot sign in. Unless you left it out when you ' +
        'confirmed who can open your account, someone with access to the server put it there: remove it, and tell whoever runs your Keyhold server.',
    );
    expect(describeUnlistedGroup('passkey', 2)).toMatch(/^The key server lists these passkeys, but your account’s history never added them\. They cannot sign in\. Unless you left them out/);
  });
});

import { describe, expect, it } from 'vitest';
import { describeAuditEvent } from './audit-labels';

describe('describeAuditEvent', () => {
  it('names passkey sign-ins and enrolments', () => {
    expect(describeAuditEvent('signin.passkey.success', { credentialId: 'x' })).toBe('Signed in with a passkey');
    expect(describeAuditEvent('recovery.totp.enrolled', { replaced: false })).toBe('Authenticator app set up for recovery');
  });

  it('says how many recovery guesses are left after a wrong PIN', () => {
    expect(describeAuditEvent('recovery.pin.failure', { reason: 'wrong', guessesLeft: 3 })).toBe('Wrong PIN on recovery (3 guesses left)');
    expect(describeAuditEvent('recovery.pin.failure', { guessesLeft: 1 })).toBe('Wrong PIN on recovery (1 guess left)');
    expect(describeAuditEvent('recovery.pin.failure', {})).toBe('Wrong PIN on recovery');
  });

  it('says how many times refused PIN recovery attempts on a locked account happened', () => {
    expect(describeAuditEvent('recovery.pin.failure', { reason: 'locked', guessesLeft: 0 }, 57)).toBe('PIN recovery attempt refused: PIN recovery is locked (57 times)');
    expect(describeAuditEvent('recovery.pin.failure', { reason: 'locked', guessesLeft: 0 }, 1)).toBe('PIN recovery attempt refused: PIN recovery is locked');
  });

  it('names a lock everywhere', () => {
    expect(describeAuditEvent('account.locked_everywhere', { devicesRevoked: 2, sessionsEnded: 5 })).toBe('Locked everywhere: other devices removed, keys replaced');
  });

  it('names the recovery kit being made, replaced, removed and used', () => {
    expect(describeAuditEvent('recovery.kit.created', { replaced: false })).toBe('Recovery kit made');
    expect(describeAuditEvent('recovery.kit.created', { replaced: true })).toBe('Recovery kit replaced: the old one stopped working');
    expect(describeAuditEvent('recovery.kit.removed', { reason: 'user' })).toBe('Recovery kit removed');
    expect(describeAuditEvent('recovery.kit.removed', { reason: 'lock_everywhere' })).toBe('Recovery kit stopped working: locked everywhere');
    expect(describeAuditEvent('recovery.kit.used', {})).toBe('Recovered with the recovery kit');
  });

  it('names account log entries and the sign-ins the log refused', () => {
    expect(describeAuditEvent('account_log.appended', { seq: 4, changes: 'device.add passkey.add device.add' })).toBe('Account log signed: device added, passkey added');
    expect(describeAuditEvent('account_log.appended', { seq: 5, changes: 'future.op' })).toBe('Account log signed: other change');
    expect(describeAuditEvent('account_log.appended', { seq: 1, changes: 'identity passkey.add' })).toBe('Account log signed: account key created, passkey added');
    expect(describeAuditEvent('account_log.appended', { seq: 9, changes: 'identity' })).toBe('Account log signed: account key replaced');
    expect(describeAuditEvent('signin.refused_unbound', { kind: 'passkey' })).toBe('Sign-in refused: a passkey not added by you');
    expect(describeAuditEvent('signin.refused_unbound', { kind: 'device' })).toBe('Sign-in refused: a device not added by you');
    expect(describeAuditEvent('account_log.invalid', { problem: 'mac', kind: 'device' })).toBe('Sign-in refused: the account log on the server was tampered with');
  });

  it('gives an unknown type a generic line without its data', () => {
    expect(describeAuditEvent('future.thing', { secret: 'nope' })).toBe('Other account activity (future.thing)');
  });
});

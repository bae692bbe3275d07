/**
 * What each audit event type means to the account's owner (server/domain appends them). An
 * unknown type still gets a line, never the raw data: a newer server may add types.
 */
type Data = Readonly<Record<string, unknown>>;

const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What each account-log change op (protocol/account-log-encoding.ts) means, in a list of changes. */
const LOG_CHANGES: Record<string, string> = {
  identity: 'account key replaced',
  'passkey.add': 'passkey added',
  'passkey.remove': 'passkey removed',
  'device.add': 'device added',
  'device.remove': 'device removed',
  'totp.add': 'authenticator app set up',
  'totp.remove': 'authenticator app removed',
  'kit.set': 'recovery kit made',
  'kit.remove': 'recovery kit removed',
  'pin-recovery.set': 'PIN recovery set up',
  'pin-recovery.remove': 'PIN recovery turned off',
};

/** `changes` is the ops of one log entry, space-separated (server/domain/account-log.ts); entry 1 is the genesis. */
function describeLogChanges(changes: unknown, seq: unknown): string {
  if (typeof changes !== 'string' || changes === '') return 'Account log updated';
  const name = (op: string) => (op === 'identity' && seq === 1 ? 'account key created' : (LOG_CHANGES[op] ?? 'other change'));
  const named = [...new Set(changes.split(' ').map(name))];
  return `Account log signed: ${named.join(', ')}`;
}

const CREDENTIAL_KINDS: Record<string, string> = { passkey: 'a passkey', device: 'a device' };

const LABELS: Record<string, (data: Data) => string> = {
  'account.created': () => 'Account created',
  'account.exported': () => 'Account data exported',
  'account.erased': () => 'Account erased',
  'account.locked_everywhere': () => 'Locked everywhere: other devices removed, keys replaced',
  'backup.key_bundle.changed': () => 'Vault backup updated',
  'backup.wrap_prf.changed': () => 'Passkey unlock backup updated',
  'challenge.failure': () => 'A sign-in challenge failed',
  'device.registered': (d) => (typeof d.name === 'string' ? `Device added: ${d.name}` : 'Device added'),
  'device.revoked': () => 'Device removed',
  'device.renamed': (d) => (typeof d.name === 'string' ? `Device renamed: ${d.name}` : 'Device renamed'),
  'passkey.added': () => 'Passkey added',
  'passkey.removed': () => 'Passkey removed',
  'passkey.renamed': (d) => (typeof d.name === 'string' ? `Passkey renamed: ${d.name}` : 'Passkey renamed'),
  'session.signout': () => 'Signed out',
  'signin.device.success': () => 'A device signed in',
  'signin.device.failure': () => 'A device failed to sign in',
  'signin.passkey.success': () => 'Signed in with a passkey',
  'signin.passkey.failure': () => 'Failed passkey sign-in',
  'recovery.pin.registered': () => 'PIN recovery set up',
  'recovery.pin.removed': () => 'PIN recovery turned off',
  'recovery.pin.started': () => 'PIN recovery attempt started',
  'recovery.pin.success': () => 'Recovered with the PIN',
  'recovery.pin.failure': (d) => {
    if (d.reason === 'locked') return 'PIN recovery attempt refused: PIN recovery is locked';
    const left = count(d.guessesLeft);
    return left === undefined ? 'Wrong PIN on recovery' : `Wrong PIN on recovery (${plural(left, 'guess', 'guesses')} left)`;
  },
  'recovery.pin.locked': () => 'PIN recovery locked after too many wrong PINs',
  'recovery.totp.enrolled': () => 'Authenticator app set up for recovery',
  'recovery.totp.removed': () => 'Authenticator app recovery turned off',
  'recovery.totp.success': () => 'Recovered with an authenticator app code',
  'recovery.totp.failure': (d) => {
    const left = count(d.failuresLeft);
    return left === undefined ? 'Wrong authenticator app code' : `Wrong authenticator app code (${plural(left, 'try', 'tries')} left)`;
  },
  'recovery.totp.locked': () => 'Authenticator app recovery locked after too many wrong codes',
  'recovery.totp.unlocked': () => 'Authenticator app recovery unlocked',
  'recovery.kit.created': (d) => (d.replaced === true ? 'Recovery kit replaced: the old one stopped working' : 'Recovery kit made'),
  'recovery.kit.removed': (d) =>
    d.reason === 'lock_everywhere' ? 'Recovery kit stopped working: locked everywhere' : 'Recovery kit removed',
  'recovery.kit.used': () => 'Recovered with the recovery kit',
  'device_approval.requested': () => 'A new device asked to join',
  'device_approval.approved': () => 'A new device was approved from another device',
  'device_approval.denied': () => 'A new device was refused',
  'device_approval.collected': () => 'An approved device joined',
  'account_log.appended': (d) => describeLogChanges(d.changes, d.seq),
  'signin.refused_unbound': (d) => `Sign-in refused: ${CREDENTIAL_KINDS[String(d.kind)] ?? 'a credential'} not added by you`,
  'account_log.invalid': () => 'Sign-in refused: the account log on the server was tampered with',
};

/**
 * A one-line, human description of an audit event. `times`: how often it happened when the server
 * counted repeats into one entry (refusals anyone can repeat are logged once per window).
 */
export function describeAuditEvent(type: string, data: Data, times?: number): string {
  const line = LABELS[type]?.(data) ?? `Other account activity (${type})`;
  return times !== undefined && times > 1 ? `${line} (${times} times)` : line;
}

/**
 * Lock everywhere's entry in the account log (docs/architecture.md "Lock everywhere", "Signed account
 * log"): it travels inside the lock request and commits with it. It removes every other device the
 * log holds, the recovery kit (its wrap opens the old S), names the new PIN-recovery registration
 * (or removes PIN recovery), and rotates the identity key: signed by the old key, which vouches for
 * the new one, and by the new key, which the rotated key bundle carries.
 */
import { applyLogEntries, deviceKeyToLogKey, type AccountLogState, type LogChange, type LogEntry } from '../../../protocol/account-log';
import { VaultError } from '../errors';
import type { DevicePublicJwk, IdentityKeyPair } from '../crypto';
import { signLogEntry } from './identity-key';
import { advancedMirror } from './log-mirror';
import { pullAccountLog, type LogContext } from './pull-log';

const unverified = (why: string) => new VaultError('account_log_unverified', why);

/**
 * The verified log the lock continues; null when the account has no log (the lock carries no entry
 * then). Throws `account_log_unverified` when the server's log does not verify here, or is signed by
 * a key this device does not hold (it could not sign the rotation), `offline`.
 */
export async function logBeforeRotation(ctx: LogContext): Promise<AccountLogState | null> {
  const pulled = await pullAccountLog(ctx);
  if (pulled.trouble) throw unverified(`The account log does not verify here (${pulled.trouble}).`);
  if (pulled.status === 'unlogged') return null;
  if (!ctx.identity || pulled.mirror.state.identityKey !== ctx.identity.publicKey) throw unverified('This device does not hold the identity key the log is signed by.');
  return pulled.mirror.state;
}

export interface RotationInput {
  /** The device that locks: it keeps its key. */
  readonly keptDevice: DevicePublicJwk;
  /** The PIN-recovery registration the lock commits (its log id), or null when it turns PIN recovery off. */
  readonly pinRecovery: string | null;
  /** The identity key the rotated key bundle carries. */
  readonly newIdentity: IdentityKeyPair;
}

/** The lock's entry on top of `state`, signed by the current identity key and by the new one. */
export async function rotationEntry(ctx: LogContext, state: AccountLogState, input: RotationInput): Promise<LogEntry> {
  const kept = deviceKeyToLogKey(input.keptDevice);
  const changes: LogChange[] = [
    ...Object.keys(state.devices)
      .filter((key) => key !== kept)
      .map((key): LogChange => ({ op: 'device.remove', key })),
    ...(state.kit !== null ? [{ op: 'kit.remove' } as const] : []),
    ...(input.pinRecovery !== null ? [{ op: 'pin-recovery.set', id: input.pinRecovery } as const] : state.pinRecovery !== null ? [{ op: 'pin-recovery.remove' } as const] : []),
    { op: 'identity', key: input.newIdentity.publicKey },
  ];
  const unsigned = { seq: state.seq + 1, prev: state.head, at: ctx.now(), changes };
  return signLogEntry(ctx.userId, unsigned, ctx.identity!.privateKey, input.newIdentity.privateKey);
}

/** After the lock committed: the mirror moves on by its entry (best effort: the next check reads it from the server anyway). */
export async function recordRotation(ctx: LogContext, state: AccountLogState, entry: LogEntry): Promise<void> {
  try {
    const mirror = await ctx.mirror.read();
    if (mirror.state.head === state.head) await ctx.mirror.write(advancedMirror(mirror, applyLogEntries(ctx.userId, state, [entry]), [entry]));
  } catch {
    // the next check verifies it from the server
  }
}

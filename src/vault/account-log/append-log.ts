/**
 * Signing changes into the account log (docs/architecture.md "Signed account log", client half):
 * each entry continues the head this device verified, is signed by the identity key of its key
 * bundle, and is posted; when another device appended first (`log_stale`) the log is read again,
 * verified, and the entry made once more on the new head — up to APPEND_TRIES times, since a device
 * just recovered appends two entries of its own (its key, then its PIN recovery) meanwhile.
 *
 * Appending is idempotent: a change the verified log already says (a device already added, a kit
 * already set to that digest, a removal of something no longer active) is left out, so a flow
 * that is retried, or a device another one already vouched for, appends nothing twice.
 */
import { LOG_GENESIS_PREV, applyLogEntries, logEntryHash, type AccountLogState, type LogChange, type LogEntry } from '../../../protocol/account-log';
import { ACCOUNT_LOG_APPEND_MAX_ENTRIES, ACCOUNT_LOG_MAX_CHANGES } from '../../../protocol/constants';
import { KeyServerError, VaultError, failureFromServer } from '../errors';
import { signLogEntry } from './identity-key';
import { appendAccountLog } from './log-endpoints';
import { advancedMirror, type LogMirror } from './log-mirror';
import { pullAccountLog, type LogContext, type PulledLog } from './pull-log';

/** Whether `change` would change what `state` says (a removal of what is not active would not). */
export function changeNeeded(state: AccountLogState, change: LogChange): boolean {
  switch (change.op) {
    case 'identity':
      return state.identityKey !== change.key;
    case 'passkey.add':
      return !Object.hasOwn(state.passkeys, change.id);
    case 'passkey.remove':
      return Object.hasOwn(state.passkeys, change.id);
    case 'device.add':
      return !Object.hasOwn(state.devices, change.key);
    case 'device.remove':
      return Object.hasOwn(state.devices, change.key);
    case 'totp.add':
      return state.totp !== change.id;
    case 'kit.set':
      return state.kit !== change.id;
    case 'pin-recovery.set':
      return state.pinRecovery !== change.id;
    case 'totp.remove':
      return state.totp !== null;
    case 'kit.remove':
      return state.kit !== null;
    case 'pin-recovery.remove':
      return state.pinRecovery !== null;
  }
}

const unverified = (why: string) => new VaultError('account_log_unverified', why);

/** Posts of one append: the first, and one after each `log_stale`. */
const APPEND_TRIES = 3;

/**
 * The entries that put `changes` on top of `state`, signed by `ctx.identity`: a genesis naming the
 * identity key first when the log is empty, and no more than ACCOUNT_LOG_MAX_CHANGES per entry.
 */
export async function signedEntries(ctx: LogContext, state: AccountLogState, changes: readonly LogChange[]): Promise<LogEntry[]> {
  const identity = ctx.identity;
  if (!identity) throw unverified('This device holds no identity key.');
  if (state.seq > 0 && state.identityKey !== identity.publicKey) throw unverified('The log is signed by another identity key than this device holds.');
  const pending: LogChange[] = state.seq === 0 ? [{ op: 'identity', key: identity.publicKey }, ...changes] : [...changes];
  const entries: LogEntry[] = [];
  let { seq, head } = state.seq === 0 ? { seq: 0, head: LOG_GENESIS_PREV } : state;
  while (pending.length > 0) {
    const entry = await signLogEntry(ctx.userId, { seq: seq + 1, prev: head, at: ctx.now(), changes: pending.splice(0, ACCOUNT_LOG_MAX_CHANGES) }, identity.privateKey);
    entries.push(entry);
    ({ seq } = entry);
    head = logEntryHash(ctx.userId, entry);
  }
  if (entries.length > ACCOUNT_LOG_APPEND_MAX_ENTRIES) throw unverified('Too many changes for one append.');
  return entries;
}

/** How an append failed, in the SDK's words: the server refusing what this device signed means the log did not verify here either. */
const APPEND_FAILURES = { log_stale: 'account_log_unverified', log_entry_invalid: 'account_log_unverified', log_full: 'account_log_unverified' } as const;

export interface AppendOptions {
  /** Start the log when the account has none (onboarding, a migration): the genesis names this device's identity key. */
  readonly genesis?: boolean;
  /**
   * Delivers the signed entries inside another request that commits them with what they name (a
   * PIN recovery registration's finish), instead of `POST /api/account/log`. It is called again
   * with entries signed on the new head after a `log_stale`, so that request must leave nothing
   * behind when the server refuses it.
   */
  readonly send?: (entries: readonly LogEntry[]) => Promise<unknown>;
  /** Runs instead, in the same turn of the log's queue, when the account keeps no log (nothing is signed). */
  readonly withoutLog?: () => Promise<unknown>;
}

/**
 * Appends the entries `changes` need (none when the verified log says them already). Returns
 * whether the account has a log to append to (false: an account made before the log, where nothing
 * is signed until its migration). Throws `account_log_unverified` (the server's log does not verify
 * here, this device holds no identity key for it, or the server refused the entry), `offline`,
 * `server_error`.
 */
export async function appendToLog(ctx: LogContext, changes: readonly LogChange[], options: AppendOptions = {}): Promise<boolean> {
  let mirror: LogMirror = await ctx.mirror.read();
  let pulled: PulledLog | undefined;
  // An empty mirror knows nothing of the server's log: read it first (a new device's full verify).
  if (mirror.state.seq === 0) ({ mirror } = pulled = await pullAccountLog(ctx));
  for (let attempt = 0; ; attempt++) {
    if (pulled?.trouble) throw unverified(`The account log does not verify here (${pulled.trouble}).`);
    if (pulled?.status === 'unlogged' && !options.genesis) {
      if (options.withoutLog) await ctx.call(options.withoutLog);
      return false;
    }
    const needed = changes.filter((change) => changeNeeded(mirror.state, change));
    if (needed.length === 0) return true;
    const entries = await signedEntries(ctx, mirror.state, needed);
    try {
      const send = options.send ?? ((signed: readonly LogEntry[]) => appendAccountLog(ctx.server, signed));
      await ctx.call(() => send(entries));
    } catch (error) {
      if (attempt + 1 >= APPEND_TRIES || !(error instanceof KeyServerError && error.serverCode === 'log_stale')) throw failureFromServer(error, undefined, APPEND_FAILURES);
      ({ mirror } = pulled = await pullAccountLog(ctx));
      continue;
    }
    // The server verified them against its head; verifying here too keeps the mirror honest.
    await ctx.mirror.write(advancedMirror(mirror, applyLogEntries(ctx.userId, mirror.state, entries), entries));
    return true;
  }
}

/**
 * Reading the account log from the key server and verifying it against what this device verified
 * before (docs/architecture.md "Signed account log", client half). The mirror is the high-water
 * mark: a log that does not continue it is refused and the mirror stays as it was.
 *
 *   server has no log, mirror empty          → unlogged (an account made before the log)
 *   server has no log, or an older head      → rollback
 *   same seq, another head                   → fork
 *   new entries that do not link to the head → fork
 *   an entry that does not verify, or a head
 *   the entries do not lead to               → invalid
 *   a log from the genesis (empty mirror)
 *   signed by a key this device does not hold → identity-mismatch (not stored: nothing vouches for it)
 *   a log continuing the mirror, signed by a
 *   key this device does not hold            → identity-mismatch (stored: the old key vouched for it)
 */
import { AccountLogError, applyLogEntries, type AccountLogState, type LogEntry } from '../../../protocol/account-log';
import { ACCOUNT_LOG_MAX_ENTRIES, ACCOUNT_LOG_PAGE_MAX } from '../../../protocol/constants';
import type { IdentityKey, IdentityKeyPair } from '../crypto';
import type { KeyServer } from '../platform/key-server';
import { fetchAccountLog } from './log-endpoints';
import { advancedMirror, type LogMirror, type MirrorStorage } from './log-mirror';

/** What reading or extending the log needs: the account, where its mirror lives, and how to reach the server. */
export interface LogContext {
  readonly server: KeyServer;
  readonly userId: string;
  readonly mirror: MirrorStorage;
  /** The identity key this device signs with (its key bundle's), if it holds one. */
  readonly identity: IdentityKey | IdentityKeyPair | undefined;
  /**
   * Whether a log whose identity key is `key` is this account's: the key in this device's key bundle
   * (which the server cannot forge), or one it can adopt from the server's newer bundle.
   */
  trustsIdentity(key: string): Promise<boolean>;
  now(): number;
  /** Runs a key-server call with a session the server accepts (a device sign-in when there is none). */
  call<T>(request: () => Promise<T>): Promise<T>;
}

export type LogTrouble = 'rollback' | 'fork' | 'invalid' | 'identity-mismatch';

export interface PulledLog {
  /** Whether the server holds a log for the account at all. */
  readonly status: 'unlogged' | 'logged';
  /** The mirror as now stored: moved on when the server's log verified, as it was otherwise. */
  readonly mirror: LogMirror;
  readonly trouble: LogTrouble | null;
}

const MAX_PAGES = Math.ceil(ACCOUNT_LOG_MAX_ENTRIES / ACCOUNT_LOG_PAGE_MAX) + 1;

/** Reads every entry after the mirror's head, verifies them from it, and stores the mirror when they continue it. */
export async function pullAccountLog(ctx: LogContext): Promise<PulledLog> {
  const mirror = await ctx.mirror.read();
  const entries: LogEntry[] = [];
  let after = mirror.state.seq;
  let page = await ctx.call(() => fetchAccountLog(ctx.server, after));
  entries.push(...page.entries);
  for (let pages = 1; page.more && page.entries.length > 0 && pages < MAX_PAGES; pages++) {
    after = page.entries.at(-1)!.seq;
    page = await ctx.call(() => fetchAccountLog(ctx.server, after));
    entries.push(...page.entries);
  }
  const judged = judge(ctx.userId, mirror.state, page, entries);
  if (judged.trouble) return { status: page.status, mirror, trouble: judged.trouble };
  if (judged.state === mirror.state) {
    const known = mirror.state.identityKey === null || (await ctx.trustsIdentity(mirror.state.identityKey));
    return { status: page.status, mirror, trouble: known ? null : 'identity-mismatch' };
  }
  const trusted = await ctx.trustsIdentity(judged.state.identityKey!);
  // From an empty mirror only this device's key bundle vouches for the genesis's key.
  if (!trusted && mirror.state.seq === 0) return { status: page.status, mirror, trouble: 'identity-mismatch' };
  const next = advancedMirror(mirror, judged.state, entries);
  await ctx.mirror.write(next);
  return { status: page.status, mirror: next, trouble: trusted ? null : 'identity-mismatch' };
}

/** The verdict on the server's page against the state this device verified; `state` is that state itself when nothing is new. */
function judge(
  userId: string,
  verified: AccountLogState,
  head: { status: 'unlogged' | 'logged'; seq: number; head: string },
  entries: readonly LogEntry[],
): { state: AccountLogState; trouble: null } | { trouble: LogTrouble } {
  if (head.status === 'unlogged') return verified.seq > 0 ? { trouble: 'rollback' } : { state: verified, trouble: null };
  if (head.seq < verified.seq) return { trouble: 'rollback' };
  if (head.seq === verified.seq) return head.head === verified.head ? { state: verified, trouble: null } : { trouble: 'fork' };
  let state: AccountLogState;
  try {
    state = applyLogEntries(userId, verified, entries);
  } catch (error) {
    const diverged = error instanceof AccountLogError && error.reason === 'bad_link' && error.index === 0 && verified.seq > 0;
    return { trouble: diverged ? 'fork' : 'invalid' };
  }
  if (state.seq !== head.seq || state.head !== head.head) return { trouble: 'invalid' };
  return { state, trouble: null };
}

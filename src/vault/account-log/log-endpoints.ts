/**
 * The key server's account log endpoints (docs/architecture.md "Signed account log"), over
 * `KeyServer.request` like key-server-extra.ts: only the log's own chunk loads them. Any session of
 * the account may read and append; what an entry may do is the server's check.
 */
import type { AccountLogAppendedT, AccountLogPageT, LogEntryT } from '../../../protocol/api';
import type { KeyServer } from '../platform/key-server';

/** Entries with seq > `after`, ascending, one page (`more` when another follows), and the server's head. */
export const fetchAccountLog = (server: KeyServer, after: number, signal?: AbortSignal) =>
  server.request<AccountLogPageT>('GET', `/account/log?after=${after}`, undefined, signal);

/** Appends entries continuing the server's head (`log_stale` with its seq and head otherwise). */
export const appendAccountLog = (server: KeyServer, entries: readonly LogEntryT[]) => server.request<AccountLogAppendedT>('POST', '/account/log', { entries });

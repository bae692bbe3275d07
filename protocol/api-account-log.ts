import { z } from 'zod';
import { decodeBase64Url, encodeBase64Url, isBase64Url } from './base64url';
import { ACCOUNT_LOG_APPEND_MAX_ENTRIES, ACCOUNT_LOG_COSE_KEY_MAX_BYTES, ACCOUNT_LOG_CREDENTIAL_ID_MAX_CHARS, ACCOUNT_LOG_MAX_CHANGES } from './constants';

/**
 * The signed account log's wire schemas (re-exported by protocol/api.ts, with the rest of the API).
 * Entries are checked for shape here and for everything else by `applyLogEntries`
 * (protocol/account-log.ts), on the server before storing and on every client after fetching.
 */

/** base64url in its one canonical spelling, decoding to min..max bytes. */
const canonicalBytes = (min: number, max: number) =>
  z
    .string()
    .min(1)
    .max(Math.ceil((max * 4) / 3))
    .refine(
      (s) => {
        if (!isBase64Url(s)) return false;
        const bytes = decodeBase64Url(s);
        return bytes.length >= min && bytes.length <= max && encodeBase64Url(bytes) === s;
      },
      { message: `must be canonical base64url of ${min === max ? `${min}` : `${min} to ${max}`} bytes` },
    );
const LogDigest = canonicalBytes(32, 32);
const LogCredentialId = canonicalBytes(1, Math.floor((ACCOUNT_LOG_CREDENTIAL_ID_MAX_CHARS * 3) / 4));
const LogDeviceKey = canonicalBytes(65, 65).refine((s) => decodeBase64Url(s)[0] === 4, { message: 'must be an uncompressed point' });

/** One change of who may act for the account (protocol/account-log.ts `LogChange`). */
export const LogChange = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('identity'), key: canonicalBytes(32, 32) }),
  z.strictObject({ op: z.literal('passkey.add'), id: LogCredentialId, key: canonicalBytes(1, ACCOUNT_LOG_COSE_KEY_MAX_BYTES) }),
  z.strictObject({ op: z.literal('passkey.remove'), id: LogCredentialId }),
  z.strictObject({ op: z.literal('device.add'), key: LogDeviceKey, app: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/) }),
  z.strictObject({ op: z.literal('device.remove'), key: LogDeviceKey }),
  z.strictObject({ op: z.literal('totp.add'), id: LogDigest }),
  z.strictObject({ op: z.literal('totp.remove') }),
  z.strictObject({ op: z.literal('kit.set'), id: LogDigest }),
  z.strictObject({ op: z.literal('kit.remove') }),
  z.strictObject({ op: z.literal('pin-recovery.set'), id: LogDigest }),
  z.strictObject({ op: z.literal('pin-recovery.remove') }),
]);
/** A signed entry (protocol/account-log.ts `LogEntry`); whether it verifies is the server's next check. */
export const LogEntry = z.strictObject({
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  prev: LogDigest,
  at: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  changes: z.array(LogChange).min(1).max(ACCOUNT_LOG_MAX_CHANGES),
  sig: canonicalBytes(64, 64),
  newKeySig: canonicalBytes(64, 64).optional(),
});
/** `GET /api/account/log?after=N`: the entries after seq N. */
export const AccountLogQuery = z.object({ after: z.coerce.number().int().min(0).max(2 ** 52).default(0) });
/**
 * One page of the account log: `status` `unlogged` (no genesis yet: the account predates the log)
 * or `logged`; the head's `seq` and `head` hash; entries with seq > after, ascending; `more` when
 * another page follows.
 */
export const AccountLogPage = z.object({
  status: z.enum(['unlogged', 'logged']),
  seq: z.number().int(),
  head: z.string(),
  entries: z.array(LogEntry),
  more: z.boolean(),
});
/** `POST /api/account/log`: entries continuing the head (the first one's seq = head seq + 1). */
export const AppendAccountLogRequest = z.object({ entries: z.array(LogEntry).min(1).max(ACCOUNT_LOG_APPEND_MAX_ENTRIES) });
export const AccountLogAppended = z.object({ seq: z.number().int(), head: z.string() });

export type LogEntryT = z.infer<typeof LogEntry>;
export type AccountLogPageT = z.infer<typeof AccountLogPage>;
export type AccountLogAppendedT = z.infer<typeof AccountLogAppended>;

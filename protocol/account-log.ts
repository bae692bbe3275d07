/**
 * The signed account log, as both sides import it (docs/architecture.md "Signed account log";
 * the binding names are those of issue 14's log contract). The wire format lives in
 * account-log-encoding.ts, the rules and the sealed state in account-log-state.ts.
 */
export {
  AccountLogError,
  LOG_GENESIS_PREV,
  LOG_OPS,
  assertWellFormedLogEntry,
  deviceKeyToLogKey,
  logEntryHash,
  logEntrySigningBytes,
  logKeyFingerprint,
  totpLogId,
  verifyLogSignature,
  type AccountLogErrorReason,
  type LogChange,
  type LogEntry,
  type LogOp,
  type UnsignedLogEntry,
} from './account-log-encoding';
export { EMPTY_LOG_STATE, applyLogEntries, parseLogState, serializeLogState, type AccountLogState } from './account-log-state';

import {
  AccountLogError,
  LOG_GENESIS_PREV,
  assertWellFormedLogEntry,
  isCanonicalBase64Url,
  logEntryHash,
  logEntrySigningBytes,
  verifyLogSignature,
  type LogChange,
  type LogEntry,
} from './account-log-encoding';

/**
 * The account log's rules (re-exported by protocol/account-log.ts): what a verified log says about
 * who may act for the account, and how each entry moves that state on.
 */

export interface AccountLogState {
  /** 0 = empty log. */
  readonly seq: number;
  /** Hash of entry `seq` (LOG_GENESIS_PREV when empty). */
  readonly head: string;
  /** The identity public key in force (null before the genesis). */
  readonly identityKey: string | null;
  /** Active passkeys by credential id. */
  readonly passkeys: Readonly<Record<string, { readonly key: string; readonly addedSeq: number }>>;
  /** Active device keys (raw P-256 point, base64url). */
  readonly devices: Readonly<Record<string, { readonly app: string; readonly addedSeq: number }>>;
  readonly totp: string | null;
  readonly kit: string | null;
  readonly pinRecovery: string | null;
}

interface WorkingState {
  seq: number;
  head: string;
  identityKey: string | null;
  passkeys: Record<string, { key: string; addedSeq: number }>;
  devices: Record<string, { app: string; addedSeq: number }>;
  totp: string | null;
  kit: string | null;
  pinRecovery: string | null;
}

/**
 * Maps keyed by attacker-chosen strings have no prototype: a credential id spelled `constructor`
 * must not find Object.prototype's.
 */
function dictionary<V>(entries: Iterable<[string, V]> = []): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

function freeze(state: WorkingState): AccountLogState {
  for (const v of Object.values(state.passkeys)) Object.freeze(v);
  for (const v of Object.values(state.devices)) Object.freeze(v);
  Object.freeze(state.passkeys);
  Object.freeze(state.devices);
  return Object.freeze(state);
}

function copy(state: AccountLogState): WorkingState {
  return {
    ...state,
    passkeys: dictionary(Object.entries(state.passkeys).map(([id, p]) => [id, { ...p }])),
    devices: dictionary(Object.entries(state.devices).map(([key, d]) => [key, { ...d }])),
  };
}

export const EMPTY_LOG_STATE: AccountLogState = freeze({
  seq: 0,
  head: LOG_GENESIS_PREV,
  identityKey: null,
  passkeys: dictionary(),
  devices: dictionary(),
  totp: null,
  kit: null,
  pinRecovery: null,
});

function applyChange(state: WorkingState, change: LogChange, seq: number, index: number): void {
  const fail = (reason: 'duplicate' | 'not_active', what: string) => new AccountLogError(reason, `${change.op}: ${what}`, index);
  switch (change.op) {
    case 'identity':
      state.identityKey = change.key; // genesis and rotation rules are checked before any change applies
      return;
    case 'passkey.add':
      if (Object.hasOwn(state.passkeys, change.id)) throw fail('duplicate', 'the passkey is already active');
      state.passkeys[change.id] = { key: change.key, addedSeq: seq };
      return;
    case 'passkey.remove':
      if (!Object.hasOwn(state.passkeys, change.id)) throw fail('not_active', 'no such active passkey');
      delete state.passkeys[change.id];
      return;
    case 'device.add':
      if (Object.hasOwn(state.devices, change.key)) throw fail('duplicate', 'the device key is already active');
      state.devices[change.key] = { app: change.app, addedSeq: seq };
      return;
    case 'device.remove':
      if (!Object.hasOwn(state.devices, change.key)) throw fail('not_active', 'no such active device key');
      delete state.devices[change.key];
      return;
    case 'totp.add':
      state.totp = change.id;
      return;
    case 'kit.set':
      state.kit = change.id;
      return;
    case 'pin-recovery.set':
      state.pinRecovery = change.id;
      return;
    case 'totp.remove':
      if (state.totp === null) throw fail('not_active', 'no TOTP is enrolled');
      state.totp = null;
      return;
    case 'kit.remove':
      if (state.kit === null) throw fail('not_active', 'no recovery kit is set');
      state.kit = null;
      return;
    case 'pin-recovery.remove':
      if (state.pinRecovery === null) throw fail('not_active', 'no PIN recovery is registered');
      state.pinRecovery = null;
  }
}

/**
 * Who signs an entry. The genesis (seq 1, prev LOG_GENESIS_PREV) opens with an `identity` change and
 * is signed by the key it introduces (a self-signature: what pins it is the key bundle that holds the
 * private half, and the server's sealed head). Every later entry is signed by the key in force before
 * it; a later `identity` change rotates the key and is also signed by the new key (`newKeySig`), so
 * neither key alone can hand the account to a key nobody holds.
 */
function checkSignatures(state: WorkingState, entry: LogEntry, bytes: Uint8Array, index: number): void {
  const identities = entry.changes.filter((c): c is Extract<LogChange, { op: 'identity' }> => c.op === 'identity');
  if (state.identityKey === null) {
    if (entry.changes[0]!.op !== 'identity' || identities.length !== 1 || entry.newKeySig !== undefined) {
      throw new AccountLogError('bad_genesis', 'the genesis opens with exactly one identity change and has no newKeySig', index);
    }
    if (!verifyLogSignature(entry.sig, bytes, identities[0]!.key)) throw new AccountLogError('bad_signature', 'the genesis is not signed by the key it introduces', index);
    return;
  }
  if (!verifyLogSignature(entry.sig, bytes, state.identityKey)) throw new AccountLogError('bad_signature', 'the entry is not signed by the identity key in force', index);
  if (identities.length > 1) throw new AccountLogError('bad_change', 'an entry rotates the identity key at most once', index);
  const rotation = identities[0];
  if (rotation === undefined) {
    if (entry.newKeySig !== undefined) throw new AccountLogError('bad_new_key_signature', 'newKeySig without a rotation', index);
    return;
  }
  if (rotation.key === state.identityKey) throw new AccountLogError('bad_change', 'a rotation must change the identity key', index);
  if (entry.newKeySig === undefined || !verifyLogSignature(entry.newKeySig, bytes, rotation.key)) {
    throw new AccountLogError('bad_new_key_signature', 'a rotation must be signed by the new key too', index);
  }
}

/**
 * Verifies `entries` (in order, seq = state.seq + 1, …) from `state` and returns the new state; throws
 * AccountLogError naming the first entry at fault (`index`). `state` itself is never changed.
 */
export function applyLogEntries(userId: string, state: AccountLogState, entries: readonly LogEntry[]): AccountLogState {
  const next = copy(state);
  entries.forEach((entry, index) => {
    assertWellFormedLogEntry(entry, index);
    if (entry.seq !== next.seq + 1) throw new AccountLogError('bad_seq', `expected seq ${next.seq + 1}`, index);
    if (entry.prev !== next.head) throw new AccountLogError('bad_link', 'prev is not the hash of the entry before', index);
    checkSignatures(next, entry, logEntrySigningBytes(userId, entry), index);
    for (const change of entry.changes) applyChange(next, change, entry.seq, index);
    next.seq = entry.seq;
    next.head = logEntryHash(userId, entry);
  });
  return freeze(next);
}

// ——— The sealed form: one deterministic string (the server MACs it; the vault keeps it in IndexedDB) ———

function objectJson<V>(map: Readonly<Record<string, V>>, value: (v: V) => string): string {
  const keys = Object.keys(map).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${value(map[k]!)}`).join(',')}}`;
}

/** The state as JSON with every key in a fixed order (maps sorted by key): equal states give equal strings. */
export function serializeLogState(state: AccountLogState): string {
  const s = JSON.stringify;
  return (
    `{"seq":${s(state.seq)},"head":${s(state.head)},"identityKey":${s(state.identityKey)},` +
    `"passkeys":${objectJson(state.passkeys, (p) => `{"key":${s(p.key)},"addedSeq":${s(p.addedSeq)}}`)},` +
    `"devices":${objectJson(state.devices, (d) => `{"app":${s(d.app)},"addedSeq":${s(d.addedSeq)}}`)},` +
    `"totp":${s(state.totp)},"kit":${s(state.kit)},"pinRecovery":${s(state.pinRecovery)}}`
  );
}

const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isDigestOrNull = (v: unknown): v is string | null => v === null || isCanonicalBase64Url(v, 32, 32);

function parseMap<V>(value: unknown, item: (v: Record<string, unknown>) => V | null): Record<string, V> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AccountLogError('malformed', 'a state map is not an object');
  return dictionary(
    Object.entries(value).map(([k, v]) => {
      const parsed = typeof v === 'object' && v !== null ? item(v as Record<string, unknown>) : null;
      if (parsed === null || !isCanonicalBase64Url(k, 1, 1024)) throw new AccountLogError('malformed', 'a state map item is ill-formed');
      return [k, parsed];
    }),
  );
}

/** Reads a state written by serializeLogState; throws AccountLogError('malformed') on anything else. */
export function parseLogState(json: string): AccountLogState {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new AccountLogError('malformed', 'the state is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || !isSeq(raw.seq) || !isDigestOrNull(raw.head) || raw.head === null) throw new AccountLogError('malformed', 'state seq or head is ill-formed');
  if (raw.identityKey !== null && !isCanonicalBase64Url(raw.identityKey, 32, 32)) throw new AccountLogError('malformed', 'state identity key is ill-formed');
  if (!isDigestOrNull(raw.totp) || !isDigestOrNull(raw.kit) || !isDigestOrNull(raw.pinRecovery)) throw new AccountLogError('malformed', 'state digests are ill-formed');
  return freeze({
    seq: raw.seq,
    head: raw.head,
    identityKey: raw.identityKey as string | null,
    passkeys: parseMap(raw.passkeys, (p) => (typeof p.key === 'string' && isSeq(p.addedSeq) ? { key: p.key, addedSeq: p.addedSeq } : null)),
    devices: parseMap(raw.devices, (d) => (typeof d.app === 'string' && isSeq(d.addedSeq) ? { app: d.app, addedSeq: d.addedSeq } : null)),
    totp: raw.totp,
    kit: raw.kit,
    pinRecovery: raw.pinRecovery,
  });
}

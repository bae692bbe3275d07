import { createHash, webcrypto } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  AccountLogError,
  EMPTY_LOG_STATE,
  LOG_GENESIS_PREV,
  applyLogEntries,
  deviceKeyToLogKey,
  logEntryHash,
  logEntrySigningBytes,
  logKeyFingerprint,
  parseLogState,
  serializeLogState,
  totpLogId,
  verifyLogSignature,
  type AccountLogErrorReason,
  type AccountLogState,
  type LogChange,
  type LogEntry,
} from './account-log';
import { encodeBase64Url } from './base64url';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64 = encodeBase64Url;

/** RFC 8032 §7.1 TEST 1–3: secret key, public key, message, signature. */
const RFC8032 = [
  ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '', 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
  ['4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72', '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
  ['c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7', 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'af82', '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'],
] as const;

/** An RFC 8032 seed as a PKCS #8 PrivateKeyInfo (RFC 8410 §7), the form WebCrypto imports. */
const pkcs8 = (seed: Uint8Array) => new Uint8Array([...hex('302e020100300506032b657004220420'), ...seed]);

const SEED_A = hex(RFC8032[0][0]);
const SEED_B = hex(RFC8032[1][0]);
const SEED_C = hex(RFC8032[2][0]);
const pub = (seed: Uint8Array) => b64(ed25519.getPublicKey(seed));
const USER = 'kh-user-0001';
const DEVICE_KEY = b64(Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : 0x11)));
const OTHER_DEVICE_KEY = b64(Uint8Array.from({ length: 65 }, (_, i) => (i === 0 ? 4 : 0x22)));
const digest = (fill: number) => b64(new Uint8Array(32).fill(fill));

/** Signs like the client does: the key in force over the entry's bytes, and the new key too on a rotation. */
function sign(entry: Omit<LogEntry, 'sig' | 'newKeySig'>, seed: Uint8Array, newSeed?: Uint8Array, userId = USER): LogEntry {
  const bytes = logEntrySigningBytes(userId, entry);
  return { ...entry, sig: b64(ed25519.sign(bytes, seed)), ...(newSeed ? { newKeySig: b64(ed25519.sign(bytes, newSeed)) } : {}) };
}

function genesis(changes: LogChange[] = [], seed = SEED_A): LogEntry {
  return sign({ seq: 1, prev: LOG_GENESIS_PREV, at: 1_700_000_000_000, changes: [{ op: 'identity', key: pub(seed) }, ...changes] }, seed);
}

function next(state: AccountLogState, changes: LogChange[], seed = SEED_A, newSeed?: Uint8Array): LogEntry {
  return sign({ seq: state.seq + 1, prev: state.head, at: 1_700_000_000_000 + state.seq, changes }, seed, newSeed);
}

function refusal(fn: () => unknown): AccountLogErrorReason {
  try {
    fn();
  } catch (error) {
    if (error instanceof AccountLogError) return error.reason;
    throw error;
  }
  throw new Error('expected an AccountLogError');
}

const started = applyLogEntries(USER, EMPTY_LOG_STATE, [genesis([{ op: 'passkey.add', id: 'Y3JlZC0x', key: 'AAECAwQFBgcICQ' }])]);

describe('Ed25519 as the log uses it (RFC 8032 §7.1)', () => {
  it.each(RFC8032)('TEST vector %#: noble verifies strictly and WebCrypto signs the same bytes', async (sk, pk, message, signature) => {
    expect(verifyLogSignature(b64(hex(signature)), hex(message), b64(hex(pk)))).toBe(true);
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8(hex(sk)), { name: 'Ed25519' }, false, ['sign']);
    expect(toHex(new Uint8Array(await webcrypto.subtle.sign({ name: 'Ed25519' }, key, hex(message))))).toBe(signature);
  });

  it('refuses a signature over other bytes, by another key, or with s not reduced (no ZIP-215 leniency)', () => {
    const [, pk, , signature] = RFC8032[0];
    expect(verifyLogSignature(b64(hex(signature)), hex('00'), b64(hex(pk)))).toBe(false);
    expect(verifyLogSignature(b64(hex(signature)), hex(''), b64(hex(RFC8032[1][1])))).toBe(false);
    // s + L: the same signature in a non-canonical form that lenient verifiers accept.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const sig = hex(signature);
    const s = BigInt('0x' + toHex(sig.slice(32).reverse())) + L;
    const sPlusL = hex(s.toString(16).padStart(64, '0')).reverse();
    expect(verifyLogSignature(b64(new Uint8Array([...sig.slice(0, 32), ...sPlusL])), hex(''), b64(hex(pk)))).toBe(false);
    expect(verifyLogSignature('not base64url!', hex(''), b64(hex(pk)))).toBe(false);
  });
});

describe('the log encoding (pinned: it must never drift)', () => {
  const genesisEntry = sign(
    {
      seq: 1,
      prev: LOG_GENESIS_PREV,
      at: 1_700_000_000_000,
      changes: [
        { op: 'identity', key: pub(SEED_A) },
        { op: 'passkey.add', id: 'Y3JlZC0x', key: 'AAECAwQFBgcICQ' },
        { op: 'device.add', key: DEVICE_KEY, app: 'keyhold' },
        { op: 'totp.add', id: totpLogId(USER, new Uint8Array(20).fill(0x42)) },
      ],
    },
    SEED_A,
  );
  const rotation = sign(
    {
      seq: 2,
      prev: logEntryHash(USER, genesisEntry),
      at: 1_700_000_060_000,
      changes: [{ op: 'identity', key: pub(SEED_B) }, { op: 'device.remove', key: DEVICE_KEY }, { op: 'kit.set', id: digest(7) }],
    },
    SEED_A,
    SEED_B,
  );

  it('a genesis entry: its exact signed bytes, signature and hash', () => {
    expect(toHex(logEntrySigningBytes(USER, genesisEntry))).toBe(
      '000000166b6579686f6c642f6163636f756e742d6c6f672f76310000000c6b682d757365722d303030310000000000000001' +
        '0000000000000000000000000000000000000000000000000000000000000000' +
        '0000018bcfe56800' +
        '00000004' +
        '000000086964656e746974790000000000000020d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a00000000' +
        '0000000b706173736b65792e6164640000000859334a6c5a4330780000000a0001020304050607080900000000' +
        '0000000a6465766963652e616464000000000000004104' +
        '11'.repeat(64) +
        '000000076b6579686f6c64' +
        '00000008746f74702e6164640000002b376444744743577a447a547a7952796a39506339773548364538347331627148344b652d59463463334d410000000000000000',
    );
    expect(genesisEntry.sig).toBe('6kWbmrgbY0wUDjnIpexMSefWrqeR66xyF6tzw9MRxbK-5mZW256HpEzxl6KA9pr7YQG2bzdiHAkSZdppUBARBg');
    expect(logEntryHash(USER, genesisEntry)).toBe('nYzHjRH9aRFWvCcboRN3n63p1xBkz1bcRfJDLxjCIoE');
  });

  it('a rotation entry: its exact signed bytes, both signatures and hash', () => {
    expect(toHex(logEntrySigningBytes(USER, rotation))).toBe(
      '000000166b6579686f6c642f6163636f756e742d6c6f672f76310000000c6b682d757365722d303030310000000000000002' +
        '9d8cc78d11fd691156bc271ba113779fade9d71064cf56dc45f2432f18c22281' +
        '0000018bcfe65260' +
        '00000003' +
        '000000086964656e7469747900000000000000203d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c00000000' +
        '0000000d6465766963652e72656d6f766500000000000000410411' +
        '11'.repeat(63) +
        '00000000' +
        '000000076b69742e7365740000002b4277634842776348427763484277634842776348427763484277634842776348427763484277634842776300000000' +
        '00000000',
    );
    expect(rotation.sig).toBe('KKJV-rjwQeSFWeChjiCydxiEgSQhfgFUBHh4AyeoCJWDN_S8pZklQZQeRH-6DD8sG0mFdX3yLX1wscTH5MDnDw');
    expect(rotation.newKeySig).toBe('En4spkreAurdmg2g90--Pn4RR2a6Fro_vCWWkOe6hfCcoDrtnY2flZK3_b9DLxgqkbrM9PG4r-L5sms966AYBw');
    expect(logEntryHash(USER, rotation)).toBe('LSPUl5tWAEedoEO5N5RKBdqDSOD06tSoRCUn5R8VE8s');
  });

  it('both verify into the state they describe', () => {
    const state = applyLogEntries(USER, EMPTY_LOG_STATE, [genesisEntry, rotation]);
    expect(state).toMatchObject({ seq: 2, head: 'LSPUl5tWAEedoEO5N5RKBdqDSOD06tSoRCUn5R8VE8s', identityKey: pub(SEED_B), kit: digest(7), pinRecovery: null });
    expect(Object.keys(state.devices)).toEqual([]);
    expect(state.passkeys['Y3JlZC0x']).toEqual({ key: 'AAECAwQFBgcICQ', addedSeq: 1 });
  });

  it('an entry signed by WebCrypto (as the app signs) verifies', async () => {
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8(SEED_C), { name: 'Ed25519' }, false, ['sign']);
    const unsigned = { seq: 1, prev: LOG_GENESIS_PREV, at: 1, changes: [{ op: 'identity' as const, key: pub(SEED_C) }] };
    const sig = b64(new Uint8Array(await webcrypto.subtle.sign({ name: 'Ed25519' }, key, logEntrySigningBytes(USER, unsigned))));
    expect(applyLogEntries(USER, EMPTY_LOG_STATE, [{ ...unsigned, sig }]).identityKey).toBe(pub(SEED_C));
  });
});

describe('applyLogEntries', () => {
  it('follows the account through adds, replacements, removals and a rotation', () => {
    let state = started;
    state = applyLogEntries(USER, state, [
      next(state, [{ op: 'device.add', key: DEVICE_KEY, app: 'keyhold' }, { op: 'totp.add', id: digest(1) }, { op: 'kit.set', id: digest(2) }, { op: 'pin-recovery.set', id: digest(3) }]),
    ]);
    state = applyLogEntries(USER, state, [next(state, [{ op: 'totp.add', id: digest(4) }, { op: 'kit.set', id: digest(5) }, { op: 'passkey.remove', id: 'Y3JlZC0x' }])]);
    expect(state).toMatchObject({ seq: 3, totp: digest(4), kit: digest(5), pinRecovery: digest(3), passkeys: {} });
    expect(state.devices[DEVICE_KEY]).toEqual({ app: 'keyhold', addedSeq: 2 });
    state = applyLogEntries(USER, state, [next(state, [{ op: 'identity', key: pub(SEED_B) }, { op: 'totp.remove' }, { op: 'kit.remove' }, { op: 'pin-recovery.remove' }], SEED_A, SEED_B)]);
    expect(state).toMatchObject({ identityKey: pub(SEED_B), totp: null, kit: null, pinRecovery: null });
    // After the rotation the old key signs nothing more, the new one does.
    expect(refusal(() => applyLogEntries(USER, state, [next(state, [{ op: 'device.remove', key: DEVICE_KEY }], SEED_A)]))).toBe('bad_signature');
    expect(applyLogEntries(USER, state, [next(state, [{ op: 'device.remove', key: DEVICE_KEY }], SEED_B)]).devices).toEqual({});
  });

  it('verifies a batch as it verifies its entries one by one, and never changes the state it was given', () => {
    const e2 = next(started, [{ op: 'device.add', key: DEVICE_KEY, app: 'keyhold' }]);
    const s2 = applyLogEntries(USER, started, [e2]);
    const e3 = next(s2, [{ op: 'device.add', key: OTHER_DEVICE_KEY, app: 'keyhold' }]);
    const before = serializeLogState(started);
    expect(serializeLogState(applyLogEntries(USER, started, [e2, e3]))).toBe(serializeLogState(applyLogEntries(USER, s2, [e3])));
    expect(serializeLogState(started)).toBe(before);
    expect(Object.isFrozen(s2.devices)).toBe(true);
  });

  const cases: Array<[string, AccountLogErrorReason, () => unknown]> = [
    ['a genesis with seq 2', 'bad_seq', () => applyLogEntries(USER, EMPTY_LOG_STATE, [sign({ ...genesis(), seq: 2 }, SEED_A)])],
    ['an entry that skips a seq', 'bad_seq', () => applyLogEntries(USER, started, [sign({ ...next(started, [{ op: 'kit.set', id: digest(1) }]), seq: 3 }, SEED_A)])],
    ['an entry replayed at its own seq', 'bad_seq', () => applyLogEntries(USER, started, [genesis()])],
    ['an entry linked to another head', 'bad_link', () => applyLogEntries(USER, started, [sign({ ...next(started, [{ op: 'kit.set', id: digest(1) }]), prev: digest(9) }, SEED_A)])],
    ['a genesis with a non-zero prev', 'bad_link', () => applyLogEntries(USER, EMPTY_LOG_STATE, [sign({ ...genesis(), prev: digest(9) }, SEED_A)])],
    ['an entry signed by another key', 'bad_signature', () => applyLogEntries(USER, started, [next(started, [{ op: 'kit.set', id: digest(1) }], SEED_C)])],
    ['an entry altered after signing', 'bad_signature', () => applyLogEntries(USER, started, [{ ...next(started, [{ op: 'device.add', key: DEVICE_KEY, app: 'keyhold' }]), changes: [{ op: 'device.add', key: OTHER_DEVICE_KEY, app: 'keyhold' }] }])],
    ['an entry signed for another account', 'bad_signature', () => applyLogEntries('kh-user-0002', EMPTY_LOG_STATE, [genesis()])],
    ['a genesis signed by a key other than its own', 'bad_signature', () => applyLogEntries(USER, EMPTY_LOG_STATE, [sign({ seq: 1, prev: LOG_GENESIS_PREV, at: 0, changes: [{ op: 'identity', key: pub(SEED_A) }] }, SEED_C)])],
    ['a rotation without the new key’s signature', 'bad_new_key_signature', () => applyLogEntries(USER, started, [next(started, [{ op: 'identity', key: pub(SEED_B) }])])],
    ['a rotation whose newKeySig is by another key', 'bad_new_key_signature', () => applyLogEntries(USER, started, [next(started, [{ op: 'identity', key: pub(SEED_B) }], SEED_A, SEED_C)])],
    ['a newKeySig without a rotation', 'bad_new_key_signature', () => applyLogEntries(USER, started, [next(started, [{ op: 'kit.set', id: digest(1) }], SEED_A, SEED_B)])],
    ['a genesis that does not open with identity', 'bad_genesis', () => applyLogEntries(USER, EMPTY_LOG_STATE, [sign({ seq: 1, prev: LOG_GENESIS_PREV, at: 0, changes: [{ op: 'kit.set', id: digest(1) }, { op: 'identity', key: pub(SEED_A) }] }, SEED_A)])],
    ['a genesis with two identities', 'bad_genesis', () => applyLogEntries(USER, EMPTY_LOG_STATE, [genesis([{ op: 'identity', key: pub(SEED_B) }])])],
    ['a genesis with a newKeySig', 'bad_genesis', () => applyLogEntries(USER, EMPTY_LOG_STATE, [sign({ ...genesis() }, SEED_A, SEED_B)])],
    ['two rotations in one entry', 'bad_change', () => applyLogEntries(USER, started, [next(started, [{ op: 'identity', key: pub(SEED_B) }, { op: 'identity', key: pub(SEED_C) }], SEED_A, SEED_B)])],
    ['a rotation to the key in force', 'bad_change', () => applyLogEntries(USER, started, [next(started, [{ op: 'identity', key: pub(SEED_A) }], SEED_A, SEED_A)])],
    ['adding an active passkey again', 'duplicate', () => applyLogEntries(USER, started, [next(started, [{ op: 'passkey.add', id: 'Y3JlZC0x', key: 'AAEC' }])])],
    ['adding a device key twice in one entry', 'duplicate', () => applyLogEntries(USER, started, [next(started, [{ op: 'device.add', key: DEVICE_KEY, app: 'keyhold' }, { op: 'device.add', key: DEVICE_KEY, app: 'other' }])])],
    ['removing a passkey never added', 'not_active', () => applyLogEntries(USER, started, [next(started, [{ op: 'passkey.remove', id: 'Y3JlZC0y' }])])],
    ['removing a passkey named like an Object.prototype member', 'not_active', () => applyLogEntries(USER, started, [next(started, [{ op: 'passkey.remove', id: 'toString' }])])],
    ['removing a device key never added', 'not_active', () => applyLogEntries(USER, started, [next(started, [{ op: 'device.remove', key: DEVICE_KEY }])])],
    ['removing TOTP that is not enrolled', 'not_active', () => applyLogEntries(USER, started, [next(started, [{ op: 'totp.remove' }])])],
    ['removing a kit that is not set', 'not_active', () => applyLogEntries(USER, started, [next(started, [{ op: 'kit.remove' }])])],
    ['removing PIN recovery that is not registered', 'not_active', () => applyLogEntries(USER, started, [next(started, [{ op: 'pin-recovery.remove' }])])],
    ['an entry with 65 changes', 'too_many', () => applyLogEntries(USER, started, [next(started, Array.from({ length: 65 }, (_, i) => ({ op: 'kit.set' as const, id: digest(i) })))])],
    ['an entry with no change', 'malformed', () => applyLogEntries(USER, started, [next(started, [])])],
    ['an unknown op', 'malformed', () => applyLogEntries(USER, started, [next(started, [{ op: 'passkey.adopt', id: 'AAAA' } as unknown as LogChange])])],
    ['a change with an extra field', 'malformed', () => applyLogEntries(USER, started, [next(started, [{ op: 'kit.remove', id: digest(1) } as unknown as LogChange])])],
    ['a device key that is not an uncompressed point', 'malformed', () => applyLogEntries(USER, started, [next(started, [{ op: 'device.add', key: b64(new Uint8Array(65).fill(2)), app: 'keyhold' }])])],
    ['a digest in a non-canonical base64url spelling', 'malformed', () => applyLogEntries(USER, started, [next(started, [{ op: 'kit.set', id: digest(0).slice(0, -1) + 'B' }])])],
    ['an entry with an unknown field', 'malformed', () => applyLogEntries(USER, started, [{ ...next(started, [{ op: 'kit.remove' }]), note: 'x' } as LogEntry])],
    ['a fractional seq', 'malformed', () => applyLogEntries(USER, started, [{ ...next(started, [{ op: 'kit.set', id: digest(1) }]), seq: 1.5 }])],
    ['a short signature', 'malformed', () => applyLogEntries(USER, started, [{ ...next(started, [{ op: 'kit.set', id: digest(1) }]), sig: digest(1) }])],
  ];
  it.each(cases)('refuses %s: %s', (_name, reason, run) => {
    expect(refusal(run)).toBe(reason);
  });

  it('names the entry at fault in a batch', () => {
    const e2 = next(started, [{ op: 'device.add', key: DEVICE_KEY, app: 'keyhold' }]);
    const s2 = applyLogEntries(USER, started, [e2]);
    const bad = next(s2, [{ op: 'device.add', key: DEVICE_KEY, app: 'keyhold' }]);
    expect(() => applyLogEntries(USER, started, [e2, bad])).toThrow(expect.objectContaining({ reason: 'duplicate', index: 1 }));
  });

  it('adds a passkey named like an Object.prototype member as any other', () => {
    const state = applyLogEntries(USER, started, [next(started, [{ op: 'passkey.add', id: 'toString', key: 'AAEC' }])]);
    expect(Object.keys(state.passkeys).sort()).toEqual(['Y3JlZC0x', 'toString']);
  });
});

describe('the sealed state form', () => {
  it('serializes deterministically whatever order things were added in, and parses back', () => {
    const one = applyLogEntries(USER, started, [next(started, [{ op: 'device.add', key: DEVICE_KEY, app: 'keyhold' }, { op: 'device.add', key: OTHER_DEVICE_KEY, app: 'keyhold' }])]);
    const other = applyLogEntries(USER, started, [next(started, [{ op: 'device.add', key: OTHER_DEVICE_KEY, app: 'keyhold' }, { op: 'device.add', key: DEVICE_KEY, app: 'keyhold' }])]);
    expect(serializeLogState(one).replace(one.head, '')).toBe(serializeLogState(other).replace(other.head, ''));
    expect(serializeLogState(parseLogState(serializeLogState(one)))).toBe(serializeLogState(one));
    expect(serializeLogState(EMPTY_LOG_STATE)).toBe(
      `{"seq":0,"head":"${LOG_GENESIS_PREV}","identityKey":null,"passkeys":{},"devices":{},"totp":null,"kit":null,"pinRecovery":null}`,
    );
  });

  it.each(['', 'null', '[]', '{"seq":-1}', serializeLogState(EMPTY_LOG_STATE).replace('"passkeys":{}', '"passkeys":{"AAAA":{"key":1}}'), serializeLogState(EMPTY_LOG_STATE).replace('"totp":null', '"totp":"x"')])(
    'refuses a state that is not one it wrote: %s',
    (json) => {
      expect(refusal(() => parseLogState(json))).toBe('malformed');
    },
  );
});

describe('identifiers and fingerprints', () => {
  it('totpLogId is SHA-256 over the labelled user id and secret, so two accounts never share one', () => {
    const secret = new Uint8Array(20).fill(0x42);
    const lp = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    const expected = createHash('sha256').update(Buffer.concat([lp(Buffer.from('keyhold/totp-id/v1')), lp(Buffer.from(USER)), Buffer.from(secret)])).digest('base64url');
    expect(totpLogId(USER, secret)).toBe(expected);
    expect(totpLogId(USER, secret)).toBe('7dDtGCWzDzTzyRyj9Pc9w5H6E84s1bqH4Ke-YF4c3MA');
    expect(totpLogId('kh-user-0002', secret)).not.toBe(expected);
  });

  it('logKeyFingerprint shows the first 8 bytes of the key’s SHA-256 in four groups of lower hex', () => {
    const key = pub(SEED_A);
    const sha = createHash('sha256').update(hex(RFC8032[0][1])).digest('hex');
    expect(logKeyFingerprint(key)).toBe(`${sha.slice(0, 4)} ${sha.slice(4, 8)} ${sha.slice(8, 12)} ${sha.slice(12, 16)}`);
    expect(logKeyFingerprint(key)).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){3}$/);
  });

  it('deviceKeyToLogKey gives the raw uncompressed point WebCrypto exports for the same key', async () => {
    const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const jwk = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
    const raw = new Uint8Array(await webcrypto.subtle.exportKey('raw', pair.publicKey));
    expect(deviceKeyToLogKey({ x: jwk.x!, y: jwk.y! })).toBe(b64(raw));
    expect(refusal(() => deviceKeyToLogKey({ x: jwk.x!, y: 'AAAA' }))).toBe('malformed');
  });
});

describe('the wire schemas (protocol/api.ts)', () => {
  it('accept the entries the rules accept and refuse extra fields and non-canonical spellings', async () => {
    const { AppendAccountLogRequest, LogEntry: LogEntrySchema } = await import('./api');
    const entry = genesis([{ op: 'device.add', key: DEVICE_KEY, app: 'keyhold' }]);
    expect(LogEntrySchema.parse(entry)).toEqual(entry);
    expect(LogEntrySchema.safeParse({ ...entry, note: 1 }).success).toBe(false);
    expect(LogEntrySchema.safeParse({ ...entry, prev: digest(0).slice(0, -1) + 'B' }).success).toBe(false);
    expect(LogEntrySchema.safeParse({ ...entry, changes: [{ op: 'kit.remove', id: digest(1) }] }).success).toBe(false);
    expect(AppendAccountLogRequest.safeParse({ entries: [] }).success).toBe(false);
    expect(AppendAccountLogRequest.safeParse({ entries: Array.from({ length: 17 }, () => entry) }).success).toBe(false);
  });
});

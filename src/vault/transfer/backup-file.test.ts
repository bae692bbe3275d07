import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { ARGON2_MAX_MEMORY_KIB, ARGON2_MIN_ITERATIONS, ARGON2_MIN_MEMORY_KIB } from '../../../protocol/constants';
import { instantiateArgon2, type Argon2Wasm } from '../../../worker/argon2-wasm';
import { DEFAULT_ARGON2_PARAMS, type Argon2Params, type DeriveArgon2 } from '../crypto';
import { VaultError, type VaultErrorCode } from '../errors';
import type { RecordContent } from '../state';
import { openBackup, parseBackupFile, sealBackup, type KeyholdBackupFile } from './backup-file';
import { readImportFile } from './import-formats';

/** The real Argon2id: our SIMD build (worker/wasm/), the one the worker runs, compiled by Node's V8. */
let wasm: Promise<Argon2Wasm> | undefined;
const realArgon2: DeriveArgon2 & { runs: number } = Object.assign(
  async (password: Uint8Array, salt: Uint8Array, params: Argon2Params) => {
    realArgon2.runs += 1;
    wasm ??= instantiateArgon2(new WebAssembly.Module(readFileSync(new URL('../../../worker/wasm/argon2-simd.wasm', import.meta.url))));
    return (await wasm).hashArgon2id({ password, salt, params });
  },
  { runs: 0 },
);

const PASSPHRASE = 'marble orchard kettle 42';
const NOW = Date.UTC(2026, 11, 6, 9, 30);
const ITEMS: RecordContent[] = [
  { kind: 'login', title: 'Mail', username: 'ada@example.com', password: 'correct-horse-battery-staple', url: 'https://mail.example.com', notes: 'π and emoji 🗝️' },
  { kind: 'note', title: 'Wi-Fi', body: 'SSID: fakenet\nKey: not-a-real-key', conflictOf: 'rec_123' },
  { kind: 'note', title: 'Trailhead', body: 'cairn by the bridge', location: { latitude: 46.5581, longitude: -121.9842, accuracyMeters: 12 } },
];

async function rejection(promise: Promise<unknown>): Promise<VaultError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(VaultError);
  return error as VaultError;
}

async function expectCode(promise: Promise<unknown>, code: VaultErrorCode): Promise<void> {
  expect((await rejection(promise)).code).toBe(code);
}

/** A sealed file as readImportFile hands it over. */
function readBackup(text: string): KeyholdBackupFile {
  const file = readImportFile('keyhold-backup.json', new TextEncoder().encode(text));
  if (file.kind !== 'keyhold-backup') throw new Error('not read as a backup');
  return file.backup;
}

/** The file's JSON with `change` applied, read back as a backup. */
interface EditableBackup {
  createdAt: number;
  kdf: { memoryKiB: number; iterations: number };
  cipher: { iv: string };
  ciphertext: string;
}
function altered(text: string, change: (json: EditableBackup) => void): KeyholdBackupFile {
  const json = JSON.parse(text) as EditableBackup;
  change(json);
  return readBackup(JSON.stringify(json));
}

describe('Keyhold backup file, with the real Argon2id', () => {
  // One sealed file for the whole suite: each Argon2id at 64 MiB costs about a second.
  const sealed = sealBackup(ITEMS, PASSPHRASE, realArgon2, DEFAULT_ARGON2_PARAMS, NOW);

  it('writes the documented envelope, with nothing of the items or passphrase in the clear', async () => {
    const text = await sealed;
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual(['format', 'version', 'createdAt', 'kdf', 'cipher', 'ciphertext']);
    expect(json).toMatchObject({
      format: 'keyhold-backup',
      version: 1,
      createdAt: NOW,
      kdf: { alg: 'argon2id', memoryKiB: ARGON2_MIN_MEMORY_KIB, iterations: ARGON2_MIN_ITERATIONS, parallelism: 1 },
      cipher: { alg: 'A256GCM' },
    });
    expect(decodeBase64Url(json.kdf.salt)).toHaveLength(16);
    expect(decodeBase64Url(json.cipher.iv)).toHaveLength(12);
    for (const secret of ['correct-horse', 'fakenet', 'Mail', PASSPHRASE, 'marble']) expect(text).not.toContain(secret);
  });

  it('opens with the passphrase into the same items (a conflict copy’s link dropped, a note’s location kept), typed in another Unicode form too', async () => {
    const file = readBackup(await sealed);
    const expected = [ITEMS[0], { kind: 'note', title: 'Wi-Fi', body: 'SSID: fakenet\nKey: not-a-real-key' }, ITEMS[2]];
    expect(await openBackup(file, PASSPHRASE, realArgon2)).toEqual({ format: 'keyhold-backup', items: expected, converted: 0, skipped: [] });
    // NFKC: full-width digits from an East Asian keyboard are the same passphrase.
    expect((await openBackup(file, 'marble orchard kettle ４２', realArgon2)).items).toEqual(expected);
  });

  it('refuses a wrong passphrase', async () => {
    await expectCode(openBackup(readBackup(await sealed), 'marble orchard kettle 43', realArgon2), 'backup_passphrase_wrong');
  });

  it('refuses a file with any byte of its ciphertext or IV changed, or its date changed, as a wrong passphrase', async () => {
    const text = await sealed;
    const flipLastByte = (b64: string): string => {
      const bytes = decodeBase64Url(b64);
      bytes[bytes.length - 1]! ^= 0x01;
      return encodeBase64Url(bytes);
    };
    await expectCode(openBackup(altered(text, (json) => (json.ciphertext = flipLastByte(json.ciphertext))), PASSPHRASE, realArgon2), 'backup_passphrase_wrong');
    await expectCode(openBackup(altered(text, (json) => (json.cipher.iv = flipLastByte(json.cipher.iv))), PASSPHRASE, realArgon2), 'backup_passphrase_wrong');
    await expectCode(openBackup(altered(text, (json) => (json.createdAt += 1)), PASSPHRASE, realArgon2), 'backup_passphrase_wrong');
  });

  it('refuses Argon2 costs under the floor or over the ceilings before hashing anything', async () => {
    const text = await sealed;
    const runs = realArgon2.runs;
    await expectCode(openBackup(altered(text, (json) => (json.kdf.memoryKiB = 1024)), PASSPHRASE, realArgon2), 'kdf_too_weak');
    await expectCode(openBackup(altered(text, (json) => (json.kdf.iterations = 1)), PASSPHRASE, realArgon2), 'kdf_too_weak');
    await expectCode(openBackup(altered(text, (json) => (json.kdf.memoryKiB = ARGON2_MAX_MEMORY_KIB * 4)), PASSPHRASE, realArgon2), 'kdf_params_invalid');
    expect(realArgon2.runs).toBe(runs);
  });
});

describe('Keyhold backup file, without hashing', () => {
  const fake: DeriveArgon2 = () => Promise.reject(new Error('must not hash'));

  it('refuses a passphrase under 12 characters before deriving anything', async () => {
    await expectCode(sealBackup(ITEMS, 'short pass!', fake, DEFAULT_ARGON2_PARAMS, NOW), 'passphrase_weak');
    await expectCode(sealBackup(ITEMS, 'x', fake, { ...DEFAULT_ARGON2_PARAMS, memoryKiB: 8 } as Argon2Params, NOW), 'passphrase_weak');
  });

  it('refuses to seal with costs under the floor', async () => {
    await expectCode(sealBackup(ITEMS, PASSPHRASE, fake, { ...DEFAULT_ARGON2_PARAMS, memoryKiB: 8 } as Argon2Params, NOW), 'kdf_too_weak');
  });

  const envelope = {
    format: 'keyhold-backup',
    version: 1,
    createdAt: NOW,
    kdf: { alg: 'argon2id', salt: encodeBase64Url(new Uint8Array(16)), memoryKiB: ARGON2_MIN_MEMORY_KIB, iterations: 3, parallelism: 1 },
    cipher: { alg: 'A256GCM', iv: encodeBase64Url(new Uint8Array(12)) },
    ciphertext: encodeBase64Url(new Uint8Array(32)),
  };

  it('reads a well-formed envelope as a backup that needs its passphrase', () => {
    expect(parseBackupFile(envelope)).toEqual(envelope);
  });

  it.each([
    ['a salt of the wrong size', { kdf: { ...envelope.kdf, salt: encodeBase64Url(new Uint8Array(8)) } }],
    ['an IV of the wrong size', { cipher: { alg: 'A256GCM', iv: encodeBase64Url(new Uint8Array(16)) } }],
    ['a ciphertext shorter than a tag', { ciphertext: encodeBase64Url(new Uint8Array(8)) }],
    ['a ciphertext that is not base64url', { ciphertext: 'not base64!' }],
    ['another cipher', { cipher: { alg: 'A128CBC', iv: envelope.cipher.iv } }],
    ['another KDF', { kdf: { ...envelope.kdf, alg: 'pbkdf2' } }],
    ['a fractional cost', { kdf: { ...envelope.kdf, iterations: 3.5 } }],
    ['no date', { createdAt: 'yesterday' }],
  ])('refuses %s as unreadable', (_case, change) => {
    const file = new TextEncoder().encode(JSON.stringify({ ...envelope, ...change }));
    expect(() => readImportFile('backup.json', file)).toThrow(expect.objectContaining({ code: 'import_unreadable' }));
  });

  it('refuses a later version of the format as unsupported', () => {
    expect(() => parseBackupFile({ ...envelope, version: 2 })).toThrow(expect.objectContaining({ code: 'import_unsupported' }));
  });
});

/**
 * TESTS ONLY. A fast deterministic stand-in for Argon2id, for tests about the key hierarchy (not
 * about Argon2): SHA-256(params || salt || password). It has none of Argon2id's cost, so nothing
 * outside a *.test.ts file may import it. The real hash is tested in worker/argon2.test.ts.
 */
import { bufferSource, concatBytes, utf8 } from '../../src/vault/crypto/primitives/bytes';
import type { Argon2Params } from '../../src/vault/crypto/keys';
import type { DeriveArgon2 } from '../../src/vault/crypto/local/unlock';

export const fakeArgon2ForHierarchyTests: DeriveArgon2 = async (password, salt, params: Argon2Params, signal) => {
  signal?.throwIfAborted();
  const cost = utf8.encode(`${params.memoryKiB}/${params.iterations}/${params.parallelism}/${params.hashLength}|`);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bufferSource(concatBytes(cost, salt, password))));
};

export const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export const fromHex = (text: string): Uint8Array<ArrayBuffer> => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

/**
 * The fingerprint phrase of a device approval (docs/architecture.md "Approval from another device"):
 * 5 words of the BIP39 English list taken from SHA-256(lp(A) ‖ lp(D)) — A the requester's ephemeral
 * ECDH key, D the device signing key it will register (the approver signs D into the account log),
 * both raw uncompressed points, lp(x) = u32be(len x) ‖ x — 11 bits each from the first 55 bits of
 * the digest, most significant bit first (as BIP39 reads its bits). A request from an older app
 * without D: SHA-256(A). Each device computes it from the keys it holds, so a server that swaps
 * either makes the two screens differ: to pass, a swapped pair must match 55 bits of the digest
 * (about 2^55 key pairs to try within the request's ten minutes).
 */
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { decodeBase64Url } from '../../../protocol/base64url';
import { DEVICE_APPROVAL_PHRASE_WORDS } from '../../../protocol/constants';

const BITS_PER_WORD = 11;

function lp(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

/** The phrase of a request's raw public key and device key (base64url raw points), as lower-case words. */
export async function approvalPhrase(publicKey: string, deviceKey?: string): Promise<string[]> {
  const a = decodeBase64Url(publicKey);
  const input = deviceKey === undefined ? new Uint8Array(a) : new Uint8Array([...lp(a), ...lp(decodeBase64Url(deviceKey))]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input));
  const words: string[] = [];
  for (let w = 0; w < DEVICE_APPROVAL_PHRASE_WORDS; w++) {
    let index = 0;
    for (let b = w * BITS_PER_WORD; b < (w + 1) * BITS_PER_WORD; b++) {
      index = (index << 1) | ((digest[b >> 3]! >> (7 - (b & 7))) & 1);
    }
    words.push(wordlist[index]!);
  }
  return words;
}

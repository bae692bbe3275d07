/**
 * The fingerprint phrase of a device approval (docs/architecture.md "Approval from another device"):
 * 5 words of the BIP39 English list taken from SHA-256 of the requester's raw public key, 11 bits
 * each from the first 55 bits of the digest, most significant bit first (as BIP39 reads its bits).
 * Each device computes it from the key it holds, so a server that swaps the key makes the two
 * screens differ: to pass, a swapped key must match 55 bits of the digest (about 2^55 key pairs
 * to try within the request's ten minutes).
 */
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { decodeBase64Url } from '../../../protocol/base64url';
import { DEVICE_APPROVAL_PHRASE_WORDS } from '../../../protocol/constants';

const BITS_PER_WORD = 11;

/** The phrase of a raw public key (base64url), as lower-case words. */
export async function approvalPhrase(publicKey: string): Promise<string[]> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(decodeBase64Url(publicKey))));
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

/**
 * The recovery kit's code as people handle it (docs/architecture.md "Recovery kit"): 12 words of
 * the BIP39 English list, i.e. 128 bits of entropy and a 4-bit checksum (BIP-0039 "Generating the
 * mnemonic"), printed on the kit and in its QR code as `keyhold-kit:1:<username>:<w1-…-w12>`.
 * Only the entropy is used (crypto/hierarchy.ts derives KEK_kit and kitAuth from it): never BIP39's
 * PBKDF2 seed. Nothing here logs, stores or echoes a word back in an error message.
 */
import { entropyToMnemonic, generateMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { RECOVERY_KIT_ENTROPY_BYTES, RECOVERY_KIT_WORD_COUNT } from '../../../protocol/constants';
import { VaultError } from '../errors';

export { RECOVERY_KIT_WORD_COUNT };

const QR_PREFIX = 'keyhold-kit';
const QR_VERSION = '1';
const WORDS = new Set(wordlist);

/** 12 fresh words (128 CSPRNG bits). Never log them; the user writes them down, nothing else keeps them. */
export function generateRecoveryWords(): string[] {
  return generateMnemonic(wordlist, RECOVERY_KIT_ENTROPY_BYTES * 8).split(' ');
}

/**
 * Splits typed or pasted text into words, forgiving how people copy a code by hand: any case,
 * spaces, dashes, commas, dots or line breaks between words, and the numbers a printed kit puts
 * before each word ("1. abandon 2. ability …").
 */
export function splitRecoveryWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .split(/[\s\-‐-―,;.·•]+/u)
    .filter((token) => token !== '' && !/^\d+\)?$/.test(token));
}

/**
 * The code's 16 entropy bytes, from text in any of the spellings `splitRecoveryWords` accepts.
 * Throws `kit_unreadable`: the wrong number of words, a word not in the list (`wordPosition` says
 * which, 1-based; the word itself never appears), or a checksum that fails (a word mistyped into
 * another list word). The caller wipes the bytes after use; never log them.
 */
export function recoveryCodeEntropy(text: string): Uint8Array {
  const words = splitRecoveryWords(text);
  if (words.length !== RECOVERY_KIT_WORD_COUNT) {
    throw new VaultError('kit_unreadable', `A recovery code has ${RECOVERY_KIT_WORD_COUNT} words; this has ${words.length}.`);
  }
  const unknown = words.findIndex((word) => !WORDS.has(word));
  if (unknown >= 0) {
    throw new VaultError('kit_unreadable', `Word ${unknown + 1} is not in the recovery word list.`, { wordPosition: unknown + 1 });
  }
  try {
    return mnemonicToEntropy(words.join(' '), wordlist);
  } catch {
    throw new VaultError('kit_unreadable', 'The words do not form a valid recovery code (checksum); one of them is mistyped.');
  }
}

/** The canonical form of a valid code: 12 lower-case list words. Throws `kit_unreadable` as `recoveryCodeEntropy` does. */
export function canonicalRecoveryWords(text: string): string[] {
  const entropy = recoveryCodeEntropy(text);
  try {
    return entropyToMnemonic(entropy, wordlist).split(' ');
  } finally {
    entropy.fill(0);
  }
}

/** The QR code's text: `keyhold-kit:1:<username>:<w1-…-w12>`. Holds the whole code: show it, never log it. */
export function recoveryKitQrText(username: string, words: readonly string[]): string {
  return `${QR_PREFIX}:${QR_VERSION}:${username}:${words.join('-')}`;
}

/**
 * Reads what a scanner or a person produced: a kit's QR text (username and words) or typed words
 * alone (username null). Returns the code as 12 canonical words joined by spaces. Throws
 * `kit_unreadable` for a QR text of another version or a code that does not read (see above).
 */
export function readRecoveryKitText(text: string): { username: string | null; code: string } {
  const trimmed = text.trim();
  if (!trimmed.toLowerCase().startsWith(`${QR_PREFIX}:`)) return { username: null, code: canonicalRecoveryWords(trimmed).join(' ') };
  // Usernames hold no colon (USERNAME_PATTERN), so the fields split cleanly.
  const [, version, username, ...rest] = trimmed.split(':');
  if (version !== QR_VERSION || !username || rest.length !== 1) {
    throw new VaultError('kit_unreadable', 'This QR code is not a Keyhold recovery kit this app can read.');
  }
  return { username: username.trim().toLowerCase(), code: canonicalRecoveryWords(rest[0]!).join(' ') };
}

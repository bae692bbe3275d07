import { describe, expect, it } from 'vitest';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { VaultError } from '../errors';
import { canonicalRecoveryWords, generateRecoveryWords, readRecoveryKitText, recoveryCodeEntropy, recoveryKitQrText } from './recovery-code';

/** BIP-0039's own test vector: 16 zero bytes. */
const ZERO_WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** Entropy 00 01 … 0f. */
const COUNTING = 'abandon amount liar amount expire adjust cage candy arch gather drum buyer';

function thrown(run: () => unknown): VaultError {
  try {
    run();
  } catch (error) {
    if (error instanceof VaultError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('recovery code', () => {
  it('makes 12 words of the BIP39 English list, a new code each time', () => {
    const a = generateRecoveryWords();
    const b = generateRecoveryWords();
    expect(a).toHaveLength(12);
    expect(a.every((word) => wordlist.includes(word))).toBe(true);
    expect(a).not.toEqual(b);
    expect(recoveryCodeEntropy(a.join(' '))).toHaveLength(16);
  });

  it('reads the BIP39 test vectors back to their entropy', () => {
    expect([...recoveryCodeEntropy(ZERO_WORDS)]).toEqual(new Array(16).fill(0));
    expect([...recoveryCodeEntropy(COUNTING)]).toEqual([...Array(16).keys()]);
  });

  it('reads the same code from every way people copy it: case, dashes, line breaks, commas, numbers, extra spaces', () => {
    const spellings = [
      COUNTING.toUpperCase(),
      COUNTING.replaceAll(' ', '-'),
      COUNTING.replaceAll(' ', '\n'),
      `  ${COUNTING.replaceAll(' ', ' ,  ')} \n`,
      COUNTING.split(' ').map((w, i) => `${i + 1}. ${w}`).join('\n'),
      COUNTING.split(' ').map((w, i) => `${i + 1}) ${w[0]!.toUpperCase()}${w.slice(1)}`).join('  '),
      COUNTING.replaceAll(' ', ' – '),
    ];
    for (const text of spellings) expect(canonicalRecoveryWords(text).join(' '), text).toBe(COUNTING);
  });

  it('names the position of the first word not in the list, never the word', () => {
    const words = COUNTING.split(' ');
    words[4] = 'expyre';
    words[9] = 'gathr';
    const error = thrown(() => recoveryCodeEntropy(words.join(' ')));
    expect(error.code).toBe('kit_unreadable');
    expect(error.wordPosition).toBe(5);
    expect(error.message).not.toContain('expyre');
  });

  it('refuses a code whose checksum fails (a word swapped for another list word) or of the wrong length', () => {
    const swapped = COUNTING.replace('buyer', 'cabin');
    const checksum = thrown(() => recoveryCodeEntropy(swapped));
    expect(checksum.code).toBe('kit_unreadable');
    expect(checksum.wordPosition).toBeUndefined();
    expect(thrown(() => recoveryCodeEntropy(COUNTING.split(' ').slice(0, 11).join(' '))).code).toBe('kit_unreadable');
    expect(thrown(() => recoveryCodeEntropy(`${COUNTING} abandon`)).code).toBe('kit_unreadable');
    expect(thrown(() => recoveryCodeEntropy('')).code).toBe('kit_unreadable');
  });

  it('reads the kit QR text: username and words; typed words alone have no username', () => {
    const qr = recoveryKitQrText('alice', COUNTING.split(' '));
    expect(qr).toBe(`keyhold-kit:1:alice:${COUNTING.replaceAll(' ', '-')}`);
    expect(readRecoveryKitText(qr)).toEqual({ username: 'alice', code: COUNTING });
    expect(readRecoveryKitText(`  ${qr}\n`)).toEqual({ username: 'alice', code: COUNTING });
    expect(readRecoveryKitText(COUNTING.toUpperCase())).toEqual({ username: null, code: COUNTING });
  });

  it('refuses a QR text of another version, without a username, or with a broken code', () => {
    const dashed = COUNTING.replaceAll(' ', '-');
    for (const text of [`keyhold-kit:2:alice:${dashed}`, `keyhold-kit:1::${dashed}`, `keyhold-kit:1:alice`, `keyhold-kit:1:alice:${dashed.replace('buyer', 'cabin')}`, 'https://example.com/']) {
      expect(thrown(() => readRecoveryKitText(text)).code, text).toBe('kit_unreadable');
    }
  });
});

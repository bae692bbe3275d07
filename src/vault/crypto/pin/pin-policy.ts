/**
 * Which PINs and passphrases Keyhold accepts for a new local wrap. An attacker holding the
 * device's IndexedDB can guess offline at one Argon2id per guess (SECURITY.md, the device thief), so the
 * rules remove the guesses that come first in every published PIN list:
 *
 * - a PIN is 6 or more digits (1,000,000 possibilities at the minimum; a 4-digit PIN is 10,000);
 * - anything else is a passphrase of 8 or more characters (NIST SP 800-63B §5.1.1.2's minimum);
 * - refused: one symbol repeated (111111), a run up or down (123456, 987654, 890123, abcdefgh),
 *   one block repeated (121212, 123123, 19841984), and the blocklists of common-pins.ts.
 * Dates (DDMMYY and friends) are allowed: refusing them removes about a tenth of the 6-digit
 * space and mostly pushes people towards the patterns refused above.
 *
 * Everything is compared after `normalizePin`, the same form that is hashed (crypto/local/unlock.ts).
 */
import { PASSPHRASE_MIN_CHARS, PIN_MIN_DIGITS } from '../../../../protocol/constants';
import { COMMON_PASSPHRASES, COMMON_SIX_DIGIT_PINS } from './common-pins';

/**
 * The same NFKC form crypto/local/unlock.ts's `normalizePin` hashes (a test holds them equal). Written out here
 * rather than imported, so that this module and its blocklists stay a chunk of their own that
 * only choosing a new PIN loads: importing unlock.ts made the bundler fold the two together.
 */
const normalizePin = (pin: string): string => pin.normalize('NFKC');

export type PinRefusal = 'too_short' | 'too_common' | 'repeated' | 'sequential';

export type PinVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: PinRefusal; readonly message: string };

const DIGITS_ONLY = /^[0-9]+$/;
const EXAMPLES = {
  pin: { repeated: '111111 or 121212', sequential: '123456 or 987654' },
  passphrase: { repeated: 'aaaaaaaa or abcabcabc', sequential: 'abcdefgh' },
};

function refusal(reason: PinRefusal, message: string): PinVerdict {
  return { ok: false, reason, message };
}

/** True when one block of 1 to length/2 symbols, repeated, makes up the whole string. */
function isRepeatedBlock(symbols: readonly string[]): boolean {
  for (let block = 1; block <= symbols.length / 2; block++) {
    if (symbols.length % block !== 0) continue;
    if (symbols.every((symbol, i) => symbol === symbols[i % block])) return true;
  }
  return false;
}

/** True when each symbol is the one after (or before) the previous; digits wrap 9→0 and 0→9. */
function isRun(symbols: readonly string[], wrapDigits: boolean): boolean {
  const codes = symbols.map((symbol) => symbol.codePointAt(0) ?? 0);
  const steps = codes.slice(1).map((code, i) => (wrapDigits ? (((code - codes[i]) % 10) + 10) % 10 : code - codes[i]));
  const down = wrapDigits ? 9 : -1;
  return steps.every((step) => step === 1) || steps.every((step) => step === down);
}

/** Checks a candidate new PIN or passphrase; the message is written for the person choosing it. */
export function checkPin(pin: string): PinVerdict {
  const normalized = normalizePin(pin);
  // Counted in code points, not UTF-16 units, so a character outside the BMP counts once.
  const symbols = [...normalized];
  const isPin = DIGITS_ONLY.test(normalized);
  const kind = isPin ? 'PIN' : 'passphrase';
  const examples = isPin ? EXAMPLES.pin : EXAMPLES.passphrase;

  if (isPin ? symbols.length < PIN_MIN_DIGITS : symbols.length < PASSPHRASE_MIN_CHARS) {
    return refusal(
      'too_short',
      `Use a PIN of at least ${PIN_MIN_DIGITS} digits, or a passphrase of at least ${PASSPHRASE_MIN_CHARS} characters.`,
    );
  }
  if (isRepeatedBlock(symbols)) {
    return refusal('repeated', `This ${kind} repeats itself (like ${examples.repeated}), so it is guessed early. Choose one without a pattern.`);
  }
  if (isRun(symbols, isPin)) {
    return refusal('sequential', `This ${kind} counts up or down (like ${examples.sequential}), so it is guessed early. Choose another.`);
  }
  const common = isPin ? COMMON_SIX_DIGIT_PINS.has(normalized) : COMMON_PASSPHRASES.has(normalized.toLowerCase());
  if (common) {
    return refusal('too_common', `This is one of the most common ${kind}s and is among the first an attacker tries. Choose another.`);
  }
  return { ok: true };
}

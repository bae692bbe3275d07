/**
 * Random passwords for login records. Every character comes from `crypto.getRandomValues` through
 * rejection sampling, so each symbol of the alphabet is exactly equally likely (a plain
 * `random % n` favours the first `2^32 mod n` symbols).
 *
 * "At least one character of each enabled class" is met by drawing the whole password again
 * until it holds: the result is uniform over all passwords that satisfy the rule, whereas
 * planting one character of each class at a random position would not be.
 */
import { GENERATED_PASSWORD_DEFAULT_LENGTH, GENERATED_PASSWORD_MAX_LENGTH } from '../../../protocol/constants';

export interface PasswordOptions {
  /** Defaults to 20; between the number of enabled classes and 128. */
  readonly length?: number;
  /** Include symbols (default true). */
  readonly symbols?: boolean;
  /** Include digits (default true). */
  readonly digits?: boolean;
}

/** Character classes. Symbols leave out quotes, backslash, backtick and space, which some sites mangle. */
export const PASSWORD_CLASSES = {
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  symbols: '!#$%&()*+,-./:;<=>?@[]^_{|}~',
} as const;

const UINT32_RANGE = 2 ** 32;
const BATCH = 64;

/** Returns `count` indexes uniform in [0, n), from the platform CSPRNG by rejection sampling. */
export function uniformIndexes(n: number, count: number): number[] {
  if (!Number.isInteger(n) || n < 1 || n > UINT32_RANGE) throw new RangeError('n must be an integer in [1, 2^32]');
  // The largest multiple of n that fits in 32 bits: values at or above it would bias the result.
  const limit = UINT32_RANGE - (UINT32_RANGE % n);
  const out: number[] = [];
  const words = new Uint32Array(BATCH);
  while (out.length < count) {
    crypto.getRandomValues(words);
    for (const word of words) {
      if (word < limit) out.push(word % n);
      if (out.length === count) break;
    }
  }
  words.fill(0);
  return out;
}

/** A random password. Never log the result. Throws RangeError for a length outside the limits. */
export function generatePassword({ length = GENERATED_PASSWORD_DEFAULT_LENGTH, symbols = true, digits = true }: PasswordOptions = {}): string {
  const classes: string[] = [PASSWORD_CLASSES.lower, PASSWORD_CLASSES.upper];
  if (digits) classes.push(PASSWORD_CLASSES.digits);
  if (symbols) classes.push(PASSWORD_CLASSES.symbols);
  if (!Number.isInteger(length) || length < classes.length || length > GENERATED_PASSWORD_MAX_LENGTH) {
    throw new RangeError(`A generated password has ${classes.length} to ${GENERATED_PASSWORD_MAX_LENGTH} characters`);
  }
  const alphabet = classes.join('');
  for (;;) {
    const password = uniformIndexes(alphabet.length, length)
      .map((i) => alphabet[i])
      .join('');
    if (classes.every((members) => [...password].some((char) => members.includes(char)))) return password;
  }
}

/**
 * base32 (RFC 4648 §6), the encoding of TOTP secrets in otpauth:// URIs and in what the app shows
 * for typing into an authenticator app. Decoding only: the log identifies a TOTP secret by its raw
 * bytes (protocol/account-log.ts `totpLogId`), whichever spelling the secret was shown in.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes base32, case-insensitively, ignoring spaces and trailing '=' padding; throws a TypeError on anything else. */
export function decodeBase32(text: string): Uint8Array {
  const clean = text.replace(/ /g, '').replace(/=+$/, '').toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of clean) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) throw new TypeError('not base32');
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  // RFC 4648 §6: a final quantum leaves at most 4 bits over, all zero.
  if (bits >= 5 || buffer !== 0) throw new TypeError('not base32');
  return Uint8Array.from(out);
}

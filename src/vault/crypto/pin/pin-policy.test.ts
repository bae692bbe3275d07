import { describe, expect, it } from 'vitest';
import { COMMON_SIX_DIGIT_PINS } from './common-pins';
import { checkPin } from './pin-policy';
import { normalizePin } from '../local/unlock';

const reasonOf = (pin: string): string => {
  const verdict = checkPin(pin);
  return verdict.ok ? 'ok' : verdict.reason;
};

describe('PIN policy', () => {
  it.each(['493817', '8026451', '70915382', 'plum-harbour-9', 'Zebra crossing', 'tr0mb0ne!'])('accepts %s', (pin) => {
    expect(checkPin(pin)).toEqual({ ok: true });
  });

  it.each(['', '1234', '49381', 'abc', 'Tr0mb0n'])('refuses %j as too_short', (pin) => {
    expect(reasonOf(pin)).toBe('too_short');
  });

  it.each(['000000', '111111', '66666666', '121212', '123123', '19841984', 'abababab', 'aaaaaaaa'])('refuses %s as repeated', (pin) => {
    expect(reasonOf(pin)).toBe('repeated');
  });

  it.each(['123456', '654321', '234567', '987654', '890123', '12345678', 'abcdefgh', 'hgfedcba'])('refuses %s as sequential', (pin) => {
    expect(reasonOf(pin)).toBe('sequential');
  });

  it.each(['112233', '159753', '123321', '520131', '112358', '147258', '789456', 'password', 'Password1', 'qwertyuiop', 'iloveyou'])(
    'refuses %s as too_common',
    (pin) => {
      expect(reasonOf(pin)).toBe('too_common');
    },
  );

  it('refuses every entry of the 6-digit blocklist one way or another', () => {
    expect(COMMON_SIX_DIGIT_PINS.size).toBeGreaterThanOrEqual(100);
    for (const pin of COMMON_SIX_DIGIT_PINS) expect(checkPin(pin).ok, pin).toBe(false);
  });

  it('reads full-width digits as the digits they are (NFKC)', () => {
    expect(reasonOf('１２３４５６')).toBe('sequential');
    expect(reasonOf('４９３８１７')).toBe('ok');
  });

  it('counts characters, not UTF-16 units, for passphrases', () => {
    expect(reasonOf('🔑🔒🗝️ab')).toBe('too_short');
  });

  it('gives a message a person can act on', () => {
    const verdict = checkPin('1234');
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.message).toMatch(/at least 6 digits/);
  });
});

describe('PIN normalization', () => {
  it('judges the form that is hashed: full-width digits are the ASCII PIN they stand for', () => {
    const fullWidth = '\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16'; // １２３４５６
    expect(normalizePin(fullWidth)).toBe('123456');
    expect(checkPin('123456').ok).toBe(false);
    expect(checkPin(fullWidth)).toEqual(checkPin('123456'));
  });
});

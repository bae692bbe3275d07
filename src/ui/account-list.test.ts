import { describe, expect, it } from 'vitest';
import { splitByLog } from './account-list';

const device = (name: string, inLog: boolean, revokedAt: number | null = null) => ({ name, inLog, revokedAt });

describe('devices and passkeys split by the account log', () => {
  const listed = [device('This phone', true), device('Forged', false), device('Old laptop', false, 1_700_000_000_000), device('Tablet', true)];

  it('puts an active entry the log never added in its own group once the account has a checked log', () => {
    const { own, unlisted } = splitByLog(listed, true);
    expect(own.map((d) => d.name)).toEqual(['This phone', 'Old laptop', 'Tablet']);
    expect(unlisted.map((d) => d.name)).toEqual(['Forged']);
  });

  it('shows every entry as the account’s while the account has no log (no entry is inLog then)', () => {
    const { own, unlisted } = splitByLog([device('This phone', false), device('Tablet', false)], false);
    expect(own.map((d) => d.name)).toEqual(['This phone', 'Tablet']);
    expect(unlisted).toEqual([]);
  });

  it('treats passkeys, which carry no removal time, like active devices', () => {
    const { own, unlisted } = splitByLog([{ name: 'Phone', inLog: true }, { name: 'Slipped in', inLog: false }], true);
    expect(own.map((p) => p.name)).toEqual(['Phone']);
    expect(unlisted.map((p) => p.name)).toEqual(['Slipped in']);
  });
});

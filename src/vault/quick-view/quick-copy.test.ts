import { describe, expect, it } from 'vitest';
import { createQuickViewKey, openQuickCopy, quickViewAad, sealQuickCopy, type QuickCopy } from './quick-copy';
import type { LoginContent } from '../state';

const login: LoginContent = {
  kind: 'login',
  title: 'Door code at the allotment',
  username: 'plot-17',
  password: 'lentil-spade-4471',
  url: '',
  notes: 'the gate sticks',
};
const copy: QuickCopy = { source: 'AQ-wrapped-dek-of-version-1', sealedAt: Date.UTC(2030, 0, 1), content: login };

/** Bytes as text both ways a leak could show up: UTF-8 and Latin-1. */
function asText(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return new TextDecoder('utf-8').decode(view) + new TextDecoder('latin1').decode(view);
}

describe('read-only copies under the device key', () => {
  it('opens a copy sealed for the same id', async () => {
    const key = await createQuickViewKey();
    const row = await sealQuickCopy(key, 'rec-1', copy);
    await expect(openQuickCopy(key, row)).resolves.toEqual(copy);
  });

  it('makes a non-extractable AES-GCM key that page script cannot export', async () => {
    const key = await createQuickViewKey();
    expect(key.extractable).toBe(false);
    expect(key.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
  });

  it('holds no plaintext, and uses a fresh 96-bit IV each time', async () => {
    const key = await createQuickViewKey();
    const a = await sealQuickCopy(key, 'rec-1', copy);
    const b = await sealQuickCopy(key, 'rec-1', copy);
    expect(a.iv).toHaveLength(12);
    expect(a.iv).not.toEqual(b.iv);
    for (const secret of [login.title, login.password, login.username, login.notes, '"kind"']) {
      expect(asText(a.ciphertext)).not.toContain(secret);
    }
  });

  it('refuses a copy moved to another record id (the AAD binds the id)', async () => {
    const key = await createQuickViewKey();
    const row = await sealQuickCopy(key, 'rec-1', copy);
    await expect(openQuickCopy(key, { ...row, id: 'rec-2' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses another device key, and any changed byte', async () => {
    const key = await createQuickViewKey();
    const row = await sealQuickCopy(key, 'rec-1', copy);
    await expect(openQuickCopy(await createQuickViewKey(), row)).rejects.toMatchObject({ code: 'not_found' });
    const tampered = new Uint8Array(row.ciphertext.slice(0));
    tampered[3]! ^= 1;
    await expect(openQuickCopy(key, { ...row, ciphertext: tampered.buffer })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('encodes the AAD with length prefixes, so no two ids share one', () => {
    const text = (id: string) => Array.from(quickViewAad(id)).join(',');
    expect(text('ab')).not.toBe(text('a'));
    expect(new TextDecoder().decode(quickViewAad('rec-1'))).toContain('keyhold/quick-view/v1');
    expect(quickViewAad('rec-1').slice(0, 4)).toEqual(Uint8Array.of(0, 0, 0, 21));
  });
});

import { describe, expect, it } from 'vitest';
import { deviceNameFor } from '../platform/device-environment';
import { parseRecordContent, searchableText, summarize, validateRecordContent } from './record-content';
import type { LoginContent } from '../state';

const login = (fields: Partial<LoginContent>): LoginContent => ({ kind: 'login', title: 'T', username: '', password: '', url: '', notes: '', ...fields });

describe('record content', () => {
  it('trims the title and drops properties that are not part of the record', () => {
    const checked = validateRecordContent({ ...login({ title: '  Mail  ' }), extra: 'not stored' });
    expect(checked).toEqual(login({ title: 'Mail' }));
  });

  it('names the rule, never the value, when it refuses', () => {
    const secret = 'hunter2-'.repeat(2000);
    expect(() => validateRecordContent(login({ password: secret }))).toThrow(/at most 10000 characters/);
    try {
      validateRecordContent(login({ password: secret }));
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
      expect(error).toMatchObject({ code: 'record_invalid' });
    }
  });

  it('shows the username, else the URL host, as a login subtitle', () => {
    expect(summarize('i', login({ username: 'alice', url: 'https://x.example' }), 1, false).subtitle).toBe('alice');
    expect(summarize('i', login({ url: 'https://mail.example.com/inbox' }), 1, false).subtitle).toBe('mail.example.com');
    expect(summarize('i', login({ url: 'bank.example/login' }), 1, true)).toMatchObject({ subtitle: 'bank.example', synced: true });
    expect(summarize('i', { kind: 'note', title: 'N', body: 'b' }, 1, false).subtitle).toBe('');
  });

  it('searches everything but the password', () => {
    const text = searchableText(login({ title: 'Mail', username: 'Alice', url: 'https://x.example', notes: 'Blue', password: 'Secret' }));
    expect(text).toContain('alice');
    expect(text).toContain('blue');
    expect(text).not.toContain('secret');
  });

  it('refuses decrypted plaintext of an unknown shape', () => {
    expect(() => parseRecordContent({ kind: 'login', title: 'x' })).toThrow();
    expect(parseRecordContent({ kind: 'note', title: 'x', body: 'y' })).toEqual({ kind: 'note', title: 'x', body: 'y' });
  });

  it('keeps a note’s location, with its known fields only, through saving and reading', () => {
    const note = { kind: 'note' as const, title: 'Trailhead', body: 'cairn by the bridge', location: { latitude: 46.5581, longitude: -121.9842, accuracyMeters: 12.5 } };
    expect(validateRecordContent({ ...note, location: { ...note.location, altitude: 900 } })).toEqual(note);
    expect(parseRecordContent(note)).toEqual(note);
    const { accuracyMeters: _unknown, ...bare } = note.location;
    expect(parseRecordContent({ ...note, location: bare })).toEqual({ ...note, location: bare });
    expect(parseRecordContent({ ...note, location: { latitude: -90, longitude: 180, accuracyMeters: 0 } }).kind).toBe('note');
  });

  it.each([
    ['a latitude over 90', { latitude: 90.5, longitude: 0 }],
    ['a longitude under −180', { latitude: 0, longitude: -180.01 }],
    ['a negative accuracy', { latitude: 0, longitude: 0, accuracyMeters: -1 }],
    ['a latitude that is not finite', { latitude: Number.NaN, longitude: 0 }],
    ['an infinite accuracy', { latitude: 0, longitude: 0, accuracyMeters: Number.POSITIVE_INFINITY }],
    ['a latitude as text', { latitude: '46.5', longitude: 0 }],
    ['no longitude', { latitude: 1 }],
    ['a location that is not an object', 'Paradise'],
  ])('refuses a note whose location has %s (record_invalid), and does not read one back', (_, location) => {
    const note = { kind: 'note', title: 'Trailhead', body: '', location };
    expect(() => validateRecordContent(note)).toThrow(expect.objectContaining({ code: 'record_invalid' }));
    expect(() => parseRecordContent(note)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('keeps no location on a login', () => {
    expect(validateRecordContent({ ...login({}), location: { latitude: 1, longitude: 2 } })).toEqual(login({}));
  });

  it('names a device after its platform only', () => {
    expect(deviceNameFor('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)')).toBe('iPhone');
    expect(deviceNameFor('Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36')).toBe('Android phone');
    expect(deviceNameFor('Mozilla/5.0 (Windows NT 10.0; Win64; x64)')).toBe('Windows PC');
    expect(deviceNameFor('')).toBe('This device');
  });
});

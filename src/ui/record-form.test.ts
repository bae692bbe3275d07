import { describe, expect, it } from 'vitest';
import { RECORD_FIELD_MAX_CHARS, RECORD_TITLE_MAX_CHARS } from '../../protocol/constants';
import type { LoginContent } from '../vault';
import { emptyRecord, normalizeUrl, sameRecord, validateRecord } from './record-form';

const login = (changes: Partial<LoginContent> = {}): LoginContent => ({
  ...(emptyRecord('login') as LoginContent),
  title: 'GitHub',
  password: 'pw',
  ...changes,
});

describe('normalizeUrl', () => {
  it('adds https:// to a bare host and keeps an http(s) URL as typed', () => {
    expect(normalizeUrl(' github.com ')).toBe('https://github.com');
    expect(normalizeUrl('http://localhost:8080/x')).toBe('http://localhost:8080/x');
    expect(normalizeUrl('')).toBe('');
  });

  it('refuses other schemes and text that is not an address', () => {
    expect(normalizeUrl('javascript:alert(1)')).toBeNull();
    expect(normalizeUrl('not a url')).toBeNull();
    expect(normalizeUrl('intranet')).toBeNull();
  });
});

describe('validateRecord', () => {
  it('accepts a login and returns it trimmed, with the URL normalised', () => {
    const { errors, cleaned } = validateRecord(login({ title: '  GitHub ', username: ' alice ', url: 'github.com' }));
    expect(errors).toEqual({});
    expect(cleaned).toEqual({ ...login(), username: 'alice', url: 'https://github.com' });
  });

  it('asks for a title, and for a username or a password', () => {
    const { errors } = validateRecord(login({ title: ' ', password: '' }));
    expect(Object.keys(errors).sort()).toEqual(['password', 'title']);
  });

  it('applies the vault limits before the vault would refuse the record', () => {
    expect(validateRecord(login({ title: 'x'.repeat(RECORD_TITLE_MAX_CHARS + 1) })).errors.title).toBeDefined();
    expect(validateRecord(login({ notes: 'x'.repeat(RECORD_FIELD_MAX_CHARS + 1) })).errors.notes).toBeDefined();
    expect(validateRecord(login({ notes: 'x'.repeat(RECORD_FIELD_MAX_CHARS) })).errors).toEqual({});
  });

  it('wants a note to have a body', () => {
    expect(validateRecord({ kind: 'note', title: 'Wi-Fi', body: '  ' }).errors).toEqual({ body: expect.any(String) });
    expect(validateRecord({ kind: 'note', title: 'Wi-Fi', body: 'pass' }).errors).toEqual({});
  });
});

describe('a conflict copy in the form', () => {
  it('keeps its conflict marker through validation, so Save does not settle the conflict', () => {
    const copy = login({ conflictOf: 'jxJRR1eJ5DhAYJmb10CvNw', title: ' GitHub ' });
    const { errors, cleaned } = validateRecord(copy);
    expect(errors).toEqual({});
    expect(cleaned).toMatchObject({ title: 'GitHub', conflictOf: 'jxJRR1eJ5DhAYJmb10CvNw' });
    expect(validateRecord({ kind: 'note', title: 'Wi-Fi', body: 'pass', conflictOf: 'abc' }).cleaned).toMatchObject({ conflictOf: 'abc' });
  });
});

describe('sameRecord', () => {
  it('tells an edited draft from the record as loaded', () => {
    expect(sameRecord(login(), login())).toBe(true);
    expect(sameRecord(login(), login({ password: 'other' }))).toBe(false);
    expect(sameRecord(login(), login({ conflictOf: 'abc' }))).toBe(false);
    expect(sameRecord(login(), emptyRecord('note'))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { AppRuleError, checkAppId, checkAppName, checkOrigin } from './apps';

describe('app registration rules', () => {
  it('keeps an origin in the form browsers send it', () => {
    expect(checkOrigin('https://Notes.Example.com:443')).toBe('https://notes.example.com');
    expect(checkOrigin('http://localhost:5174')).toBe('http://localhost:5174');
  });

  it.each(['https://a.example.com/', 'https://a.example.com/x', 'https://a.example.com?x', 'https://user@a.example.com', 'null', 'file:///x', 'ws://a.example.com'])(
    'refuses %s as an origin',
    (value) => {
      expect(() => checkOrigin(value)).toThrow(AppRuleError);
    },
  );

  it('accepts the app ids the account log accepts, and nothing else', () => {
    expect(checkAppId('field-notes')).toBe('field-notes');
    expect(checkAppId('a.b-1')).toBe('a.b-1');
    for (const bad of ['', '-notes', 'Notes', 'notes_app', 'n'.repeat(65), 'notes app']) expect(() => checkAppId(bad), bad).toThrow(AppRuleError);
  });

  it('trims a display name and refuses an empty or overlong one', () => {
    expect(checkAppName('  Field notes ')).toBe('Field notes');
    expect(() => checkAppName('   ')).toThrow(AppRuleError);
    expect(() => checkAppName('x'.repeat(65))).toThrow(AppRuleError);
  });
});

import { describe, expect, it } from 'vitest';
import { describeKitFailure, typedKitWords } from './kit-words-field';

describe('typedKitWords', () => {
  it('counts the words however a person separates them, without the numbers copied from the kit', () => {
    expect(typedKitWords('')).toBe(0);
    expect(typedKitWords('  air illegal\njourney ')).toBe(3);
    expect(typedKitWords('air-illegal-journey-raw')).toBe(4);
    expect(typedKitWords('1. air 2. illegal 3) journey, raw')).toBe(4);
  });
});

describe('describeKitFailure', () => {
  it('names the position of the first word not on the list, never the word', () => {
    const text = describeKitFailure({ code: 'kit_unreadable', wordPosition: 7 });
    expect(text).toBe('Word 7 is not one of the recovery kit’s words. Check its spelling against your kit.');
  });

  it('falls back to the shared wording, with the screen’s overrides', () => {
    expect(describeKitFailure({ code: 'kit_unreadable' })).toMatch(/12 words/);
    expect(describeKitFailure({ code: 'kit_invalid' }, { kit_invalid: 'Not this kit.' })).toBe('Not this kit.');
  });
});

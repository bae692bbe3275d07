import { html, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { RECOVERY_KIT_WORD_COUNT as KIT_WORDS } from '../../protocol/constants';
import { describeFailure, type UiFailure } from './failure-messages';

/**
 * The words typed so far, however they are separated (spaces, line breaks, hyphens as in the QR
 * text, commas, dots), without the numbers a copied kit puts before each word: as the SDK reads them.
 */
export function typedKitWords(text: string): number {
  return text.split(/[\s\-‐-―,;.·•]+/u).filter((token) => token !== '' && !/^\d+\)?$/.test(token)).length;
}

/** A kit screen's failure, naming the first word not on the kit's word list when that is the trouble (its position, never the word). */
export function describeKitFailure(failure: UiFailure, overrides: Parameters<typeof describeFailure>[1] = {}): string {
  if (failure.code === 'kit_unreadable' && failure.wordPosition !== undefined) {
    return `Word ${failure.wordPosition} is not one of the recovery kit’s words. Check its spelling against your kit.`;
  }
  return describeFailure(failure, overrides);
}

interface KitWordsFieldOptions {
  /** Id of the textarea, unique within the host's shadow root; `${id}-count` is its counter. */
  readonly id: string;
  readonly value: string;
  readonly disabled: boolean;
  readonly invalid: boolean;
  /** Id of the host's error line, announced with the field. */
  readonly errorId: string;
  readonly onInput: (value: string) => void;
}

/**
 * The twelve words of a recovery kit as one text area (pasting or typing them in order is the
 * quickest on a phone), with a running count. The words are never spell-checked or sent anywhere
 * by the browser: no autocomplete, no spellcheck, no capitalisation.
 */
export function renderKitWordsField({ id, value, disabled, invalid, errorId, onInput }: KitWordsFieldOptions): TemplateResult {
  const count = typedKitWords(value);
  return html`<div class="field">
    <label for=${id}>The ${KIT_WORDS} words of your recovery kit</label>
    <textarea id=${id} rows="4" autocomplete="off" autocapitalize="none" autocorrect="off" spellcheck="false"
      aria-describedby="${id}-count ${errorId}" aria-invalid=${invalid ? 'true' : 'false'} .value=${live(value)} ?disabled=${disabled}
      @input=${(event: InputEvent) => onInput((event.target as HTMLTextAreaElement).value)}></textarea>
    <p id="${id}-count" class="hint">${count} of ${KIT_WORDS} words, in order.</p>
  </div>`;
}

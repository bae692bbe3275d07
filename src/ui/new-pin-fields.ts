import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { checkPin, type PinVerdict } from '../vault/pin-policy';

/** A new PIN being typed twice (PIN setup and PIN change share it). */
export interface NewPinDraft {
  readonly pin: string;
  readonly confirm: string;
  /** Text keyboard and "passphrase" wording instead of the numeric keypad. */
  readonly passphrase: boolean;
  /** Set by a submit attempt: from then on every problem is shown as an error. */
  readonly submitted: boolean;
}

export const EMPTY_PIN_DRAFT: NewPinDraft = { pin: '', confirm: '', passphrase: false, submitted: false };

export interface NewPinFeedback {
  readonly verdict: PinVerdict;
  /** The policy refusal should read as an error now (not just a rule while typing). */
  readonly policyError: boolean;
  readonly mismatch: boolean;
  /** Policy accepted and both entries equal: the form may be submitted. */
  readonly ready: boolean;
}

/** Live feedback from the PIN policy (pure; the same `checkPin` the vault applies). */
export function newPinFeedback(draft: NewPinDraft): NewPinFeedback {
  const verdict = checkPin(draft.pin);
  // "Too short" is the normal state while typing; any other refusal is worth saying at once.
  const policyError = !verdict.ok && draft.pin !== '' && (verdict.reason !== 'too_short' || draft.submitted);
  const mismatch =
    draft.confirm !== draft.pin && (draft.submitted ? true : draft.confirm !== '' && draft.confirm.length >= draft.pin.length);
  return { verdict, policyError, mismatch, ready: verdict.ok && draft.confirm === draft.pin };
}

interface NewPinFieldsOptions {
  readonly draft: NewPinDraft;
  readonly disabled: boolean;
  /** Called with the changed part of the draft; the host stores it and re-renders. */
  readonly onChange: (patch: Partial<NewPinDraft>) => void;
  /** Prefix for ids and data-test hooks, unique within the host's shadow root. */
  readonly id: string;
  /** "New PIN" in settings, "PIN" in setup. */
  readonly noun: string;
}

/**
 * The two entries of a new PIN, the passphrase switch and the policy feedback, rendered into the
 * host's own shadow root so that labels, `aria-describedby` and Enter-to-submit all work.
 */
export function renderNewPinFields({ draft, disabled, onChange, id, noun }: NewPinFieldsOptions): TemplateResult {
  const feedback = newPinFeedback(draft);
  const what = draft.passphrase ? noun.replace(/PIN$/, 'passphrase') : noun;
  // "New PIN" → "Repeat new PIN", but "PIN" stays "PIN".
  const whatLower = /^[A-Z][a-z]/.test(what) ? what.charAt(0).toLowerCase() + what.slice(1) : what;
  const policyMessage = feedback.verdict.ok ? 'Strong enough.' : feedback.verdict.message;
  return html`
    <div class="field">
      <label for="${id}">${what}</label>
      <input
        id="${id}"
        name="${id}"
        data-test="${id}"
        type="password"
        inputmode=${draft.passphrase ? 'text' : 'numeric'}
        autocomplete="one-time-code"
        autocapitalize="off"
        spellcheck="false"
        enterkeyhint="next"
        required
        aria-describedby="${id}-policy"
        aria-invalid=${feedback.policyError ? 'true' : 'false'}
        .value=${live(draft.pin)}
        ?disabled=${disabled}
        @input=${(event: InputEvent) => onChange({ pin: (event.target as HTMLInputElement).value })}
      />
      <p id="${id}-policy" data-test="${id}-policy" class=${feedback.policyError ? 'error' : feedback.verdict.ok ? 'ok' : 'hint'} aria-live="polite">
        ${policyMessage}
      </p>
    </div>
    <div class="field">
      <label for="${id}-confirm">Repeat ${whatLower}</label>
      <input
        id="${id}-confirm"
        name="${id}-confirm"
        data-test="${id}-confirm"
        type="password"
        inputmode=${draft.passphrase ? 'text' : 'numeric'}
        autocomplete="one-time-code"
        autocapitalize="off"
        spellcheck="false"
        enterkeyhint="done"
        required
        aria-describedby="${id}-mismatch"
        aria-invalid=${feedback.mismatch ? 'true' : 'false'}
        .value=${live(draft.confirm)}
        ?disabled=${disabled}
        @input=${(event: InputEvent) => onChange({ confirm: (event.target as HTMLInputElement).value })}
      />
      <p id="${id}-mismatch" data-test="${id}-mismatch" class="error msg" aria-live="polite">${feedback.mismatch ? 'The two entries do not match.' : nothing}</p>
    </div>
    <label class="check">
      <input
        type="checkbox"
        data-test="${id}-passphrase"
        .checked=${draft.passphrase}
        ?disabled=${disabled}
        @change=${(event: Event) => onChange({ passphrase: (event.target as HTMLInputElement).checked })}
      />
      Use a passphrase instead
    </label>
  `;
}

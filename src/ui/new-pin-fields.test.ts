import { describe, expect, it } from 'vitest';
import { EMPTY_PIN_DRAFT, newPinFeedback } from './new-pin-fields';

const draft = (pin: string, confirm: string, submitted = false) => ({ ...EMPTY_PIN_DRAFT, pin, confirm, submitted });

describe('newPinFeedback', () => {
  it('treats "too short" as a rule while typing and as an error once submitted', () => {
    expect(newPinFeedback(draft('58', '')).policyError).toBe(false);
    expect(newPinFeedback(draft('58', '', true)).policyError).toBe(true);
  });

  it('says a refused pattern at once', () => {
    const feedback = newPinFeedback(draft('123456', ''));
    expect(feedback.policyError).toBe(true);
    expect(feedback.verdict).toMatchObject({ ok: false, reason: 'sequential' });
  });

  it('reports a mismatch only when the second entry is complete, or on submit', () => {
    expect(newPinFeedback(draft('583920', '58')).mismatch).toBe(false);
    expect(newPinFeedback(draft('583920', '583921')).mismatch).toBe(true);
    expect(newPinFeedback(draft('583920', '58', true)).mismatch).toBe(true);
  });

  it('is ready when the policy accepts the PIN and both entries match', () => {
    expect(newPinFeedback(draft('583920', '583920')).ready).toBe(true);
    expect(newPinFeedback(draft('123456', '123456')).ready).toBe(false);
  });
});

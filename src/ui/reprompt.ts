import type { Vault } from '../vault';
import './kh-reprompt';

/**
 * Call before a protected action (showing or copying a password, turning off a recovery route,
 * removing a device, locking everywhere): resolves true at once while the vault's last unlock or
 * confirmation is recent (`vault.reprompt.needed()` is false), otherwise opens the `<kh-reprompt>`
 * dialog and resolves true once the owner confirmed with the PIN or a passkey, false when they
 * cancelled or the vault locked meanwhile. `from` is the control that asked (usually the button
 * pressed): the focus returns to it when the dialog closes. `reason` ends the dialog's sentence
 * "Enter your PIN to …", e.g. "show this password".
 */
export async function ensureReprompt(vault: Vault, from: HTMLElement, reason = 'continue'): Promise<boolean> {
  if (!vault.reprompt.needed()) return true;
  const dialog = document.createElement('kh-reprompt');
  dialog.vault = vault;
  dialog.reason = reason;
  // In the document's body, not in the asking element's shadow root: a modal dialog shows in the
  // top layer either way, and a screen's own rendering can then neither remove nor restyle it.
  from.ownerDocument.body.append(dialog);
  try {
    return await dialog.closed;
  } finally {
    dialog.remove();
    if (from.isConnected) from.focus();
  }
}

import type { Vault } from '../vault';
import './kh-reprompt';
import { showModal } from './modal';

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
  return showModal(from, dialog);
}

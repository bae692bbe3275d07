/**
 * Leaving with nothing behind (docs/architecture.md "Deleting the account"): erasing the account on
 * the key server, then everything this origin keeps in the browser; and downloading what the
 * server holds about the user first. Both server calls need a passkey session: the erasure always
 * gets a new one (user verification now, not a sign-in from earlier), the download one when the
 * session this device has is not enough.
 */
import type { VaultCore } from '../core';
import { VaultError, failureFromServer } from '../errors';
import { browserStorage, wipeOrigin, type OriginStorage } from '../platform/origin-wipe';
import { normalizeUsername } from './onboarding';
import { sessionContextOf, signInWithPasskey, withPasskeySignIn } from './passkey-session';
import type { ExportFile } from '../transfer/vault-transfer';
import { deleteAccount as eraseOnServer, exportAccount } from '../platform/key-server-extra';

/** Where `deleteAccount` is: the passkey prompt, the server's erasure, then wiping this device. */
export type DeleteAccountStep = 'passkey' | 'server' | 'device';


/** Whether the typed name is the account's, compared as onboarding stores names (trimmed, lower case). */
function isAccountName(typed: string, username: string): boolean {
  try {
    return normalizeUsername(typed) === username;
  } catch {
    return false; // not even a valid username: not this one
  }
}

/**
 * Checks the typed username, signs in with a passkey, erases the account on the server, then wipes
 * this device. Nothing is deleted anywhere until the server has erased the account; after that the
 * wipe runs whatever the signal says. Rejects with `username_mismatch`, `locked`, `passkey_cancelled`,
 * `passkey_failed`, `offline`, `server_error` (nothing deleted), or `wipe_incomplete` (the account
 * is gone; the welcome state's `accountDeleted.leftovers` says what is still here).
 */
export async function deleteAccount(core: VaultCore, typedUsername: string, signal?: AbortSignal, onStep?: (step: DeleteAccountStep) => void): Promise<void> {
  const context = sessionContextOf(core);
  if (!isAccountName(typedUsername, context.username)) throw new VaultError('username_mismatch');
  try {
    onStep?.('passkey');
    await signInWithPasskey(context, signal);
    signal?.throwIfAborted();
    onStep?.('server');
    await eraseOnServer(context.server);
  } catch (error) {
    throw failureFromServer(error, signal);
  }
  onStep?.('device');
  await wipeThisDevice(core);
}

/**
 * After `deleteAccount` left data behind (`state.accountDeleted.leftovers` not empty): wipes again,
 * for instance once the person closed the tab that held a database open. Rejects with
 * `wipe_incomplete` if something is still left, `not_found` where no account was deleted here.
 */
export async function eraseThisDevice(core: VaultCore): Promise<void> {
  const { state } = core;
  if (state.kind !== 'welcome' || !state.accountDeleted) throw new VaultError('not_found', 'This device erases its data only after its account was deleted.');
  await wipeThisDevice(core);
}

/** The account is gone: close the vault's database (no write may re-create it), wipe the origin, show the welcome screen. */
async function wipeThisDevice(core: VaultCore): Promise<void> {
  core.deps.store.close();
  const storage: OriginStorage = core.deps.originStorage ?? browserStorage();
  const leftovers = await wipeOrigin(storage);
  core.forget({ leftovers });
  if (leftovers.length > 0) throw new VaultError('wipe_incomplete', `Still on this device: ${leftovers.join(', ')}.`);
}

/** YYYY-MM-DD of `now` in the device's time zone: the day the person sees on their calendar. */
function localDate(now: number): string {
  const date = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * Everything the key server holds about the user (GET /api/account/export): ciphertexts, audit
 * entries, device and passkey public keys. A passkey sign-in runs first when this device's session
 * is not a passkey one. Rejects with `locked`, `passkey_cancelled`, `passkey_failed`, `offline`,
 * `server_error`.
 */
export async function downloadServerData(core: VaultCore, signal?: AbortSignal): Promise<ExportFile> {
  const context = sessionContextOf(core);
  try {
    const blob = await withPasskeySignIn(context, () => exportAccount(context.server, signal), signal);
    return { name: `keyhold-server-data-${localDate(core.now())}.json`, type: 'application/json', blob };
  } catch (error) {
    throw failureFromServer(error, signal);
  }
}

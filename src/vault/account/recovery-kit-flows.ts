/**
 * The recovery kit's calls (`vault.account.recoveryKit`, vault-recovery-kit.ts), loaded as a chunk of
 * their own with the word list and BIP39's code (about 14 KB gzip): only the kit screens need them.
 */
import type { RecoveryKitPutT } from '../../../protocol/api';
import type { VaultCore } from '../core';
import { VaultError, KeyServerError, failureFromServer } from '../errors';
import type { StoredVault } from '../platform/local-store';
import { generateRecoveryWords, recoveryKitQrText, splitRecoveryWords } from '../recovery/recovery-code';
import { sealRecoveryKit } from '../recovery/recovery-kit';
import { signInWithPasskey, withSession, type RecoverySettingsContext } from './recovery-settings';
import { recoverySettingsContext } from './settings-context';
import type { PendingRecoveryKit } from './vault-recovery-kit';
import { putRecoveryKit, removeRecoveryKit } from '../platform/key-server-extra';

const CHECK_WORDS = 2;

/** Distinct random positions among `count`, in ascending order. */
function randomPositions(count: number, wanted: number): number[] {
  const picked = new Set<number>();
  const random = new Uint32Array(1);
  while (picked.size < wanted) {
    crypto.getRandomValues(random);
    picked.add(random[0]! % count); // 12 ∤ 2^32, but a position needs no uniformity: it only checks the copy
  }
  return [...picked].sort((a, b) => a - b);
}

/** See VaultRecoveryKit.prepare. */
export function prepareKit(core: VaultCore): PendingRecoveryKit {
  core.requireSession();
  core.requireRecentConfirmation();
  const { username } = core.requireVault();
  const words = generateRecoveryWords();
  return Object.freeze({
    words: Object.freeze(words),
    username,
    qrText: recoveryKitQrText(username, words),
    createdAt: core.now(),
    checkPositions: Object.freeze(randomPositions(words.length, CHECK_WORDS)),
  });
}

/** The kit `authHash` names, when the server holds it already and its log names it; else `account_log_unverified`. */
async function kitStoredBefore(context: RecoverySettingsContext, authHash: string, vault: StoredVault): Promise<RecoveryKitPutT> {
  const status = await withSession(context, () => context.server.recoveryStatus());
  if (!status.kit.active || status.kit.createdAt === null || status.logIds.kit !== authHash) {
    throw new VaultError('account_log_unverified', 'The account log names this recovery kit, but the key server does not hold it.');
  }
  return { createdAt: status.kit.createdAt, replaced: vault.kit !== undefined };
}

/** See VaultRecoveryKit.activate. */
export async function activateKit(core: VaultCore, kit: PendingRecoveryKit, typed: readonly string[]): Promise<{ createdAt: number; replaced: boolean }> {
  const session = core.requireSession();
  core.requireRecentConfirmation();
  const vault = core.requireVault();
  if (kit.username !== vault.username) throw new VaultError('kit_mismatch', 'This kit was made for another account.');
  const matches =
    typed.length === kit.checkPositions.length &&
    kit.checkPositions.every((position, i) => {
      const [word, ...extra] = splitRecoveryWords(typed[i] ?? '');
      return extra.length === 0 && word !== undefined && word === kit.words[position];
    });
  if (!matches) throw new VaultError('kit_mismatch');
  const sealed = await sealRecoveryKit(vault.userId, kit.words.join(' '), session.unlocked.rootSecretAccess);
  const context = recoverySettingsContext(core);
  const { server } = core.deps;
  const put = { wrap: sealed.wrap, authHash: sealed.authHash };
  // The server answers to a kit only once the account log names it (SHA-256(kitAuth)): the entry
  // rides in the PUT and commits with it, so no kit is ever stored that the server would refuse.
  const sent = await core.accountLog.setUpWithEntry({ op: 'kit.set', id: sealed.authHash }, (logEntry) => putRecoveryKit(server, { ...put, ...(logEntry && { logEntry }) }));
  // Nothing sent: the log names this kit already, so an earlier try with these same words landed
  // and its answer was lost. The server holds it if its status says so; keep it here as well.
  const stored = sent?.answer ?? (await kitStoredBefore(context, sealed.authHash, vault));
  await keepKitLocally(core, vault, { createdAt: stored.createdAt, wrap: sealed.wrap });
  return stored;
}

/** See VaultRecoveryKit.remove. */
export async function removeKit(core: VaultCore, signal?: AbortSignal): Promise<void> {
  core.requireSession();
  core.requireRecentConfirmation();
  await signInWithPasskey(recoverySettingsContext(core), signal);
  try {
    await removeRecoveryKit(core.deps.server);
  } catch (error) {
    // Already gone (another device removed it, or a lock everywhere did): the outcome asked for.
    if (!(error instanceof KeyServerError && error.serverCode === 'recovery_not_set_up')) throw failureFromServer(error, signal);
  }
  await keepKitLocally(core, core.requireVault(), undefined);
  await core.accountLog.append([{ op: 'kit.remove' }]);
}

/** Stores this device's copy of the kit wrap (or drops it), unless the vault row changed meanwhile in a way that already did. */
export async function keepKitLocally(core: VaultCore, vault: StoredVault, kit: StoredVault['kit']): Promise<void> {
  const current = core.stored ?? vault;
  const { kit: _old, ...rest } = current;
  const next: StoredVault = kit ? { ...rest, kit } : rest;
  await core.deps.store.writeVault(next);
  if (core.stored === current) core.stored = next;
}

/**
 * The account's passkeys as the vault manages them (`vault.passkeys`, loaded as a chunk of its
 * own). A passkey can open the vault when the server keeps a wrap_prf(S) for it: adding one with
 * PRF, or "enabling unlock" for one that has none (e.g. after lock everywhere rotated S), wraps
 * the current S under KEK_prf from its PRF output, uploads the wrap and keeps it on this device
 * too, so the passkey unlocks here offline. The PRF output is wiped as soon as the wrap is made.
 * A new passkey is signed into the account log (with the public key its own attestation names)
 * before the server registers it; a removal once the server made it.
 */
import type { PasskeySummaryT } from '../../../protocol/api';
import { PRF_OUTPUT_BYTES } from '../../../protocol/constants';
import type { VaultCore } from '../core';
import { addPrfWrap, type PrfWrap } from '../crypto';
import { KeyServerError, VaultError, failureFromServer } from '../errors';
import type { StoredPasskey, StoredVault } from '../platform/local-store';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '../platform/passkeys';
import { prfPasskeys } from '../unlock/prf-unlock';
import { credentialPublicKey } from '../account-log/cose-key';
import type { LogBinding } from '../account-log/list-binding';
import { checkName } from './manage-devices';
import { MANAGEMENT_FAILURES, NAMING_FAILURES, sessionContextOf, withDeviceSession, withPasskeySignIn } from './passkey-session';

/** One passkey of the account. Times are epoch ms. */
export interface PasskeyInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  /** The server keeps a wrap of the vault's root secret for it: it can open the vault (unlock, recovery). */
  readonly canUnlock: boolean;
  /** Its public key's fingerprint ("1a2b 3c4d 5e6f 7081"). */
  readonly fingerprint: string;
  /**
   * The account log added it with this public key (and has not removed it): it is the account's. One
   * the log does not hold is someone else's doing, and `vault.accountLog.status` warns of it. False
   * for every passkey while the account has no log (status `unlogged` or `needs-confirmation`).
   */
  readonly inLog: boolean;
}

const describe = (p: PasskeySummaryT, bound: LogBinding, canUnlock = p.canUnlock): PasskeyInfo => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt,
  lastUsedAt: p.lastUsedAt,
  canUnlock,
  ...bound,
});

/** What the account log says of one passkey the server just answered with. */
const bindOne = async (core: VaultCore, passkey: PasskeySummaryT): Promise<LogBinding> => (await (await core.accountLog.keeper()).bindPasskeys([passkey]))[0]!;

/** Replaces the stored vault with `update(current)`, read at the last moment so nothing written meanwhile is lost. */
async function updateStoredVault(core: VaultCore, update: (vault: StoredVault) => StoredVault): Promise<void> {
  const current = core.requireVault();
  const next = update(current);
  await core.deps.store.writeVault(next);
  if (core.stored === current) core.stored = next;
  if (core.state.kind === 'unlocked') core.setState({ ...core.state, prfUnlock: prfPasskeys(core.requireVault()).length > 0 });
}

/** The vault without the passkeys (and their PRF wraps) that `keep` refuses. */
const keepingPasskeys = (vault: StoredVault, keep: (credentialId: string) => boolean): StoredVault => ({
  ...vault,
  passkeys: vault.passkeys.filter((p) => keep(p.credentialId)),
  record: { ...vault.record, prf: vault.record.prf.filter((w) => keep(w.credentialId)) },
});

/**
 * Wraps the open vault's S for `passkey` under its PRF output, uploads the wrap (replacing any,
 * whatever its version) and keeps it here. Wipes `prfOutput` whatever happens.
 */
async function storePrfWrap(core: VaultCore, passkey: Omit<StoredPasskey, 'wrapPrfVersion'>, prfOutput: Uint8Array): Promise<void> {
  let wrap: PrfWrap;
  try {
    if (prfOutput.length !== PRF_OUTPUT_BYTES) throw new VaultError('prf_unavailable');
    const { unlocked } = core.requireSession();
    wrap = (await addPrfWrap(core.requireVault().record, unlocked, { credentialId: passkey.credentialId, prfOutput })).wrap;
  } finally {
    prfOutput.fill(0);
  }
  const { server } = core.deps;
  const put = (expectedVersion: number) => server.putWrapPrf(passkey.credentialId, wrap.wrappedRootSecret, expectedVersion);
  const known = core.requireVault().passkeys.find((p) => p.credentialId === passkey.credentialId)?.wrapPrfVersion ?? 0;
  let version: number;
  try {
    version = (await put(known)).version;
  } catch (error) {
    // Another device (or the lock before it) wrote one meanwhile: ours wraps the current S, so it wins.
    const current = error instanceof KeyServerError && error.serverCode === 'stale_version' ? error.details.currentVersion : undefined;
    if (current === undefined) throw error;
    version = (await put(current)).version;
  }
  await updateStoredVault(core, (vault) => ({
    ...vault,
    passkeys: [...vault.passkeys.filter((p) => p.credentialId !== passkey.credentialId), { ...passkey, wrapPrfVersion: version }],
    record: { ...vault.record, prf: [...vault.record.prf.filter((w) => w.credentialId !== passkey.credentialId), wrap] },
  }));
}

export async function listPasskeys(core: VaultCore, signal?: AbortSignal): Promise<PasskeyInfo[]> {
  const context = sessionContextOf(core);
  let passkeys: PasskeySummaryT[];
  try {
    ({ passkeys } = await withDeviceSession(context, () => context.server.passkeys(signal)));
  } catch (error) {
    throw failureFromServer(error, signal, MANAGEMENT_FAILURES);
  }
  // A passkey removed elsewhere no longer unlocks here either: its wrap on this device goes.
  const listed = new Set(passkeys.map((p) => p.id));
  if (core.requireVault().passkeys.some((p) => !listed.has(p.credentialId))) await updateStoredVault(core, (vault) => keepingPasskeys(vault, (c) => listed.has(c)));
  const bindings = await (await core.accountLog.keeper()).bindPasskeys(passkeys);
  return passkeys.map((p, i) => describe(p, bindings[i]!));
}

export async function addPasskey(core: VaultCore, rawName: string, signal?: AbortSignal): Promise<PasskeyInfo> {
  const name = checkName(rawName);
  const context = sessionContextOf(core);
  const { server, passkeys } = context;
  let added: { passkey: PasskeySummaryT; stored: Omit<StoredPasskey, 'wrapPrfVersion'>; prfOutput: Uint8Array | null };
  try {
    const options = (await withPasskeySignIn(context, () => server.addPasskeyOptions(), signal)) as unknown as PublicKeyCredentialCreationOptionsJSON;
    const { response, prfOutput } = await passkeys.create(options, signal);
    try {
      // Bound before it is registered: the server acts only on passkeys the log holds.
      await core.accountLog.append([{ op: 'passkey.add', id: response.id, key: credentialPublicKey(response.response.attestationObject, response.id) }]);
      const { passkey } = await server.addPasskeyVerify(response, name);
      const stored = { credentialId: passkey.id, prfSalt: passkey.prfSalt, rpId: options.rp.id ?? globalThis.location.hostname, transports: response.response.transports ?? [] };
      added = { passkey, stored, prfOutput };
    } catch (error) {
      prfOutput?.fill(0);
      throw error;
    }
  } catch (error) {
    throw failureFromServer(error, signal, NAMING_FAILURES);
  }
  const bound = await bindOne(core, added.passkey);
  if (!added.prfOutput) return describe(added.passkey, bound, false);
  try {
    await storePrfWrap(core, added.stored, added.prfOutput);
    return describe(added.passkey, bound, true);
  } catch {
    // The passkey exists and signs in; it cannot open the vault until `enableUnlock` succeeds.
    return describe(added.passkey, bound, false);
  }
}

export async function enableUnlock(core: VaultCore, id: string, signal?: AbortSignal): Promise<PasskeyInfo> {
  const context = sessionContextOf(core);
  const { server } = context;
  let prfOutput: Uint8Array | null = null;
  try {
    const options = (await server.signInOptions(context.username)) as unknown as PublicKeyCredentialRequestOptionsJSON;
    const prf = (options.extensions as { prf?: { evalByCredential?: Record<string, unknown> } } | undefined)?.prf?.evalByCredential?.[id];
    const allowed = options.allowCredentials?.filter((c) => c.id === id) ?? [];
    if (!prf || allowed.length === 0) throw new VaultError('not_found');
    // Only that passkey may answer, and only its salt is evaluated.
    const ceremony = await context.passkeys.get({ ...options, allowCredentials: allowed, extensions: { prf: { evalByCredential: { [id]: prf } } } as never }, signal);
    prfOutput = ceremony.prfOutput;
    const { passkey } = await server.signInVerify(ceremony.response, context.deviceId);
    if (passkey.id !== id || !prfOutput) throw new VaultError('prf_unavailable');
    const stored = { credentialId: id, prfSalt: passkey.prfSalt, rpId: options.rpId ?? globalThis.location.hostname, transports: allowed[0]?.transports ?? [] };
    const output = prfOutput;
    prfOutput = null; // storePrfWrap wipes it
    await storePrfWrap(core, stored, output);
    return describe(passkey, await bindOne(core, passkey), true);
  } catch (error) {
    throw failureFromServer(error, signal, MANAGEMENT_FAILURES);
  } finally {
    prfOutput?.fill(0);
  }
}

export async function renamePasskey(core: VaultCore, id: string, rawName: string): Promise<void> {
  const name = checkName(rawName);
  const context = sessionContextOf(core);
  try {
    await withDeviceSession(context, () => context.server.renamePasskey(id, name));
  } catch (error) {
    throw failureFromServer(error, undefined, NAMING_FAILURES);
  }
}

/**
 * Removes the passkey on the server, then signs its removal into the account log. One the server no
 * longer knows (`not_found`: removed before, perhaps by a call whose log entry did not land) still
 * gets its removal signed when the log holds it, before `not_found` is thrown.
 */
export async function removePasskey(core: VaultCore, id: string, signal?: AbortSignal): Promise<void> {
  const context = sessionContextOf(core);
  let refused: unknown;
  try {
    await withPasskeySignIn(context, () => context.server.removePasskey(id), signal);
  } catch (error) {
    refused = failureFromServer(error, signal, MANAGEMENT_FAILURES);
    if (!(refused instanceof VaultError && refused.code === 'not_found')) throw refused;
  }
  await updateStoredVault(core, (vault) => keepingPasskeys(vault, (c) => c !== id));
  await core.accountLog.append([{ op: 'passkey.remove', id }]);
  if (refused) throw refused;
}

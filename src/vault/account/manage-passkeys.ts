/**
 * The account's passkeys as the vault manages them (`vault.passkeys`, loaded as a chunk of its
 * own). A passkey can open the vault when the server keeps a wrap_prf(S) for it: adding one with
 * PRF, or "enabling unlock" for one that has none (e.g. after lock everywhere rotated S), wraps
 * the current S under KEK_prf from its PRF output, uploads the wrap and keeps it on this device
 * too, so the passkey unlocks here offline. The PRF output is wiped as soon as the wrap is made.
 */
import type { PasskeySummaryT } from '../../../protocol/api';
import { PRF_OUTPUT_BYTES } from '../../../protocol/constants';
import type { VaultCore } from '../core';
import { addPrfWrap, type PrfWrap } from '../crypto';
import { KeyServerError, VaultError, failureFromServer } from '../errors';
import type { StoredPasskey, StoredVault } from '../platform/local-store';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '../platform/passkeys';
import { prfPasskeys } from '../unlock/prf-unlock';
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
}

const describe = (p: PasskeySummaryT, canUnlock = p.canUnlock): PasskeyInfo => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt, canUnlock });

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
  return passkeys.map((p) => describe(p));
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
  if (!added.prfOutput) return describe(added.passkey, false);
  try {
    await storePrfWrap(core, added.stored, added.prfOutput);
    return describe(added.passkey, true);
  } catch {
    // The passkey exists and signs in; it cannot open the vault until `enableUnlock` succeeds.
    return describe(added.passkey, false);
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
    return describe(passkey, true);
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

export async function removePasskey(core: VaultCore, id: string, signal?: AbortSignal): Promise<void> {
  const context = sessionContextOf(core);
  try {
    await withPasskeySignIn(context, () => context.server.removePasskey(id), signal);
  } catch (error) {
    throw failureFromServer(error, signal, MANAGEMENT_FAILURES);
  }
  await updateStoredVault(core, (vault) => keepingPasskeys(vault, (c) => c !== id));
}

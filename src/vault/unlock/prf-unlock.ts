/**
 * Local unlock with a PRF passkey (docs/architecture.md "Recovery routes", first route, used on the device):
 * the authenticator evaluates the PRF with the credential's salt, stored in the vault row, so
 * this works offline; KEK_prf = HKDF(PRF output) opens this device's wrap_prf(S).
 */
import { encodeBase64Url } from '../../../protocol/base64url';
import { CHALLENGE_TTL_MS, PRF_OUTPUT_BYTES } from '../../../protocol/constants';
import { unlockWithPrf, VaultCryptoError, type UnlockedVault } from '../crypto';
import type { StoredPasskey, StoredVault } from '../platform/local-store';
import type { PasskeyPort, PublicKeyCredentialRequestOptionsJSON } from '../platform/passkeys';
import { VaultError, rethrowIfAborted } from '../errors';

/** The passkeys of `vault` that have a PRF wrap of S on this device. */
export function prfPasskeys(vault: StoredVault): StoredPasskey[] {
  return vault.passkeys.filter((p) => vault.record.prf.some((wrap) => wrap.credentialId === p.credentialId));
}

/**
 * Options for a local assertion, made on the device. The challenge is random and nobody verifies
 * the signature: what unlocks is the PRF output, which only that authenticator can produce.
 */
export function localPrfRequestOptions(passkeys: readonly StoredPasskey[]): PublicKeyCredentialRequestOptionsJSON {
  return {
    challenge: encodeBase64Url(crypto.getRandomValues(new Uint8Array(32))),
    rpId: passkeys[0]?.rpId,
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, type: 'public-key', transports: [...p.transports] as never })),
    userVerification: 'required',
    timeout: CHALLENGE_TTL_MS,
    // base64url here like the server's options; the PasskeyPort turns the salts into bytes.
    extensions: { prf: { evalByCredential: Object.fromEntries(passkeys.map((p) => [p.credentialId, { first: p.prfSalt }])) } } as never,
  };
}

/** Returns the unlocked vault; throws `prf_unavailable`, `passkey_cancelled`, `passkey_failed`. The PRF output is wiped. */
export async function unlockWithPrfPasskey(vault: StoredVault, passkeys: PasskeyPort, signal?: AbortSignal): Promise<UnlockedVault> {
  const candidates = prfPasskeys(vault);
  if (candidates.length === 0) throw new VaultError('prf_unavailable');
  const { response, prfOutput } = await passkeys.get(localPrfRequestOptions(candidates), signal);
  try {
    if (prfOutput?.length !== PRF_OUTPUT_BYTES) throw new VaultError('prf_unavailable');
    return await unlockWithPrf(vault.record, { credentialId: response.id, prfOutput });
  } catch (error) {
    rethrowIfAborted(error, signal);
    if (error instanceof VaultCryptoError && error.code === 'prf_unlock_failed') throw new VaultError('prf_unavailable', undefined, { cause: error });
    throw error;
  } finally {
    prfOutput?.fill(0);
  }
}

/**
 * The WebAuthn ceremonies behind the passkey port (platform/passkeys.ts explains the PRF handling):
 * a chunk of its own, loaded at the first passkey prompt.
 */
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/browser';
import { encodeBase64Url } from '../../../protocol/base64url';
import { CHALLENGE_TTL_MS } from '../../../protocol/constants';
import { VaultError } from '../errors';
import type { CredentialsPort, PasskeyResult } from './passkeys';
import { asksForPrf, authenticationJSON, creationOptions, readPrfOutput, registrationJSON, requestOptions } from './webauthn-json';

const nameOf = (error: unknown): unknown => (error as { name?: unknown } | null)?.name;

/** NotAllowedError is WebAuthn's answer to "the user dismissed the prompt" and to a timeout (§5.1.3, §5.1.4.1). */
function failureFromCeremony(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  if (error instanceof VaultError) return error;
  const name = nameOf(error);
  if (name === 'NotAllowedError' || name === 'AbortError') return new VaultError('passkey_cancelled', undefined, { cause: error });
  return new VaultError('passkey_failed', undefined, { cause: error });
}

/**
 * Whether a failed `create()` may be the PRF extension's doing: a browser or authenticator that
 * does not support it answers NotSupportedError (§5.1.3 step 22's "not supported"), and some
 * browsers throw a TypeError naming the extension input they cannot read.
 */
function prfMayHaveCaused(error: unknown): boolean {
  const name = nameOf(error);
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  return name === 'NotSupportedError' || (name === 'TypeError' && /extension|prf/i.test(message));
}

function asPublicKeyCredential(credential: Credential | null): PublicKeyCredential {
  if (!credential || credential.type !== 'public-key') throw new VaultError('passkey_failed', 'The browser returned no passkey.');
  return credential as PublicKeyCredential;
}

/** The PRF output of `credential`, or null; wiped at once when the caller's signal aborted meanwhile. */
function prfOutputOf(credential: PublicKeyCredential, signal: AbortSignal | undefined): Uint8Array | null {
  const output = readPrfOutput(credential.getClientExtensionResults());
  if (signal?.aborted) {
    output?.fill(0);
    throw signal.reason;
  }
  return output;
}

/**
 * One `get()` for a credential just made, evaluating the salt its registration asked for. Same
 * user verification as every later unlock (required), as the authenticator's PRF differs with and
 * without it (CTAP2 hmac-secret keeps two secrets). A dismissed or failed prompt is no failure
 * of the registration: the passkey then just cannot open the vault. Returns the output or null.
 */
async function prfAfterRegistration(
  credentials: CredentialsPort,
  options: PublicKeyCredentialCreationOptionsJSON,
  registered: RegistrationResponseJSON,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | null> {
  const salt = (options.extensions as { prf?: { eval?: { first?: string } } }).prf?.eval?.first;
  if (!salt) return null;
  const followUp: PublicKeyCredentialRequestOptionsJSON = {
    // Nobody verifies this assertion: what matters is the PRF output only this authenticator makes.
    challenge: encodeBase64Url(crypto.getRandomValues(new Uint8Array(32))),
    ...(options.rp.id ? { rpId: options.rp.id } : {}),
    allowCredentials: [{ id: registered.id, type: 'public-key', ...(registered.response.transports ? { transports: registered.response.transports } : {}) }],
    userVerification: 'required',
    timeout: CHALLENGE_TTL_MS,
    extensions: { prf: { evalByCredential: { [registered.id]: { first: salt } } } } as never,
  };
  try {
    return prfOutputOf(asPublicKeyCredential(await credentials.get({ publicKey: requestOptions(followUp), ...(signal ? { signal } : {}) })), signal);
  } catch {
    if (signal?.aborted) throw signal.reason;
    return null; // cancelled, or no PRF here either: the caller says "cannot unlock"
  }
}

export async function register(credentials: CredentialsPort, optionsJSON: PublicKeyCredentialCreationOptionsJSON, signal: AbortSignal | undefined): Promise<PasskeyResult<RegistrationResponseJSON>> {
  signal?.throwIfAborted();
  const withSignal = signal ? { signal } : {};
  let credential: PublicKeyCredential;
  let triedWithoutPrf = false;
  try {
    credential = asPublicKeyCredential(await credentials.create({ publicKey: creationOptions(optionsJSON), ...withSignal }));
  } catch (error) {
    if (signal?.aborted || !asksForPrf(optionsJSON) || !prfMayHaveCaused(error)) throw failureFromCeremony(error, signal);
    triedWithoutPrf = true;
    try {
      credential = asPublicKeyCredential(await credentials.create({ publicKey: creationOptions(optionsJSON, { withoutPrf: true }), ...withSignal }));
    } catch (retryError) {
      throw failureFromCeremony(retryError, signal);
    }
  }
  const response = registrationJSON(credential);
  const prfOutput = prfOutputOf(credential, signal);
  if (prfOutput || triedWithoutPrf || !asksForPrf(optionsJSON)) return { response, prfOutput };
  // The browser took PRF at create() but gave no output: ask once more, at get().
  return { response, prfOutput: await prfAfterRegistration(credentials, optionsJSON, response, signal) };
}

export async function authenticate(credentials: CredentialsPort, optionsJSON: PublicKeyCredentialRequestOptionsJSON, signal: AbortSignal | undefined): Promise<PasskeyResult<AuthenticationResponseJSON>> {
  signal?.throwIfAborted();
  let credential: PublicKeyCredential;
  try {
    credential = asPublicKeyCredential(await credentials.get({ publicKey: requestOptions(optionsJSON), ...(signal ? { signal } : {}) }));
  } catch (error) {
    throw failureFromCeremony(error, signal);
  }
  return { response: authenticationJSON(credential), prfOutput: prfOutputOf(credential, signal) };
}


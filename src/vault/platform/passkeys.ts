/**
 * WebAuthn ceremonies for the vault, straight on `navigator.credentials`, with the PRF extension
 * (WebAuthn L3 §10.1.4) handled as browsers really deliver it:
 *
 * - the PRF output arrives in `getClientExtensionResults().prf.results.first`; it is taken out
 *   and handed to the caller apart from the response, which carries only `prf.enabled`, so nothing
 *   a caller sends to the server can hold it (docs/architecture.md "Recovery routes");
 * - some authenticators evaluate the PRF only at `get()`, not at `create()` (`prf.enabled` missing
 *   or false, or enabled without results): after such a registration one `get()` for the new
 *   credential evaluates the salt. Only if that gives nothing too is the passkey one that cannot
 *   open the vault, which the caller then says;
 * - a `create()` that fails in a way the PRF extension can cause (NotSupportedError, or a
 *   TypeError about extensions, from browsers that choke on it) is tried once more without PRF.
 *
 * Options and responses are converted by hand (webauthn-json.ts). The ceremonies are a chunk of
 * their own (passkey-ceremonies.ts), loaded at the first one: the lock screen's PIN unlock, the
 * common case, never needs them.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { VaultError } from '../errors';

export type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON };

export interface PasskeyResult<Response> {
  /** The response to send to the key server: it never holds the PRF output. */
  readonly response: Response;
  /** PRF `first` output (32 bytes), or null when the authenticator gave none. Never log or send it; wipe after use. */
  readonly prfOutput: Uint8Array | null;
}

/** What the vault needs from WebAuthn. Failures: `passkey_cancelled`, `passkey_failed`, or the signal's abort reason. */
export interface PasskeyPort {
  create(optionsJSON: PublicKeyCredentialCreationOptionsJSON, signal?: AbortSignal): Promise<PasskeyResult<RegistrationResponseJSON>>;
  get(optionsJSON: PublicKeyCredentialRequestOptionsJSON, signal?: AbortSignal): Promise<PasskeyResult<AuthenticationResponseJSON>>;
}

/** The two calls of `navigator.credentials` the port makes; injectable so tests can put an authenticator behind them. */
export interface CredentialsPort {
  create(options: CredentialCreationOptions): Promise<Credential | null>;
  get(options: CredentialRequestOptions): Promise<Credential | null>;
}

/** The browser's own, looked up at each ceremony (there is none in Node or a browser without WebAuthn). */
const browserCredentials: CredentialsPort = {
  create: (options) => credentialsContainer().create(options),
  get: (options) => credentialsContainer().get(options),
};

function credentialsContainer(): CredentialsContainer {
  const container = globalThis.navigator?.credentials;
  if (!container || typeof globalThis.PublicKeyCredential !== 'function') throw new VaultError('passkey_failed', 'This browser has no WebAuthn.');
  return container;
}

const loadCeremonies = () => import('./passkey-ceremonies');

/** The browser's passkeys (or `credentials`, in tests), with PRF. */
export function createBrowserPasskeys(credentials: CredentialsPort = browserCredentials): PasskeyPort {
  return {
    create: async (optionsJSON, signal) => (await loadCeremonies()).register(credentials, optionsJSON, signal),
    get: async (optionsJSON, signal) => (await loadCeremonies()).authenticate(credentials, optionsJSON, signal),
  };
}

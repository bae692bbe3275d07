/**
 * WebAuthn ceremonies for the vault, with the PRF extension (WebAuthn L3 §10.1.4) handled once:
 *
 * - the key server's options carry PRF salts as base64url strings (JSON), in
 *   `extensions.prf.eval.first` and `extensions.prf.evalByCredential[credentialId].first`; the
 *   browser wants BufferSource, so they are decoded here (@simplewebauthn/browser passes
 *   `extensions` through untouched);
 * - the PRF output arrives as an ArrayBuffer in `clientExtensionResults.prf.results.first`; it
 *   is taken out and the response is stripped (`withoutPrfOutput`) before the caller gets it,
 *   so nothing a caller sends to the server can carry it (docs/architecture.md "Recovery routes").
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser';
import { decodeBase64Url } from '../../../protocol/base64url';
import { withoutPrfOutput } from '../../../protocol/webauthn';
import { VaultError } from '../errors';

export type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON };

export interface PasskeyResult<Response> {
  /** The response to send to the key server: already stripped of the PRF output. */
  readonly response: Response;
  /** PRF `first` output (32 bytes), or null when the authenticator gave none. Never log or send it; wipe after use. */
  readonly prfOutput: Uint8Array | null;
}

/** What the vault needs from WebAuthn. Failures: `passkey_cancelled`, `passkey_failed`, or the signal's abort reason. */
export interface PasskeyPort {
  create(optionsJSON: PublicKeyCredentialCreationOptionsJSON, signal?: AbortSignal): Promise<PasskeyResult<RegistrationResponseJSON>>;
  get(optionsJSON: PublicKeyCredentialRequestOptionsJSON, signal?: AbortSignal): Promise<PasskeyResult<AuthenticationResponseJSON>>;
}

/** The @simplewebauthn/browser calls the port makes; injectable so tests can put an authenticator behind them. */
export interface WebAuthnCeremonies {
  readonly startRegistration: typeof startRegistration;
  readonly startAuthentication: typeof startAuthentication;
  /** Aborts the ceremony in progress (WebAuthnAbortService.cancelCeremony). */
  readonly cancelCeremony: () => void;
}

// @simplewebauthn/browser is a chunk of its own, loaded at the first ceremony: the locked
// screen's PIN unlock, the common case, never needs it.
let simpleWebAuthn: Promise<typeof import('@simplewebauthn/browser')> | undefined;
const loadSimpleWebAuthn = () => (simpleWebAuthn ??= import('@simplewebauthn/browser'));

const browserCeremonies: WebAuthnCeremonies = {
  startRegistration: async (options) => (await loadSimpleWebAuthn()).startRegistration(options),
  startAuthentication: async (options) => (await loadSimpleWebAuthn()).startAuthentication(options),
  // An abort while the module still loads: both wait on the same load, the start first, and
  // startRegistration/startAuthentication take their abort signal before their first `await`,
  // so the cancel that runs next still reaches the ceremony just started.
  cancelCeremony: () => void loadSimpleWebAuthn().then((module) => module.WebAuthnAbortService.cancelCeremony()),
};

type PrfValues = { first?: unknown; second?: unknown };

function saltBytes(value: unknown): unknown {
  return typeof value === 'string' ? decodeBase64Url(value) : value;
}

function valuesAsBytes(values: PrfValues | undefined): PrfValues | undefined {
  if (!values) return values;
  return values.second === undefined ? { ...values, first: saltBytes(values.first) } : { ...values, first: saltBytes(values.first), second: saltBytes(values.second) };
}

/** A copy of `options` whose PRF salts are bytes, as `navigator.credentials` requires. */
export function withPrfSaltsAsBytes<T extends { extensions?: object }>(options: T): T {
  const prf = (options.extensions as { prf?: { eval?: PrfValues; evalByCredential?: Record<string, PrfValues> } } | undefined)?.prf;
  if (!prf) return options;
  const converted: Record<string, unknown> = { ...prf };
  if (prf.eval) converted.eval = valuesAsBytes(prf.eval);
  if (prf.evalByCredential) {
    // Keys stay base64url credential ids (that is what the API takes); only the salts change.
    converted.evalByCredential = Object.fromEntries(Object.entries(prf.evalByCredential).map(([id, values]) => [id, valuesAsBytes(values)]));
  }
  return { ...options, extensions: { ...options.extensions, prf: converted } };
}

/** `clientExtensionResults.prf.results.first` as bytes (a view on the browser's buffer, not a copy), or null. */
export function readPrfOutput(clientExtensionResults: unknown): Uint8Array | null {
  const first = (clientExtensionResults as { prf?: { results?: { first?: unknown } } } | undefined)?.prf?.results?.first;
  if (first instanceof ArrayBuffer) return new Uint8Array(first);
  if (ArrayBuffer.isView(first)) return new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
  return null;
}

/** NotAllowedError is WebAuthn's answer to "the user dismissed the prompt" and to a timeout (§5.1.3, §5.1.4.1). */
function failureFromCeremony(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError' || name === 'AbortError') return new VaultError('passkey_cancelled', undefined, { cause: error });
  return new VaultError('passkey_failed', undefined, { cause: error });
}

async function runCeremony<Response extends { clientExtensionResults: object }>(
  ceremonies: WebAuthnCeremonies,
  start: () => Promise<Response>,
  signal: AbortSignal | undefined,
): Promise<PasskeyResult<Response>> {
  signal?.throwIfAborted();
  const onAbort = (): void => ceremonies.cancelCeremony();
  signal?.addEventListener('abort', onAbort, { once: true });
  let raw: Response;
  try {
    raw = await start();
  } catch (error) {
    throw failureFromCeremony(error, signal);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const prfOutput = readPrfOutput(raw.clientExtensionResults);
  if (signal?.aborted) {
    prfOutput?.fill(0);
    throw signal.reason;
  }
  return { response: withoutPrfOutput(raw), prfOutput };
}

/** The browser's passkeys through @simplewebauthn/browser (or `ceremonies`, in tests). */
export function createBrowserPasskeys(ceremonies: WebAuthnCeremonies = browserCeremonies): PasskeyPort {
  return {
    create: (optionsJSON, signal) =>
      runCeremony(ceremonies, () => ceremonies.startRegistration({ optionsJSON: withPrfSaltsAsBytes(optionsJSON) }), signal),
    get: (optionsJSON, signal) =>
      runCeremony(ceremonies, () => ceremonies.startAuthentication({ optionsJSON: withPrfSaltsAsBytes(optionsJSON) }), signal),
  };
}


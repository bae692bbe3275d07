/**
 * WebAuthn between the key server's JSON and `navigator.credentials`, written out by hand:
 *
 * - options: the server sends base64url strings (challenge, user id, credential ids, PRF salts);
 *   the browser wants bytes (WebAuthn L3 §5.4, §5.5, §10.1.4);
 * - responses: read field by field from the `PublicKeyCredential` and `getClientExtensionResults()`
 *   (§5.1), not with `toJSON()`, which older browsers and some password-manager extensions lack
 *   or implement wrongly; only what the server needs is sent, and of the extension outputs only
 *   booleans (`credProps.rk`, `prf.enabled`), so the PRF output can never be serialised into a
 *   request by accident.
 *
 * The PRF output itself is read here (`readPrfOutput`) and handed to the caller apart from the
 * response (platform/passkeys.ts).
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';

type PrfValues = { first?: unknown; second?: unknown };
type PrfInput = { eval?: PrfValues; evalByCredential?: Record<string, PrfValues> };

/** Bytes as `navigator.credentials` takes them (an ArrayBuffer-backed view). */
const bytes = (text: string): Uint8Array<ArrayBuffer> => decodeBase64Url(text) as Uint8Array<ArrayBuffer>;
const text = (buffer: ArrayBuffer | ArrayBufferView): string =>
  encodeBase64Url(buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));

function saltBytes(value: unknown): unknown {
  return typeof value === 'string' ? bytes(value) : value;
}

function valuesAsBytes(values: PrfValues | undefined): PrfValues | undefined {
  if (!values) return values;
  return values.second === undefined ? { ...values, first: saltBytes(values.first) } : { ...values, first: saltBytes(values.first), second: saltBytes(values.second) };
}

/** A copy of `options` whose PRF salts are bytes, as `navigator.credentials` requires. */
export function withPrfSaltsAsBytes<T extends { extensions?: object }>(options: T): T {
  const prf = (options.extensions as { prf?: PrfInput } | undefined)?.prf;
  if (!prf) return options;
  const converted: Record<string, unknown> = { ...prf };
  if (prf.eval) converted.eval = valuesAsBytes(prf.eval);
  if (prf.evalByCredential) {
    // Keys stay base64url credential ids (that is what the API takes); only the salts change.
    converted.evalByCredential = Object.fromEntries(Object.entries(prf.evalByCredential).map(([id, values]) => [id, valuesAsBytes(values)]));
  }
  return { ...options, extensions: { ...options.extensions, prf: converted } };
}

/**
 * The extensions to send: PRF only with a salt to evaluate. An empty `prf: {}` is never sent —
 * some browsers and authenticators refuse it or answer it with nothing — and `withoutPrf` leaves
 * PRF out altogether (the retry after a registration that PRF may have broken).
 */
function extensionsToSend(extensions: object | undefined, withoutPrf: boolean): AuthenticationExtensionsClientInputs | undefined {
  if (!extensions) return undefined;
  const { prf, ...others } = withPrfSaltsAsBytes({ extensions }).extensions as { prf?: PrfInput };
  const hasSalt = prf?.eval?.first !== undefined || Object.values(prf?.evalByCredential ?? {}).some((v) => v.first !== undefined);
  return (withoutPrf || !hasSalt ? others : { ...others, prf }) as AuthenticationExtensionsClientInputs;
}

/** True when the server's creation options ask the authenticator to evaluate a PRF salt. */
export function asksForPrf(options: PublicKeyCredentialCreationOptionsJSON): boolean {
  return (options.extensions as { prf?: PrfInput } | undefined)?.prf?.eval?.first !== undefined;
}

/** `navigator.credentials.create()` options from the server's JSON; `withoutPrf` drops the PRF extension. */
export function creationOptions(json: PublicKeyCredentialCreationOptionsJSON, { withoutPrf = false } = {}): PublicKeyCredentialCreationOptions {
  const { challenge, user, excludeCredentials, extensions, ...rest } = json;
  const extensionInputs = extensionsToSend(extensions, withoutPrf);
  return {
    ...rest,
    challenge: bytes(challenge),
    user: { ...user, id: bytes(user.id) },
    ...(excludeCredentials ? { excludeCredentials: excludeCredentials.map((c) => ({ type: 'public-key' as const, id: bytes(c.id), ...(c.transports ? { transports: c.transports as AuthenticatorTransport[] } : {}) })) } : {}),
    ...(extensionInputs ? { extensions: extensionInputs } : {}),
  };
}

/** `navigator.credentials.get()` options from the server's (or the vault's local) JSON. */
export function requestOptions(json: PublicKeyCredentialRequestOptionsJSON): PublicKeyCredentialRequestOptions {
  const { challenge, allowCredentials, extensions, ...rest } = json;
  const extensionInputs = extensionsToSend(extensions, false);
  return {
    ...rest,
    challenge: bytes(challenge),
    ...(allowCredentials ? { allowCredentials: allowCredentials.map((c) => ({ type: 'public-key' as const, id: bytes(c.id), ...(c.transports ? { transports: c.transports as AuthenticatorTransport[] } : {}) })) } : {}),
    ...(extensionInputs ? { extensions: extensionInputs } : {}),
  };
}

/** `clientExtensionResults.prf.results.first` as bytes (a view on the browser's buffer, not a copy), or null. */
export function readPrfOutput(clientExtensionResults: unknown): Uint8Array | null {
  const first = (clientExtensionResults as { prf?: { results?: { first?: unknown } } } | undefined)?.prf?.results?.first;
  if (first instanceof ArrayBuffer) return new Uint8Array(first);
  if (ArrayBuffer.isView(first)) return new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
  return null;
}

/** Whether a registration's extension results say PRF is enabled for the new credential (§10.1.4: `prf.enabled`). */
export function prfEnabled(clientExtensionResults: unknown): boolean {
  return (clientExtensionResults as { prf?: { enabled?: unknown } } | undefined)?.prf?.enabled === true;
}

/** The extension outputs the server may see: booleans only, never a PRF output or an unknown buffer. */
function extensionResultsJSON(results: unknown): Record<string, unknown> {
  const { credProps, prf } = (results ?? {}) as { credProps?: { rk?: unknown }; prf?: { enabled?: unknown } };
  return {
    ...(typeof credProps?.rk === 'boolean' ? { credProps: { rk: credProps.rk } } : {}),
    ...(typeof prf?.enabled === 'boolean' ? { prf: { enabled: prf.enabled } } : {}),
  };
}

const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

function attachmentOf(credential: PublicKeyCredential): { authenticatorAttachment?: 'platform' | 'cross-platform' } {
  const attachment = credential.authenticatorAttachment;
  return attachment === 'platform' || attachment === 'cross-platform' ? { authenticatorAttachment: attachment } : {};
}

/** Serialises a `create()` result (§5.2.1 AuthenticatorAttestationResponse) for the key server. */
export function registrationJSON(credential: PublicKeyCredential): RegistrationResponseJSON {
  const response = credential.response as AuthenticatorAttestationResponse;
  // getTransports() is L2; a browser without it, or one naming a transport the API does not know, sends none or the known ones.
  const transports = typeof response.getTransports === 'function' ? response.getTransports().filter((t) => TRANSPORTS.has(t)) : undefined;
  const id = text(credential.rawId);
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: text(response.clientDataJSON),
      attestationObject: text(response.attestationObject),
      ...(transports ? { transports } : {}),
    },
    ...attachmentOf(credential),
    clientExtensionResults: extensionResultsJSON(credential.getClientExtensionResults()),
  };
}

/** Serialises a `get()` result (§5.2.2 AuthenticatorAssertionResponse) for the key server. */
export function authenticationJSON(credential: PublicKeyCredential): AuthenticationResponseJSON {
  const response = credential.response as AuthenticatorAssertionResponse;
  const id = text(credential.rawId);
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: text(response.clientDataJSON),
      authenticatorData: text(response.authenticatorData),
      signature: text(response.signature),
      ...(response.userHandle && response.userHandle.byteLength > 0 ? { userHandle: text(response.userHandle) } : {}),
    },
    ...attachmentOf(credential),
    clientExtensionResults: extensionResultsJSON(credential.getClientExtensionResults()),
  };
}

/// <reference types="node" />
/**
 * TESTS ONLY. `navigator.credentials` as a browser offers it, answered by software authenticators
 * (soft-authenticator.ts: real P-256 keys, real signatures, real PRF): options arrive with bytes,
 * results leave as `PublicKeyCredential`-shaped objects with ArrayBuffers and
 * `getClientExtensionResults()`, so the vault's own conversion code (src/vault/platform/
 * webauthn-json.ts) runs in Node exactly as it does in a browser. Knobs say how the emulated
 * browser and authenticator behave: a dismissed prompt, no PRF, PRF only at get().
 */
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import type { CredentialsPort } from '../../src/vault/platform/passkeys';
import { ORIGIN } from './harness';
import type { SoftAuthenticator } from './soft-authenticator';

/** How the emulated browser answers the next ceremonies. */
export interface Ceremonies {
  /** The user dismisses the prompt (the browser's NotAllowedError). */
  cancel: boolean;
  /** Whether new credentials support PRF. */
  prf: boolean;
  /** What a PRF registration reports at create() (soft-authenticator.ts `prfAtCreate`). */
  prfAtCreate: 'results' | 'enabled-only' | 'none';
  /** A create() that asks for PRF fails with this (a browser that chokes on the extension). */
  createRefusesPrf: Error | null;
  /** The authenticator the user taps; a second one holds a second passkey of the account. */
  authenticator: SoftAuthenticator;
  /** Answers get() instead of `authenticator` when set: the phone that signs in (over hybrid) while a new key is registered. */
  signInWith: SoftAuthenticator | null;
  /** Every PRF output handed to the page, for the "never sent to the server" checks. */
  readonly prfOutputs: Uint8Array[];
  /** Whether each ceremony's PRF salts arrived as bytes, as navigator.credentials requires. */
  readonly saltsWereBytes: boolean[];
  /** Every ceremony, in order: which call, and whether its options asked for PRF. */
  readonly calls: Array<{ readonly kind: 'create' | 'get'; readonly prf: boolean }>;
}

export function newCeremonies(authenticator: SoftAuthenticator): Ceremonies {
  return { cancel: false, prf: true, prfAtCreate: 'results', createRefusesPrf: null, authenticator, signInWith: null, prfOutputs: [], saltsWereBytes: [], calls: [] };
}

type PrfInputs = { eval?: { first?: unknown }; evalByCredential?: Record<string, { first?: unknown }> };

const prfOf = (extensions: unknown) => (extensions as { prf?: PrfInputs } | undefined)?.prf;

function prfSaltsAreBytes(extensions: unknown): boolean {
  const prf = prfOf(extensions);
  const salts = [prf?.eval?.first, ...Object.values(prf?.evalByCredential ?? {}).map((v) => v.first)].filter((v) => v !== undefined);
  return salts.length > 0 && salts.every((salt) => salt instanceof Uint8Array);
}

const text = (source: BufferSource): string =>
  encodeBase64Url(source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength));
const buffer = (value: string): ArrayBuffer => decodeBase64Url(value).buffer as ArrayBuffer;

const domError = (name: string, message: string) => new DOMException(message, name);

/** The soft authenticator's refusals, as the browser reports them. */
function asBrowserError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const name = /InvalidStateError|NotAllowedError|NotSupportedError/.exec(message)?.[0];
  return name ? domError(name, message) : error;
}

/** The extension outputs as a browser returns them: the PRF output as an ArrayBuffer, recorded for the leak checks. */
function extensionResults(results: object, ceremonies: Ceremonies): AuthenticationExtensionsClientOutputs {
  const prf = (results as { prf?: { enabled?: boolean; results?: { first?: string } } }).prf;
  if (!prf?.results?.first) return results as AuthenticationExtensionsClientOutputs;
  const bytes = decodeBase64Url(prf.results.first);
  ceremonies.prfOutputs.push(bytes.slice());
  return { ...results, prf: { ...prf, results: { first: bytes.buffer } } } as AuthenticationExtensionsClientOutputs;
}

function registered(json: RegistrationResponseJSON, ceremonies: Ceremonies): Credential {
  const results = extensionResults(json.clientExtensionResults, ceremonies);
  return {
    id: json.id,
    type: 'public-key',
    rawId: buffer(json.rawId),
    authenticatorAttachment: json.authenticatorAttachment ?? null,
    response: {
      clientDataJSON: buffer(json.response.clientDataJSON),
      attestationObject: buffer(json.response.attestationObject),
      getTransports: () => json.response.transports ?? [],
    },
    getClientExtensionResults: () => results,
  } as unknown as Credential;
}

function asserted(json: AuthenticationResponseJSON, ceremonies: Ceremonies): Credential {
  const results = extensionResults(json.clientExtensionResults, ceremonies);
  return {
    id: json.id,
    type: 'public-key',
    rawId: buffer(json.rawId),
    authenticatorAttachment: json.authenticatorAttachment ?? null,
    response: {
      clientDataJSON: buffer(json.response.clientDataJSON),
      authenticatorData: buffer(json.response.authenticatorData),
      signature: buffer(json.response.signature),
      userHandle: json.response.userHandle ? buffer(json.response.userHandle) : null,
    },
    getClientExtensionResults: () => results,
  } as unknown as Credential;
}

/** `navigator.credentials` over `ceremonies.authenticator`, behaving as `ceremonies` says. */
export function softCredentials(ceremonies: Ceremonies): CredentialsPort {
  return {
    async create(options) {
      const publicKey = options.publicKey!;
      ceremonies.calls.push({ kind: 'create', prf: prfOf(publicKey.extensions) !== undefined });
      ceremonies.saltsWereBytes.push(prfSaltsAreBytes(publicKey.extensions));
      if (ceremonies.cancel) throw domError('NotAllowedError', 'The operation either timed out or was not allowed.');
      if (ceremonies.createRefusesPrf && prfOf(publicKey.extensions)) throw ceremonies.createRefusesPrf;
      const json = {
        ...publicKey,
        challenge: text(publicKey.challenge),
        user: { ...publicKey.user, id: text(publicKey.user.id) },
        excludeCredentials: publicKey.excludeCredentials?.map((c) => ({ ...c, id: text(c.id) })),
      } as unknown as PublicKeyCredentialCreationOptionsJSON;
      try {
        return registered(await ceremonies.authenticator.register(json, { origin: ORIGIN, prf: ceremonies.prf, prfAtCreate: ceremonies.prfAtCreate }), ceremonies);
      } catch (error) {
        throw asBrowserError(error);
      }
    },
    async get(options) {
      const publicKey = options.publicKey!;
      ceremonies.calls.push({ kind: 'get', prf: prfOf(publicKey.extensions) !== undefined });
      ceremonies.saltsWereBytes.push(prfSaltsAreBytes(publicKey.extensions));
      if (ceremonies.cancel) throw domError('NotAllowedError', 'The operation either timed out or was not allowed.');
      const json = {
        ...publicKey,
        challenge: text(publicKey.challenge),
        allowCredentials: publicKey.allowCredentials?.map((c) => ({ ...c, id: text(c.id) })),
      } as unknown as PublicKeyCredentialRequestOptionsJSON;
      try {
        return asserted(await (ceremonies.signInWith ?? ceremonies.authenticator).authenticate(json, { origin: ORIGIN }), ceremonies);
      } catch (error) {
        throw asBrowserError(error);
      }
    },
  };
}

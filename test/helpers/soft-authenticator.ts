/**
 * A software WebAuthn authenticator for API tests.
 *
 * Produces real attestation / assertion data (P-256 keys, ECDSA signatures, CBOR via the
 * helpers that @simplewebauthn/server ships), so the real `verifyRegistrationResponse` /
 * `verifyAuthenticationResponse` can be exercised end to end without mocking the verifier.
 *
 * Spec references are to WebAuthn Level 3 (https://www.w3.org/TR/webauthn-3/).
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomInt, sign, type KeyObject } from 'node:crypto';
import { cose, isoBase64URL, isoCBOR, isoUint8Array } from '@simplewebauthn/server/helpers';
import type {
  AuthenticationExtensionsClientOutputs,
  AuthenticationResponseJSON,
  Base64URLString,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

type Bytes = ReturnType<typeof isoBase64URL.toBuffer>;
type CBORValue = Parameters<typeof isoCBOR.encode>[0];

/** A PRF salt as it may appear in options: base64url in JSON options, or raw bytes. */
type PRFInput = Base64URLString | ArrayBuffer | ArrayBufferView;
type PRFValues = { first: PRFInput; second?: PRFInput };

/** Public view of a held credential. */
export interface SoftCredentialInfo {
  id: Base64URLString;
  rpId: string;
  /** base64url user.id given at registration (returned as `userHandle` in assertions). */
  userHandle: Base64URLString;
  signCount: number;
  /** Whether the credential was created with PRF (hmac-secret) support. */
  prf: boolean;
}

/** Portable form of a credential, e.g. to simulate a synced passkey on a second device. */
export interface SoftCredentialExport extends SoftCredentialInfo {
  /** PKCS#8 DER of the P-256 private key, base64url. */
  privateKey: Base64URLString;
  /** 32-byte PRF (CredRandom) secret, base64url; present iff `prf`. */
  prfSecret?: Base64URLString;
}

export interface RegisterContext {
  origin: string;
  /** Defaults to `options.rp.id`, then to the origin's hostname. */
  rpId?: string;
  /** Sets the UV flag. Default true. */
  userVerified?: boolean;
  /** The authenticator supports PRF (hmac-secret) for this credential. Default false. */
  prf?: boolean;
  /**
   * What a PRF credential's registration reports: the output of `eval` ('results', the default),
   * only `prf.enabled: true` ('enabled-only'), or nothing at all ('none'): authenticators that
   * evaluate the PRF only at get(), as several real ones do.
   */
  prfAtCreate?: 'results' | 'enabled-only' | 'none';
}

export interface AuthenticateContext {
  origin: string;
  /** Defaults to `options.rpId`, then to the origin's hostname. Used only for the rpIdHash. */
  rpId?: string;
  /** Default: first `allowCredentials` entry held here, else any held credential for the rpId
   *  (even when allowCredentials lists none held here, so tests can present a foreign credential). */
  credentialId?: Base64URLString;
  /** Sets the UV flag. Default true. */
  userVerified?: boolean;
  /** Corrupt the response after signing. */
  tamper?: 'signature' | 'clientData';
  /** Put this signCount in authenticatorData instead of incrementing (stored count is untouched). */
  counter?: number;
}

interface StoredCredential {
  id: Bytes;
  rpId: string;
  userHandle: Base64URLString;
  signCount: number;
  privateKey: KeyObject;
  prfSecret?: Bytes;
}

// §6.1 authenticator data: flag bits
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

const b64u = (bytes: Uint8Array): Base64URLString => isoBase64URL.fromBuffer(new Uint8Array(bytes));
const fromB64u = (s: Base64URLString): Bytes => isoBase64URL.toBuffer(s);
const sha256 = (data: Uint8Array): Bytes => new Uint8Array(createHash('sha256').update(data).digest());

function toBytes(v: PRFInput): Bytes {
  if (typeof v === 'string') return fromB64u(v);
  return v instanceof ArrayBuffer ? new Uint8Array(v.slice(0)) : new Uint8Array(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

/** §5.8.1 CollectedClientData, serialised as the client would (§5.8.1.1). */
function clientDataJSON(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Bytes {
  return isoUint8Array.fromUTF8String(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

/** §6.1 authenticator data: rpIdHash(32) || flags(1) || signCount(4, big-endian) || [attestedCredentialData]. */
function authenticatorData(rpId: string, flags: number, signCount: number, attested?: Bytes): Bytes {
  const head = new Uint8Array(37);
  head.set(sha256(isoUint8Array.fromUTF8String(rpId)), 0);
  head[32] = flags;
  new DataView(head.buffer).setUint32(33, signCount >>> 0, false);
  return attested ? isoUint8Array.concat([head, attested]) : head;
}

/** §6.5.1.2 / RFC 9053 §7.1.1: COSE_Key for an EC2 P-256 public key, alg ES256 (-7). */
function coseEC2PublicKey(privateKey: KeyObject): Bytes {
  const jwk = privateKey.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) throw new Error('SoftAuthenticator: not an EC key');
  const key = new Map<string | number, CBORValue>([
    [cose.COSEKEYS.kty, cose.COSEKTY.EC2],
    [cose.COSEKEYS.alg, cose.COSEALG.ES256],
    [cose.COSEKEYS.crv, cose.COSECRV.P256],
    [cose.COSEKEYS.x, fromB64u(jwk.x)],
    [cose.COSEKEYS.y, fromB64u(jwk.y)],
  ]);
  return isoCBOR.encode(key);
}

/** WebAuthn PRF (§10.1.4) over CTAP2 hmac-secret: HMAC-SHA-256(secret, SHA-256("WebAuthn PRF" || 0x00 || salt)). */
function prfEval(secret: Bytes, input: PRFInput): Base64URLString {
  const salt = sha256(isoUint8Array.concat([isoUint8Array.fromUTF8String('WebAuthn PRF'), new Uint8Array([0]), toBytes(input)]));
  return b64u(createHmac('sha256', secret).update(salt).digest());
}

function prfResults(secret: Bytes, values: PRFValues): { first: Base64URLString; second?: Base64URLString } {
  const out: { first: Base64URLString; second?: Base64URLString } = { first: prfEval(secret, values.first) };
  if (values.second !== undefined) out.second = prfEval(secret, values.second);
  return out;
}

/**
 * In-memory software authenticator holding P-256 credentials ("none" attestation, platform
 * attachment). Each instance is one "device"; use `exportCredential` / `importCredential` to
 * move a passkey between instances.
 */
export class SoftAuthenticator {
  readonly #creds = new Map<Base64URLString, StoredCredential>();

  /**
   * Create a credential (navigator.credentials.create + authenticatorMakeCredential) and return
   * the RegistrationResponseJSON the browser would send.
   * Throws if ES256 is not offered or an `excludeCredentials` entry is already held here.
   */
  async register(options: PublicKeyCredentialCreationOptionsJSON, ctx: RegisterContext): Promise<RegistrationResponseJSON> {
    const rpId = ctx.rpId ?? options.rp.id ?? new URL(ctx.origin).hostname;
    if (!options.pubKeyCredParams.some((p) => p.alg === cose.COSEALG.ES256)) {
      throw new Error('SoftAuthenticator: NotSupportedError (ES256 not in pubKeyCredParams)');
    }
    if (options.excludeCredentials?.some((c) => this.#creds.has(isoBase64URL.trimPadding(c.id)))) {
      throw new Error('SoftAuthenticator: InvalidStateError (excluded credential already registered)');
    }

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = new Uint8Array(randomBytes(randomInt(16, 33)));
    const cred: StoredCredential = { id, rpId, userHandle: options.user.id, signCount: 0, privateKey };
    if (ctx.prf) cred.prfSecret = new Uint8Array(randomBytes(32));
    this.#creds.set(b64u(id), cred);

    // §6.5.1 attested credential data: aaguid(16) || credentialIdLength(2, big-endian) || credentialId || credentialPublicKey
    const idLen = new Uint8Array(2);
    new DataView(idLen.buffer).setUint16(0, id.length, false);
    const attested = isoUint8Array.concat([new Uint8Array(16), idLen, id, coseEC2PublicKey(privateKey)]);
    const flags = FLAG_UP | (ctx.userVerified === false ? 0 : FLAG_UV) | FLAG_AT;
    const authData = authenticatorData(rpId, flags, 0, attested);

    // §6.5.4 attestation object, §8.7 "none" attestation statement format
    const attestationObject = isoCBOR.encode(
      new Map<string | number, CBORValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );

    const clientExtensionResults: AuthenticationExtensionsClientOutputs = {};
    const prfIn = options.extensions?.prf;
    const prfAtCreate = ctx.prfAtCreate ?? 'results';
    if (prfIn && cred.prfSecret && prfAtCreate !== 'none') {
      const evalValues = prfIn.eval as PRFValues | undefined;
      clientExtensionResults.prf = evalValues && prfAtCreate === 'results'
        ? ({ enabled: true, results: prfResults(cred.prfSecret, evalValues) } as unknown as AuthenticationExtensionsClientOutputs['prf'])
        : { enabled: true };
    }

    const credId = b64u(id);
    return {
      id: credId,
      rawId: credId,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults,
      response: {
        clientDataJSON: b64u(clientDataJSON('webauthn.create', options.challenge, ctx.origin)),
        attestationObject: b64u(attestationObject),
        authenticatorData: b64u(authData),
        transports: ['internal'],
        publicKeyAlgorithm: cose.COSEALG.ES256,
        publicKey: b64u(createPublicKey(privateKey).export({ format: 'der', type: 'spki' })),
      },
    };
  }

  /**
   * Produce an assertion (navigator.credentials.get + authenticatorGetAssertion) and return the
   * AuthenticationResponseJSON the browser would send. Increments the credential's signCount
   * unless `ctx.counter` is given. Credential lookup via `credentialId` / `allowCredentials` does
   * not filter on rpId, so tests can forge a mismatched rpIdHash with `ctx.rpId`.
   */
  async authenticate(options: PublicKeyCredentialRequestOptionsJSON, ctx: AuthenticateContext): Promise<AuthenticationResponseJSON> {
    const rpId = ctx.rpId ?? options.rpId ?? new URL(ctx.origin).hostname;
    const cred = this.#select(options, ctx, rpId);
    const credId = b64u(cred.id);

    const signCount = ctx.counter ?? ++cred.signCount;

    const flags = FLAG_UP | (ctx.userVerified === false ? 0 : FLAG_UV);
    const authData = authenticatorData(rpId, flags, signCount);
    let clientData = clientDataJSON('webauthn.get', options.challenge, ctx.origin);

    // §6.3.3 step 11: sign authenticatorData || SHA-256(clientDataJSON); ES256 signatures are
    // ASN.1 DER encoded (§6.5.5), which is node's default dsaEncoding.
    const signature = new Uint8Array(sign('sha256', isoUint8Array.concat([authData, sha256(clientData)]), cred.privateKey));

    if (ctx.tamper === 'signature') {
      signature[signature.length - 1] ^= 0x01; // last byte of `s`: DER stays well-formed
    } else if (ctx.tamper === 'clientData') {
      const parsed = JSON.parse(isoUint8Array.toUTF8String(clientData)) as Record<string, unknown>;
      clientData = isoUint8Array.fromUTF8String(JSON.stringify({ ...parsed, tampered: true }));
    }

    const clientExtensionResults: AuthenticationExtensionsClientOutputs = {};
    const prfIn = options.extensions?.prf;
    if (prfIn && cred.prfSecret) {
      const evalValues = (prfIn.evalByCredential?.[credId] ?? prfIn.eval) as PRFValues | undefined;
      if (evalValues) {
        clientExtensionResults.prf = { results: prfResults(cred.prfSecret, evalValues) } as unknown as AuthenticationExtensionsClientOutputs['prf'];
      }
    }

    return {
      id: credId,
      rawId: credId,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults,
      response: {
        clientDataJSON: b64u(clientData),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: cred.userHandle,
      },
    };
  }

  /** List held credentials. */
  credentials(): SoftCredentialInfo[] {
    return [...this.#creds.entries()].map(([id, c]) => ({
      id,
      rpId: c.rpId,
      userHandle: c.userHandle,
      signCount: c.signCount,
      prf: c.prfSecret !== undefined,
    }));
  }

  /** Export a credential including its private key and PRF secret (e.g. to "sync" it elsewhere). */
  exportCredential(id: Base64URLString): SoftCredentialExport {
    const c = this.#creds.get(id);
    if (!c) throw new Error(`SoftAuthenticator: unknown credential ${id}`);
    const out: SoftCredentialExport = {
      id,
      rpId: c.rpId,
      userHandle: c.userHandle,
      signCount: c.signCount,
      prf: c.prfSecret !== undefined,
      privateKey: b64u(c.privateKey.export({ format: 'der', type: 'pkcs8' })),
    };
    if (c.prfSecret) out.prfSecret = b64u(c.prfSecret);
    return out;
  }

  /** Import (or overwrite) a credential previously produced by `exportCredential`. */
  importCredential(c: SoftCredentialExport): void {
    const stored: StoredCredential = {
      id: fromB64u(c.id),
      rpId: c.rpId,
      userHandle: c.userHandle,
      signCount: c.signCount,
      privateKey: createPrivateKey({ key: Buffer.from(fromB64u(c.privateKey)), format: 'der', type: 'pkcs8' }),
    };
    if (c.prfSecret) stored.prfSecret = fromB64u(c.prfSecret);
    this.#creds.set(b64u(stored.id), stored);
  }

  #select(options: PublicKeyCredentialRequestOptionsJSON, ctx: AuthenticateContext, rpId: string): StoredCredential {
    if (ctx.credentialId !== undefined) {
      const c = this.#creds.get(ctx.credentialId);
      if (!c) throw new Error(`SoftAuthenticator: unknown credential ${ctx.credentialId}`);
      return c;
    }
    const allowed = options.allowCredentials ?? [];
    for (const d of allowed) {
      const c = this.#creds.get(isoBase64URL.trimPadding(d.id));
      if (c) return c;
    }
    for (const c of this.#creds.values()) if (c.rpId === rpId) return c;
    throw new Error('SoftAuthenticator: NotAllowedError (no matching credential)');
  }
}

import { webcrypto } from 'node:crypto';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { encodeBase64Url } from '../../protocol/base64url';
import { deviceSignInMessage } from '../../protocol/device-signin';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { SoftAuthenticator, type AuthenticateContext } from './soft-authenticator';
import { ApiClient, ORIGIN, type TestServer } from './harness';

/** A user with a browser (ApiClient) and a passkey (SoftAuthenticator), signed in after `createAccount`. */
export interface TestUser {
  username: string;
  userId: string;
  credentialId: string;
  client: ApiClient;
  authenticator: SoftAuthenticator;
}

/** Creates an account through the real registration ceremony; the client holds a passkey session. */
export async function createAccount(server: TestServer, username: string, opts: { prf?: boolean } = {}): Promise<TestUser> {
  const client = new ApiClient(server);
  const authenticator = new SoftAuthenticator();
  const options = await client.post('/api/passkeys/register/options', { username });
  if (options.status !== 200) throw new Error(`register/options ${options.status} ${JSON.stringify(options.body)}`);
  const response = await authenticator.register(options.body, { origin: ORIGIN, prf: opts.prf ?? true });
  const verified = await client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(response) });
  if (verified.status !== 200) throw new Error(`register/verify ${verified.status} ${JSON.stringify(verified.body)}`);
  return { username, userId: verified.body.session.userId, credentialId: verified.body.passkey.id, client, authenticator };
}

/** Signs in with the user's passkey through the real assertion ceremony, on the client's origin (its app). */
export async function signInWithPasskey(user: TestUser, client = user.client) {
  const options = await client.post('/api/passkeys/signin/options', { username: user.username });
  if (options.status !== 200) return options;
  const response = await user.authenticator.authenticate(options.body, { origin: client.origin });
  return client.post('/api/passkeys/signin/verify', { response: withoutPrfOutput(response) });
}

/** A device key pair as the app makes it (WebCrypto ECDSA P-256). */
export async function newDeviceKey() {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await webcrypto.subtle.exportKey('jwk', pair.publicKey);
  return { privateKey: pair.privateKey, publicKey: { kty: 'EC' as const, crv: 'P-256' as const, x: jwk.x!, y: jwk.y! } };
}

/** Signs a device challenge exactly as the app does. */
export async function signDeviceChallenge(privateKey: webcrypto.CryptoKey, challenge: string, origin = ORIGIN): Promise<string> {
  const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, deviceSignInMessage(origin, challenge));
  return encodeBase64Url(new Uint8Array(signature));
}

/** Registers a device under the user's passkey session (of the client's app) and returns its id and private key. */
export async function registerDevice(user: TestUser, name = 'Test phone', client = user.client) {
  const key = await newDeviceKey();
  const reply = await client.post('/api/devices', { name, publicKey: key.publicKey });
  if (reply.status !== 200) throw new Error(`devices ${reply.status} ${JSON.stringify(reply.body)}`);
  return { deviceId: reply.body.id as string, privateKey: key.privateKey };
}

/** Opens a device session on a fresh client (no passkey involved), signing the client's origin as its page would. */
export async function deviceSignIn(server: TestServer, deviceId: string, privateKey: webcrypto.CryptoKey, client = new ApiClient(server)) {
  const challenge = await client.post('/api/devices/challenge', { deviceId });
  if (challenge.status !== 200) return { client, reply: challenge };
  const signature = await signDeviceChallenge(privateKey, challenge.body.challenge, client.origin);
  const reply = await client.post('/api/devices/signin', { deviceId, challenge: challenge.body.challenge, signature });
  return { client, reply };
}

/** The user's whole audit log through the API, oldest first (follows `nextBefore` across pages). */
export async function readAuditLog(client: ApiClient): Promise<Array<{ seq: number; at: number; type: string; data: Record<string, unknown>; hash: string }>> {
  const events = [];
  for (let before: number | null | undefined; before !== null; ) {
    const page = await client.get(`/api/audit?limit=200${before ? `&before=${before}` : ''}`);
    if (page.status !== 200) throw new Error(`audit ${page.status} ${JSON.stringify(page.body)}`);
    events.push(...page.body.events);
    before = page.body.nextBefore;
  }
  return events.reverse();
}

/**
 * Asks for sign-in options as `username` and answers them with `authenticator`, passing the soft
 * authenticator's knobs (origin, rpId, tamper, counter, userVerified, credentialId). The response
 * is raw, PRF output included: send it with `verifySignIn`.
 */
export async function answerSignIn(client: ApiClient, username: string, authenticator: SoftAuthenticator, ctx: Partial<AuthenticateContext> = {}) {
  const options = await client.post('/api/passkeys/signin/options', { username });
  if (options.status !== 200) throw new Error(`signin/options ${options.status} ${JSON.stringify(options.body)}`);
  const response = await authenticator.authenticate(options.body, { origin: ORIGIN, ...ctx });
  return { options: options.body as PublicKeyCredentialRequestOptionsJSON, response };
}

/** Sends an assertion as the app does: PRF output stripped. */
export function verifySignIn(client: ApiClient, response: AuthenticationResponseJSON) {
  return client.post('/api/passkeys/signin/verify', { response: withoutPrfOutput(response) });
}

/** Adds a passkey held by `authenticator` (a new one by default) under the user's current session. */
export async function addPasskey(user: TestUser, passkeyName?: string, authenticator = new SoftAuthenticator()) {
  const options = await user.client.post('/api/passkeys/add/options');
  if (options.status !== 200) return { reply: options, authenticator };
  const response = await authenticator.register(options.body, { origin: ORIGIN, prf: true });
  const reply = await user.client.post('/api/passkeys/add/verify', { response: withoutPrfOutput(response), ...(passkeyName ? { passkeyName } : {}) });
  return { reply, authenticator };
}

/**
 * The same authenticator data (so the same credential) answering another registration challenge.
 * Possible without the private key because "none" attestation signs nothing (WebAuthn §8.7):
 * what a client replaying someone's credential id would send.
 */
export function reanswerRegistration(response: RegistrationResponseJSON, challenge: string, origin = ORIGIN): RegistrationResponseJSON {
  const clientData = JSON.stringify({ type: 'webauthn.create', challenge, origin, crossOrigin: false });
  return { ...response, response: { ...response.response, clientDataJSON: encodeBase64Url(new TextEncoder().encode(clientData)) } };
}

/** The user's audit events, newest first, read through the API with the user's session. */
export async function auditEvents(client: ApiClient): Promise<{ seq: number; at: number; type: string; data: Record<string, unknown> }[]> {
  return (await readAuditLog(client)).reverse();
}

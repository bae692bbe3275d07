import { describe, it, expect } from 'vitest';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationExtensionsClientInputs,
  type AuthenticationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { SoftAuthenticator } from './soft-authenticator.js';

const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:8080';

/**
 * PRF inputs as they travel in JSON options (base64url). @simplewebauthn/server v14 types
 * `prf.eval.first` as a DOM BufferSource, hence the cast.
 */
function prfEvalJSON(first: string, second?: string): AuthenticationExtensionsClientInputs {
  return { prf: { eval: second === undefined ? { first } : { first, second } } } as unknown as AuthenticationExtensionsClientInputs;
}

function prfFirst(response: AuthenticationResponseJSON): string | undefined {
  return response.clientExtensionResults.prf?.results?.first as unknown as string | undefined;
}

async function registerCredential(auth: SoftAuthenticator, opts: { prf?: boolean } = {}): Promise<WebAuthnCredential> {
  const options = await generateRegistrationOptions({
    rpName: 'Keyhold test',
    rpID: RP_ID,
    userName: 'alice',
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    extensions: { prf: {} },
  });
  const response = await auth.register(options, { origin: ORIGIN, prf: opts.prf ?? false });
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: true,
  });
  expect(verification.verified).toBe(true);
  return verification.registrationInfo!.credential;
}

async function signIn(
  auth: SoftAuthenticator,
  credential: WebAuthnCredential,
  ctx: Partial<Parameters<SoftAuthenticator['authenticate']>[1]> = {},
  extensions?: AuthenticationExtensionsClientInputs,
) {
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    allowCredentials: [{ id: credential.id }],
    userVerification: 'required',
    ...(extensions ? { extensions } : {}),
  });
  const response = await auth.authenticate(options, { origin: ORIGIN, ...ctx });
  return { options, response };
}

function verifyAssertion(credential: WebAuthnCredential, challenge: string, response: AuthenticationResponseJSON) {
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification: true,
  });
}

describe('SoftAuthenticator registration', () => {
  it('produces a "none" attestation that the real verifier accepts, yielding an ES256 public key', async () => {
    const auth = new SoftAuthenticator();
    const options = await generateRegistrationOptions({ rpName: 'Keyhold test', rpID: RP_ID, userName: 'alice' });
    const response = await auth.register(options, { origin: ORIGIN });

    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: true,
    });

    expect(verification.verified).toBe(true);
    const info = verification.registrationInfo!;
    expect(info.fmt).toBe('none');
    expect(info.aaguid).toBe('00000000-0000-0000-0000-000000000000');
    expect(info.userVerified).toBe(true);
    expect(info.credential.id).toBe(response.id);
    expect(info.credential.counter).toBe(0);
    expect(info.credential.publicKey.length).toBeGreaterThan(64);
    expect(info.credential.transports).toEqual(['internal']);
    expect(response.authenticatorAttachment).toBe('platform');
    expect(response.clientExtensionResults).toEqual({});
    expect(auth.credentials()).toEqual([
      { id: response.id, rpId: RP_ID, userHandle: options.user.id, signCount: 0, prf: false },
    ]);
  });

  it('refuses a registration made for a different RP ID', async () => {
    const auth = new SoftAuthenticator();
    const options = await generateRegistrationOptions({ rpName: 'Keyhold test', rpID: RP_ID, userName: 'alice' });
    const response = await auth.register(options, { origin: ORIGIN, rpId: 'evil.example' });
    await expect(
      verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID }),
    ).rejects.toThrow(/RP ID/);
  });

  it('refuses a registration without user verification when UV is required', async () => {
    const auth = new SoftAuthenticator();
    const options = await generateRegistrationOptions({ rpName: 'Keyhold test', rpID: RP_ID, userName: 'alice' });
    const response = await auth.register(options, { origin: ORIGIN, userVerified: false });
    await expect(
      verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        requireUserVerification: true,
      }),
    ).rejects.toThrow(/verif/);
  });

  it('will not create a second credential when an excluded credential is already held', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);
    const options = await generateRegistrationOptions({
      rpName: 'Keyhold test',
      rpID: RP_ID,
      userName: 'alice',
      excludeCredentials: [{ id: credential.id }],
    });
    await expect(auth.register(options, { origin: ORIGIN })).rejects.toThrow(/InvalidStateError/);
  });
});

describe('SoftAuthenticator authentication', () => {
  it('produces assertions the real verifier accepts, with the counter going 1 then 2', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);

    const first = await signIn(auth, credential);
    const v1 = await verifyAssertion(credential, first.options.challenge, first.response);
    expect(v1.verified).toBe(true);
    expect(v1.authenticationInfo.newCounter).toBe(1);
    expect(v1.authenticationInfo.userVerified).toBe(true);
    credential.counter = v1.authenticationInfo.newCounter;

    const second = await signIn(auth, credential);
    const v2 = await verifyAssertion(credential, second.options.challenge, second.response);
    expect(v2.verified).toBe(true);
    expect(v2.authenticationInfo.newCounter).toBe(2);
    expect(auth.credentials()[0]!.signCount).toBe(2);
  });

  it('returns the registration user id as userHandle and finds a discoverable credential without allowCredentials', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);
    const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' });
    const response = await auth.authenticate(options, { origin: ORIGIN });

    expect(response.id).toBe(credential.id);
    expect(response.response.userHandle).toBe(auth.credentials()[0]!.userHandle);
    expect((await verifyAssertion(credential, options.challenge, response)).verified).toBe(true);
  });

  it('refuses an assertion whose signature was tampered with', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);
    const { options, response } = await signIn(auth, credential, { tamper: 'signature' });
    await expect(verifyAssertion(credential, options.challenge, response)).resolves.toMatchObject({ verified: false });
  });

  it('refuses an assertion whose clientDataJSON was altered after signing', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);
    const { options, response } = await signIn(auth, credential, { tamper: 'clientData' });
    await expect(verifyAssertion(credential, options.challenge, response)).resolves.toMatchObject({ verified: false });
  });

  it('refuses an assertion made on a different origin', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);
    const { options, response } = await signIn(auth, credential, { origin: 'https://phish.example' });
    await expect(verifyAssertion(credential, options.challenge, response)).rejects.toThrow(/origin/);
  });

  it('refuses an assertion scoped to a different RP ID', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);
    const { options, response } = await signIn(auth, credential, { rpId: 'evil.example' });
    await expect(verifyAssertion(credential, options.challenge, response)).rejects.toThrow(/RP ID/);
  });

  it('refuses an assertion that answers a different challenge', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);
    const { response } = await signIn(auth, credential);
    const other = await generateAuthenticationOptions({ rpID: RP_ID });
    await expect(verifyAssertion(credential, other.challenge, response)).rejects.toThrow(/challenge/);
  });

  it('refuses an assertion without user verification when UV is required', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);
    const { options, response } = await signIn(auth, credential, { userVerified: false });
    await expect(verifyAssertion(credential, options.challenge, response)).rejects.toThrow(/user could not be verified/);
  });

  it('refuses an assertion whose signCount went backwards', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth);
    credential.counter = 5;
    const { options, response } = await signIn(auth, credential, { counter: 3 });
    await expect(verifyAssertion(credential, options.challenge, response)).rejects.toThrow(/counter/);
  });

  it('lets an exported credential sign in from a second device (synced passkey)', async () => {
    const phone = new SoftAuthenticator();
    const credential = await registerCredential(phone, { prf: true });
    const laptop = new SoftAuthenticator();
    laptop.importCredential(phone.exportCredential(credential.id));

    const salt = isoBase64URL.fromUTF8String('vault-key-v1');
    const a = await signIn(phone, credential, {}, prfEvalJSON(salt));
    const b = await signIn(laptop, credential, {}, prfEvalJSON(salt));
    expect((await verifyAssertion(credential, b.options.challenge, b.response)).verified).toBe(true);
    expect(prfFirst(b.response)).toBe(prfFirst(a.response));
  });
});

describe('SoftAuthenticator PRF extension', () => {
  const saltA = isoBase64URL.fromUTF8String('salt-A');
  const saltB = isoBase64URL.fromUTF8String('salt-B');

  it('reports prf.enabled at registration when the authenticator supports PRF', async () => {
    const auth = new SoftAuthenticator();
    const options = await generateRegistrationOptions({ rpName: 'Keyhold test', rpID: RP_ID, userName: 'alice', extensions: { prf: {} } });
    const response = await auth.register(options, { origin: ORIGIN, prf: true });
    expect(response.clientExtensionResults.prf).toEqual({ enabled: true });
  });

  it('returns the same 32-byte output for the same salt on the same credential', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth, { prf: true });
    const one = prfFirst((await signIn(auth, credential, {}, prfEvalJSON(saltA))).response);
    const two = prfFirst((await signIn(auth, credential, {}, prfEvalJSON(saltA))).response);
    expect(one).toBeDefined();
    expect(isoBase64URL.toBuffer(one!)).toHaveLength(32);
    expect(two).toBe(one);
  });

  it('treats a raw-bytes salt the same as its base64url form', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth, { prf: true });
    const asJSON = prfFirst((await signIn(auth, credential, {}, prfEvalJSON(saltA))).response);
    const asBytes = prfFirst((await signIn(auth, credential, {}, { prf: { eval: { first: isoBase64URL.toBuffer(saltA) } } })).response);
    expect(asBytes).toBe(asJSON);
  });

  it('returns different outputs for different salts, including the optional second salt', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth, { prf: true });
    const { response } = await signIn(auth, credential, {}, prfEvalJSON(saltA, saltB));
    const results = response.clientExtensionResults.prf!.results! as unknown as { first: string; second: string };
    expect(results.second).toBeDefined();
    expect(results.second).not.toBe(results.first);
    expect(prfFirst((await signIn(auth, credential, {}, prfEvalJSON(saltB))).response)).toBe(results.second);
  });

  it('returns different outputs for the same salt on different credentials', async () => {
    const auth = new SoftAuthenticator();
    const c1 = await registerCredential(auth, { prf: true });
    const c2 = await registerCredential(auth, { prf: true });
    const o1 = prfFirst((await signIn(auth, c1, {}, prfEvalJSON(saltA))).response);
    const o2 = prfFirst((await signIn(auth, c2, {}, prfEvalJSON(saltA))).response);
    expect(o1).toBeDefined();
    expect(o2).toBeDefined();
    expect(o1).not.toBe(o2);
  });

  it('prefers evalByCredential over eval for the credential being used', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth, { prf: true });
    const viaEval = prfFirst((await signIn(auth, credential, {}, prfEvalJSON(saltB))).response);
    const byCred = {
      prf: { eval: { first: saltA }, evalByCredential: { [credential.id]: { first: saltB } } },
    } as unknown as AuthenticationExtensionsClientInputs;
    expect(prfFirst((await signIn(auth, credential, {}, byCred)).response)).toBe(viaEval);
  });

  it('returns no PRF results for a credential registered without PRF', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registerCredential(auth, { prf: false });
    const { options, response } = await signIn(auth, credential, {}, prfEvalJSON(saltA));
    expect(response.clientExtensionResults.prf).toBeUndefined();
    expect((await verifyAssertion(credential, options.challenge, response)).verified).toBe(true);
  });
});

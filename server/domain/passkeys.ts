import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeBase64Url, encodeBase64Url } from '../../protocol/base64url';
import { CHALLENGE_TTL_MS, PRF_SALT_BYTES } from '../../protocol/constants';
import { KeyholdError } from '../errors';
import { appendAuditEvent } from '../store/audit';
import { advanceCounter, findCredential, findUserByName, insertCredential, insertUser, listCredentials, type CredentialRow } from '../store/accounts';
import { consumeChallenge, saveChallenge } from '../store/challenges';
import { inTransaction, isUniqueViolation, type Store } from '../store/store';
import { insertLogHead } from '../store/account-log';
import { unloggedHead } from './account-log-head';
import { inUserTransaction } from './user-transaction';
import type { Pepper } from './pepper';

/** The relying party as configured: WebAuthn checks every response against these. */
export interface RelyingParty {
  /** One RP ID for the whole ecosystem of apps. */
  id: string;
  name: string;
  /** The origins of the app whose request runs the ceremony: its client data must name one of them. */
  origins: string[];
}

// ES256 everywhere passkeys exist; RS256 for Windows Hello.
const ALGORITHMS = [-7, -257];

/** Reads the challenge a response claims to answer, so it can be looked up and consumed. */
export function challengeOf(response: { response: { clientDataJSON: string } }): string {
  try {
    const clientData = JSON.parse(new TextDecoder().decode(decodeBase64Url(response.response.clientDataJSON))) as { challenge?: unknown };
    if (typeof clientData.challenge === 'string' && clientData.challenge.length > 0) return clientData.challenge;
  } catch {
    // fall through
  }
  throw new KeyholdError('webauthn_failed', 'The passkey response is unreadable.');
}

const newPrfSalt = () => encodeBase64Url(randomBytes(PRF_SALT_BYTES));

/** Registration options for a new account or an added passkey; the PRF salt is issued now and kept with the challenge. */
export async function startRegistration(
  store: Store,
  rp: RelyingParty,
  who: { userId: string; username: string; existing: CredentialRow[] },
  purpose: 'register' | 'add_passkey',
  now: number,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const prfSalt = newPrfSalt();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: who.username,
    userID: decodeBase64Url(who.userId) as Uint8Array<ArrayBuffer>,
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
    excludeCredentials: who.existing.map((c) => ({ id: c.id, transports: JSON.parse(c.transports) as string[] })),
    timeout: CHALLENGE_TTL_MS,
    // The browser takes salts as bytes; this JSON carries base64url that the app converts.
    extensions: { prf: { eval: { first: prfSalt } } } as never,
  });
  await saveChallenge(store, {
    challenge: options.challenge,
    purpose,
    userId: purpose === 'add_passkey' ? who.userId : null,
    data: JSON.stringify({ userId: who.userId, username: who.username, prfSalt }),
    expiresAt: now + CHALLENGE_TTL_MS,
  });
  return options;
}

/**
 * Verifies a registration response against its single-use challenge and stores the credential
 * (and, for `register`, the new account). Returns the stored credential.
 */
export async function finishRegistration(
  store: Store,
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  purpose: 'register' | 'add_passkey',
  ctx: { passkeyName: string | undefined; sessionUserId?: string; now: number; pepper: Pepper },
): Promise<{ userId: string; username: string; credential: CredentialRow }> {
  const issued = await consumeChallenge(store, challengeOf(response), purpose, ctx.now);
  const pending = JSON.parse(issued.data) as { userId: string; username: string; prfSalt: string };
  if (purpose === 'add_passkey' && issued.userId !== ctx.sessionUserId) {
    throw new KeyholdError('challenge_invalid', 'The challenge belongs to another session.');
  }
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: issued.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch (error) {
    throw new KeyholdError('webauthn_failed', 'The passkey could not be verified.', {}, { cause: error });
  }
  if (!verified.verified) throw new KeyholdError('webauthn_failed', 'The passkey could not be verified.');
  const info = verified.registrationInfo;
  const credential: CredentialRow = {
    id: info.credential.id,
    user_id: pending.userId,
    public_key: encodeBase64Url(info.credential.publicKey),
    counter: info.credential.counter,
    transports: JSON.stringify(info.credential.transports ?? []),
    device_type: info.credentialDeviceType,
    backed_up: info.credentialBackedUp ? 1 : 0,
    prf_salt: pending.prfSalt,
    prf_enabled: (response.clientExtensionResults as { prf?: { enabled?: boolean } }).prf?.enabled ? 1 : 0,
    name: ctx.passkeyName ?? 'Passkey',
    created_at: ctx.now,
    last_used_at: null,
  };
  try {
    const storeCredential = async (tx: Store) => {
      await insertCredential(tx, credential);
      await appendAuditEvent(tx, pending.userId, 'passkey.added', { credentialId: credential.id, prf: credential.prf_enabled === 1 }, ctx.now);
    };
    if (purpose === 'register') {
      await inTransaction(store, async (tx) => {
        await insertUser(tx, { id: pending.userId, username: pending.username, created_at: ctx.now });
        // Every account has a sealed log head from its first moment: `unlogged` until the app appends its genesis.
        await insertLogHead(tx, unloggedHead(ctx.pepper, pending.userId, ctx.now));
        await appendAuditEvent(tx, pending.userId, 'account.created', { username: pending.username }, ctx.now);
        await storeCredential(tx);
      });
    } else {
      await inUserTransaction(store, pending.userId, storeCredential);
    }
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // The conflict is the username or the credential id; only the first means "pick another name".
    throw purpose === 'register' && !(await findCredential(store, credential.id))
      ? new KeyholdError('username_taken', 'That username is taken.')
      : new KeyholdError('webauthn_failed', 'This passkey is already registered.');
  }
  return { userId: pending.userId, username: pending.username, credential };
}

/**
 * Sign-in options for a username. An unknown username gets options shaped exactly like a real
 * one's (a credential id and PRF salt derived from the pepper), so this endpoint does not tell
 * who has an account.
 */
export async function startSignIn(store: Store, rp: RelyingParty, pepper: Pepper, username: string, now: number): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const user = await findUserByName(store, username);
  const credentials = user
    ? (await listCredentials(store, user.id)).map((c) => ({ id: c.id, transports: JSON.parse(c.transports) as string[], prfSalt: c.prf_salt }))
    : [
        {
          id: encodeBase64Url(pepper.derive('decoy-credential-id', username).subarray(0, 16)),
          transports: ['internal', 'hybrid'],
          prfSalt: encodeBase64Url(pepper.derive('decoy-prf-salt', username)),
        },
      ];
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    allowCredentials: credentials.map(({ id, transports }) => ({ id, transports })),
    userVerification: 'required',
    timeout: CHALLENGE_TTL_MS,
    extensions: { prf: { evalByCredential: Object.fromEntries(credentials.map((c) => [c.id, { first: c.prfSalt }])) } } as never,
  });
  await saveChallenge(store, {
    challenge: options.challenge,
    purpose: 'authenticate',
    userId: user?.id ?? null,
    data: JSON.stringify({ username }),
    expiresAt: now + CHALLENGE_TTL_MS,
  });
  return options;
}

/**
 * Verifies an assertion: single-use challenge, credential of the challenged user, signature, user
 * verification and a sign counter that only moves forward. Every failure that can be pinned to a
 * user goes into that user's audit chain.
 */
export async function finishSignIn(
  store: Store,
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  ctx: { now: number; address: string; onUser?: (userId: string) => Promise<void> },
): Promise<{ userId: string; credential: CredentialRow }> {
  const credential = await findCredential(store, response.id);
  let issued;
  try {
    issued = await consumeChallenge(store, challengeOf(response), 'authenticate', ctx.now);
  } catch (error) {
    // An expired or replayed challenge for a known credential is worth a line in its owner's log.
    if (credential && error instanceof KeyholdError) {
      await inUserTransaction(store, credential.user_id, (tx) => appendAuditEvent(tx, credential.user_id, 'challenge.failure', { reason: error.code, address: ctx.address }, ctx.now));
    }
    throw error;
  }
  if (!credential || !issued.userId || credential.user_id !== issued.userId) {
    if (issued.userId) await recordFailure(store, issued.userId, 'unknown_credential', ctx);
    throw new KeyholdError('signin_failed', 'Sign-in failed.');
  }
  await ctx.onUser?.(credential.user_id);
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: issued.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: true,
      // The counter is checked below, after the signature, so a forged response cannot pass as a
      // "cloned authenticator" warning in the user's audit log.
      credential: { id: credential.id, publicKey: decodeBase64Url(credential.public_key) as Uint8Array<ArrayBuffer>, counter: 0, transports: JSON.parse(credential.transports) },
    });
  } catch (error) {
    await recordFailure(store, credential.user_id, 'verification_failed', ctx);
    throw new KeyholdError('webauthn_failed', 'The passkey could not be verified.', {}, { cause: error });
  }
  if (!result.verified) {
    await recordFailure(store, credential.user_id, 'bad_signature', ctx);
    throw new KeyholdError('signin_failed', 'Sign-in failed.');
  }
  const next = result.authenticationInfo.newCounter;
  // WebAuthn §6.1.1: a counter that does not increase (unless both are 0) signals a cloned authenticator.
  const counterless = next === 0 && credential.counter === 0;
  if (!counterless && (next <= credential.counter || !(await advanceCounter(store, credential.id, credential.counter, next, ctx.now)))) {
    await recordFailure(store, credential.user_id, 'counter_regression', ctx);
    throw new KeyholdError('counter_regression', 'This passkey reported an old sign counter; it may have been copied.');
  }
  if (counterless) await advanceCounter(store, credential.id, 0, 0, ctx.now);
  return { userId: credential.user_id, credential };
}

async function recordFailure(store: Store, userId: string, reason: string, ctx: { now: number; address: string }): Promise<void> {
  await inUserTransaction(store, userId, (tx) => appendAuditEvent(tx, userId, 'signin.passkey.failure', { reason, address: ctx.address }, ctx.now));
}

import { randomBytes, type webcrypto } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { decodeAttestationObject, isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  EMPTY_LOG_STATE,
  applyLogEntries,
  deviceKeyToLogKey,
  logEntrySigningBytes,
  type AccountLogState,
  type LogChange,
  type LogEntry,
} from '../../protocol/account-log';
import { encodeBase64Url } from '../../protocol/base64url';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { newDeviceKey, type TestUser } from './accounts';
import { ApiClient, ORIGIN, type ApiReply, type TestServer } from './harness';
import { SoftAuthenticator } from './soft-authenticator';

/**
 * The client half of the signed account log for API tests: an Ed25519 identity key (noble, where
 * the app uses WebCrypto: the signatures are the same, protocol/account-log.test.ts), the state the
 * log has reached, and entries signed on top of it. Only what the app would send.
 */
export class LogSigner {
  state: AccountLogState = EMPTY_LOG_STATE;
  #seed: Uint8Array;

  constructor(
    readonly userId: string,
    seed: Uint8Array = randomBytes(32),
  ) {
    this.#seed = seed;
  }

  get identityKey(): string {
    return encodeBase64Url(ed25519.getPublicKey(this.#seed));
  }

  /** The next entry on top of `state` (the genesis when the log is empty), signed; `rotateTo` rotates the identity key too. */
  sign(changes: LogChange[], opts: { rotateTo?: Uint8Array; at?: number; seed?: Uint8Array } = {}): LogEntry {
    const all: LogChange[] = this.state.seq === 0 ? [{ op: 'identity', key: this.identityKey }, ...changes] : changes;
    if (opts.rotateTo) all.unshift({ op: 'identity', key: encodeBase64Url(ed25519.getPublicKey(opts.rotateTo)) });
    const unsigned = { seq: this.state.seq + 1, prev: this.state.head, at: opts.at ?? Date.now(), changes: all };
    const bytes = logEntrySigningBytes(this.userId, unsigned);
    return {
      ...unsigned,
      sig: encodeBase64Url(ed25519.sign(bytes, opts.seed ?? this.#seed)),
      ...(opts.rotateTo ? { newKeySig: encodeBase64Url(ed25519.sign(bytes, opts.rotateTo)) } : {}),
    };
  }

  /** Moves `state` past entries the server accepted (and to the new key after a rotation). */
  accept(entries: LogEntry[], rotatedTo?: Uint8Array): void {
    this.state = applyLogEntries(this.userId, this.state, entries);
    if (rotatedTo) this.#seed = rotatedTo;
  }

  /** Signs `changes` and appends them with `client`'s session; on 200 the state moves on. */
  async append(client: ApiClient, changes: LogChange[], opts: { rotateTo?: Uint8Array } = {}): Promise<ApiReply> {
    const entry = this.sign(changes, opts);
    const reply = await client.post('/api/account/log', { entries: [entry] });
    if (reply.status === 200) this.accept([entry], opts.rotateTo);
    return reply;
  }
}

/** `device.add` of a device JWK, as the app signs it. */
export const deviceAdd = (publicKey: { x: string; y: string }): LogChange => ({ op: 'device.add', key: deviceKeyToLogKey(publicKey), app: 'keyhold' });
export const deviceRemove = (publicKey: { x: string; y: string }): LogChange => ({ op: 'device.remove', key: deviceKeyToLogKey(publicKey) });

/** The COSE public key a registration response carries (from its own attestation object, never the server's echo). */
export function coseKeyOf(response: RegistrationResponseJSON): string {
  const attestation = decodeAttestationObject(isoBase64URL.toBuffer(response.response.attestationObject));
  const { credentialPublicKey } = parseAuthenticatorData(attestation.get('authData'));
  if (!credentialPublicKey) throw new Error('no credential public key in the attestation');
  return encodeBase64Url(credentialPublicKey);
}

export interface LoggedUser extends TestUser {
  signer: LogSigner;
  coseKey: string;
  device: { deviceId: string; privateKey: webcrypto.CryptoKey; publicKey: { kty: 'EC'; crv: 'P-256'; x: string; y: string } };
}

/**
 * An account as the app now makes one: passkey registration, this device's key, then the genesis
 * vouching for both. The client keeps its passkey session.
 */
export async function createLoggedAccount(server: TestServer, username: string): Promise<LoggedUser> {
  const client = new ApiClient(server);
  const authenticator = new SoftAuthenticator();
  const options = await client.post('/api/passkeys/register/options', { username });
  const response = await authenticator.register(options.body, { origin: ORIGIN, prf: true });
  const verified = await client.post('/api/passkeys/register/verify', { response: withoutPrfOutput(response) });
  if (verified.status !== 200) throw new Error(`register/verify ${verified.status} ${JSON.stringify(verified.body)}`);
  const user: TestUser = { username, userId: verified.body.session.userId, credentialId: verified.body.passkey.id, client, authenticator };
  const key = await newDeviceKey();
  const device = await client.post('/api/devices', { name: 'Phone', publicKey: key.publicKey });
  if (device.status !== 200) throw new Error(`devices ${device.status} ${JSON.stringify(device.body)}`);
  const coseKey = coseKeyOf(response);
  const signer = new LogSigner(user.userId);
  const genesis = await signer.append(client, [{ op: 'passkey.add', id: user.credentialId, key: coseKey }, deviceAdd(key.publicKey)]);
  if (genesis.status !== 200) throw new Error(`account/log ${genesis.status} ${JSON.stringify(genesis.body)}`);
  return { ...user, signer, coseKey, device: { deviceId: device.body.id, privateKey: key.privateKey, publicKey: key.publicKey } };
}

/** Adds a passkey with `user`'s session and returns what its `passkey.add` needs. */
export async function addPasskeyWithKey(user: TestUser, authenticator = new SoftAuthenticator()) {
  const options = await user.client.post('/api/passkeys/add/options');
  const response = await authenticator.register(options.body, { origin: ORIGIN, prf: true });
  const reply = await user.client.post('/api/passkeys/add/verify', { response: withoutPrfOutput(response) });
  if (reply.status !== 200) throw new Error(`add/verify ${reply.status} ${JSON.stringify(reply.body)}`);
  return { id: reply.body.passkey.id as string, coseKey: coseKeyOf(response), authenticator };
}

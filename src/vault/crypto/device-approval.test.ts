import { createCipheriv, createECDH, createHash, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { approvalPhrase } from '../recovery/approval-phrase';
import { createApprovalKeyPair, openApprovalAnswer, sealRootSecretForDevice, type ApprovalPrivateKey } from './device-approval';
import { encodeAad } from './primitives/aead';
import { approvalWrapContext } from './primitives/contexts';
import type { RootSecret } from './keys';

const binding = { userId: 'user-1', requestId: 'cmVxdWVzdC1pZA' };
const rootSecret = () => Uint8Array.from({ length: 32 }, (_, i) => i + 1) as RootSecret;

/** A P-256 pair from a fixed scalar: node's ECDH for the raw point, WebCrypto's JWK import for the key the SDK uses. */
async function fixedPair(scalarHex: string) {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(scalarHex, 'hex'));
  const point = ecdh.getPublicKey();
  const jwk = { kty: 'EC', crv: 'P-256', d: encodeBase64Url(Buffer.from(scalarHex, 'hex')), x: encodeBase64Url(point.subarray(1, 33)), y: encodeBase64Url(point.subarray(33)) };
  const privateKey = (await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])) as ApprovalPrivateKey;
  return { ecdh, privateKey, publicKey: encodeBase64Url(point) };
}

/** The phrase of REQUESTER's public key: changing how the phrase is made breaks every device in the middle of an approval. */
const PINNED_PHRASE = ['ugly', 'decade', 'liberty', 'among', 'grass'];
/** The phrase of REQUESTER's key with APPROVER's point standing for the device key. */
const PINNED_BOUND_PHRASE = ['lawn', 'ensure', 'update', 'exhaust', 'planet'];
const REQUESTER = '0c0f8e7d6a5b4c3d2e1f00112233445566778899aabbccddeeff102030405060';
const APPROVER = '7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f11223344556677889900aabbccdd';

describe('device approval crypto', () => {
  it('derives the fingerprint phrase from SHA-256 of the raw key, 11 bits a word (known answer)', async () => {
    const { publicKey } = await fixedPair(REQUESTER);
    const phrase = await approvalPhrase(publicKey);
    expect(phrase).toEqual(PINNED_PHRASE);
    // The same five indices, read independently as the digest's leading 55 bits.
    const lead = BigInt(`0x${createHash('sha256').update(decodeBase64Url(publicKey)).digest('hex').slice(0, 14)}`) >> 1n;
    const { wordlist } = await import('@scure/bip39/wordlists/english.js');
    const indices = [4n, 3n, 2n, 1n, 0n].map((k) => Number((lead >> (11n * k)) & 0x7ffn));
    expect(indices.map((i) => wordlist[i])).toEqual(phrase);
  });

  it('binds the device key the approver will sign into the account log: SHA-256(lp(A) ‖ lp(D)), 11 bits a word (known answer)', async () => {
    const { publicKey } = await fixedPair(REQUESTER);
    const { publicKey: deviceKey } = await fixedPair(APPROVER); // any P-256 point stands for the device key
    const phrase = await approvalPhrase(publicKey, deviceKey);
    expect(phrase).toEqual(PINNED_BOUND_PHRASE);
    const lp = (bytes: Uint8Array) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
    const digest = createHash('sha256').update(Buffer.concat([lp(decodeBase64Url(publicKey)), lp(decodeBase64Url(deviceKey))])).digest('hex');
    const lead = BigInt(`0x${digest.slice(0, 14)}`) >> 1n;
    const { wordlist } = await import('@scure/bip39/wordlists/english.js');
    expect([4n, 3n, 2n, 1n, 0n].map((k) => wordlist[Number((lead >> (11n * k)) & 0x7ffn)])).toEqual(phrase);
    // Another device key under the same A reads differently: a server swapping D alone is seen too.
    expect(await approvalPhrase(publicKey, (await fixedPair(REQUESTER)).publicKey)).not.toEqual(phrase);
  });

  it('opens an answer sealed independently (node ECDH, HKDF with the request id as salt, AES-256-GCM with the approval AAD)', async () => {
    const requester = await fixedPair(REQUESTER);
    const approver = await fixedPair(APPROVER);
    const shared = approver.ecdh.computeSecret(decodeBase64Url(requester.publicKey));
    const kek = Buffer.from(hkdfSync('sha256', shared, Buffer.from(binding.requestId), Buffer.from('keyhold/device-approval/v1'), 32));
    const iv = Buffer.alloc(12, 9);
    const cipher = createCipheriv('aes-256-gcm', kek, iv).setAAD(encodeAad(approvalWrapContext(binding.userId, binding.requestId)));
    const body = Buffer.concat([cipher.update(rootSecret()), cipher.final(), cipher.getAuthTag()]);
    const ciphertext = encodeBase64Url(Buffer.concat([Buffer.of(1), iv, body]));
    const opened = await openApprovalAnswer(requester.privateKey, { publicKey: approver.publicKey, ciphertext }, binding);
    expect([...opened]).toEqual([...rootSecret()]);
  });

  it('round-trips S from the approver to the requester, and the answer opens for nobody else', async () => {
    const requester = await createApprovalKeyPair();
    const answer = await sealRootSecretForDevice(rootSecret(), requester.publicKey, binding);
    expect([...(await openApprovalAnswer(requester.privateKey, answer, binding))]).toEqual([...rootSecret()]);

    const stranger = await createApprovalKeyPair();
    await expect(openApprovalAnswer(stranger.privateKey, answer, binding)).rejects.toMatchObject({ code: 'decrypt_failed' });
    await expect(openApprovalAnswer(requester.privateKey, answer, { ...binding, requestId: 'b3RoZXI' })).rejects.toMatchObject({ code: 'decrypt_failed' });
    await expect(openApprovalAnswer(requester.privateKey, answer, { ...binding, userId: 'user-2' })).rejects.toMatchObject({ code: 'decrypt_failed' });
  });

  it('refuses a requester key that is not a P-256 point', async () => {
    const notOnCurve = encodeBase64Url(Uint8Array.of(4, ...new Uint8Array(64).fill(1)));
    await expect(sealRootSecretForDevice(rootSecret(), notOnCurve, binding)).rejects.toMatchObject({ code: 'malformed_blob' });
    await expect(sealRootSecretForDevice(rootSecret(), encodeBase64Url(new Uint8Array(33).fill(2)), binding)).rejects.toMatchObject({ code: 'malformed_blob' });
  });

  it('keeps the ephemeral private key non-extractable', async () => {
    const pair = await createApprovalKeyPair();
    expect(pair.privateKey.extractable).toBe(false);
    expect(decodeBase64Url(pair.publicKey)).toHaveLength(65);
  });
});

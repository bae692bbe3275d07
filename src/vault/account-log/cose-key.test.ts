import { verifyRegistrationResponse } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { SoftAuthenticator } from '../../../test/helpers/soft-authenticator';
import { credentialPublicKey } from './cose-key';

const ORIGIN = 'https://keyhold.example';
const options = {
  challenge: encodeBase64Url(new Uint8Array(32).fill(5)),
  rp: { id: 'keyhold.example', name: 'Keyhold' },
  user: { id: encodeBase64Url(new Uint8Array(16).fill(1)), name: 'alice', displayName: 'alice' },
  pubKeyCredParams: [{ type: 'public-key' as const, alg: -7 }],
};

async function registration() {
  return new SoftAuthenticator().register(options, { origin: ORIGIN });
}

describe('the COSE public key of a passkey this device made', () => {
  it('is exactly the key the key server stores for it (@simplewebauthn/server\'s credential.publicKey)', async () => {
    const response = await registration();
    const verified = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: 'keyhold.example' });
    expect(verified.verified).toBe(true);
    expect(credentialPublicKey(response.response.attestationObject, response.id)).toBe(encodeBase64Url(verified.registrationInfo!.credential.publicKey));
  });

  it('stops at the COSE key\'s end when extension data follows it (flags ED)', async () => {
    const response = await registration();
    const attestation = isoCBOR.decodeFirst<Map<string, unknown>>(new Uint8Array(decodeBase64Url(response.response.attestationObject)));
    const authData = attestation.get('authData') as Uint8Array;
    const expected = credentialPublicKey(response.response.attestationObject, response.id);
    const withExtensions = new Uint8Array([...authData, ...isoCBOR.encode(new Map([['credProtect', 2]]))]);
    withExtensions[32] = withExtensions[32]! | 0x80;
    attestation.set('authData', withExtensions);
    expect(credentialPublicKey(encodeBase64Url(isoCBOR.encode(attestation as never)), response.id)).toBe(expected);
  });

  it('refuses an attestation for another credential, or none, with passkey_failed', async () => {
    const response = await registration();
    const other = await registration();
    expect(() => credentialPublicKey(response.response.attestationObject, other.id)).toThrow(expect.objectContaining({ code: 'passkey_failed' }));
    expect(() => credentialPublicKey(encodeBase64Url(new Uint8Array([1, 2, 3])), response.id)).toThrow(expect.objectContaining({ code: 'passkey_failed' }));
  });
});

/**
 * The public key of a passkey this device just created, read from ITS OWN attestation object: the
 * `passkey.add` it signs names the key the authenticator made, never what a server echoes back.
 *
 * WebAuthn L3 §6.5.1 (attestation object: CBOR map with `authData`) and §6.1 (authenticator data:
 * rpIdHash 32 ‖ flags 1 ‖ signCount 4 ‖ attested credential data: aaguid 16 ‖ credentialIdLength 2 ‖
 * credentialId ‖ credentialPublicKey (a COSE_Key, CBOR) ‖ extensions). The COSE key is decoded and
 * encoded again with the same CBOR library the key server's @simplewebauthn/server uses, so the
 * bytes are exactly those it stores in `credentials.public_key`.
 */
import { decodeCBOR, decodePartialCBOR, encodeCBOR } from '@levischuck/tiny-cbor';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { VaultError } from '../errors';

/** §6.1 flags: AT, attested credential data included. */
const FLAG_AT = 0x40;
const HEADER_BYTES = 32 + 1 + 4;
const AAGUID_BYTES = 16;

/**
 * The COSE public key (base64url) of the credential `credentialId` (base64url) in a registration's
 * attestation object (base64url). Throws `passkey_failed` when it holds no such credential.
 */
export function credentialPublicKey(attestationObject: string, credentialId: string): string {
  try {
    const attestation = decodeCBOR(decodeBase64Url(attestationObject));
    const authData = attestation instanceof Map ? attestation.get('authData') : undefined;
    if (!(authData instanceof Uint8Array) || authData.length < HEADER_BYTES + AAGUID_BYTES + 2 || (authData[32]! & FLAG_AT) === 0) throw new Error('no attested credential');
    const view = new DataView(authData.buffer, authData.byteOffset, authData.byteLength);
    const idAt = HEADER_BYTES + AAGUID_BYTES + 2;
    const idLength = view.getUint16(idAt - 2);
    if (encodeBase64Url(authData.subarray(idAt, idAt + idLength)) !== credentialId) throw new Error('another credential');
    const [coseKey] = decodePartialCBOR(authData, idAt + idLength);
    if (!(coseKey instanceof Map)) throw new Error('the public key is not a COSE_Key');
    return encodeBase64Url(encodeCBOR(coseKey));
  } catch (cause) {
    throw new VaultError('passkey_failed', 'The new passkey\'s attestation holds no readable public key.', { cause });
  }
}

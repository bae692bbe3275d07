import { DEVICE_SIGNIN_CONTEXT } from './constants';

/**
 * The exact bytes a device signs (ECDSA P-256 / SHA-256, IEEE P1363 r||s) to open a sync session.
 * Binding the origin stops a signature made for one key server being replayed against another.
 */
export function deviceSignInMessage(origin: string, challenge: string): Uint8Array {
  return new TextEncoder().encode(`${DEVICE_SIGNIN_CONTEXT}\n${origin}\n${challenge}`);
}

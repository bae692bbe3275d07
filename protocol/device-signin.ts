import { DEVICE_SIGNIN_CONTEXT, LOCK_EVERYWHERE_CONTEXT } from './constants';

/**
 * The exact bytes a device signs (ECDSA P-256 / SHA-256, IEEE P1363 r||s) to open a sync session.
 * Binding the origin stops a signature made for one key server being replayed against another.
 */
export function deviceSignInMessage(origin: string, challenge: string): Uint8Array {
  return new TextEncoder().encode(`${DEVICE_SIGNIN_CONTEXT}\n${origin}\n${challenge}`);
}

/**
 * The bytes a device signs, over a device challenge, to show it is the device a lock-everywhere
 * request keeps (docs/architecture.md "Lock everywhere"). Its own prefix: a signature made to sign
 * in cannot keep a device through a lock, nor one made here open a session.
 */
export function lockEverywhereMessage(origin: string, challenge: string): Uint8Array {
  return new TextEncoder().encode(`${LOCK_EVERYWHERE_CONTEXT}\n${origin}\n${challenge}`);
}

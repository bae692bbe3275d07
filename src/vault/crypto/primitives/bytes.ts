/** Byte helpers for WebCrypto calls; no cryptography here. */

/**
 * The same bytes typed for WebCrypto, whose `BufferSource` refuses views that might be backed by
 * a SharedArrayBuffer. Copies only in that case, so secrets are not duplicated needlessly.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/** `length` bytes from the platform CSPRNG (`crypto.getRandomValues`). */
export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export const utf8 = {
  encode: (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text),
  /** Fatal: ill-formed UTF-8 throws instead of decoding to U+FFFD. */
  decode: (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes),
};

/**
 * Best-effort erasure of a secret byte buffer once it is no longer needed. JavaScript gives no
 * guarantee (the engine may have copied it), but it keeps the secret out of our own buffers.
 */
export function wipe(bytes: Uint8Array | undefined): void {
  bytes?.fill(0);
}

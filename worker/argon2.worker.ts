/**
 * Runs Argon2id off the main thread: one hash of 64 MiB or more takes long enough to freeze the
 * UI. The WASM comes inlined in argon2-browser's bundled build, so it is compiled only when the
 * main thread first starts this worker (see src/vault/argon2-client.ts).
 */
import argon2 from 'argon2-browser/dist/argon2-bundled.min.js';
import type { Argon2Failure } from 'argon2-browser/dist/argon2-bundled.min.js';
import { isArgon2Request, type Argon2Request, type Argon2Response } from './argon2-protocol';

declare const self: DedicatedWorkerGlobalScope;

/** Returns the failure text libargon2 gave (e.g. "Memory cost is too small"); inputs never appear in it. */
function describeFailure(failure: unknown): string {
  const message = (failure as Partial<Argon2Failure> | null)?.message;
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.message;
  if (failure instanceof Error) return failure.message;
  return 'Argon2 failed';
}

function respond(response: Argon2Response): void {
  // Transfer the tag rather than copy it, so no second copy stays behind in this worker.
  self.postMessage(response, response.ok ? [response.hash.buffer] : []);
}

/** Returns the Argon2id tag of the request's password; never logs or echoes the password. */
async function hashPassword(request: Argon2Request): Promise<void> {
  const { id, password, salt, params } = request;
  try {
    const result = await argon2.hash({
      pass: password,
      salt,
      time: params.iterations,
      mem: params.memoryKiB,
      parallelism: params.parallelism,
      hashLen: params.hashLength,
      type: argon2.ArgonType.Argon2id,
    });
    respond({ id, ok: true, hash: result.hash });
  } catch (failure) {
    respond({ id, ok: false, code: 'argon2_failed', message: describeFailure(failure) });
  } finally {
    // Our structured-clone copy of the PIN; the WASM heap copy goes when the idle worker is terminated.
    password.fill(0);
  }
}

self.addEventListener('message', (event: MessageEvent<unknown>) => {
  const request = event.data;
  if (isArgon2Request(request)) {
    void hashPassword(request);
    return;
  }
  const id = (request as { id?: unknown } | null)?.id;
  if (typeof id === 'number') respond({ id, ok: false, code: 'argon2_failed', message: 'Malformed Argon2 request' });
});

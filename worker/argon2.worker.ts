/**
 * Runs Argon2id off the main thread: one hash of 64 MiB or more takes long enough to freeze the
 * UI. The WASM is our build of the Argon2 reference (worker/wasm/, `npm run build:argon2`), with
 * SIMD where the engine runs WASM SIMD. The first worker fetches and compiles it
 * (worker/argon2-module.ts) and sends the compiled module to the main thread, which hands it to
 * every later worker in a load request (src/vault/platform/argon2-client.ts), so a worker started
 * after the idle shutdown does not compile again.
 */
import { compileArgon2Module } from './argon2-module';
import { isArgon2LoadRequest, isArgon2Request, type Argon2ModuleMessage, type Argon2Request, type Argon2Response } from './argon2-protocol';
import { instantiateArgon2, type Argon2Wasm } from './argon2-wasm';

declare const self: DedicatedWorkerGlobalScope;

// This worker's own singletons: the compiled module lives as long as the worker; the instance
// (and the memory that held the last Argon2 blocks, which libargon2 wipes before freeing) is
// replaced after any failure, since a trap can leave the allocator in an unknown state.
let compiled: Promise<WebAssembly.Module> | undefined;
let instance: Promise<Argon2Wasm> | undefined;

/** Uses `given` (a module from the main thread) unless one is compiled or compiling already. */
function loadArgon2(given?: WebAssembly.Module): Promise<Argon2Wasm> {
  if (!compiled) {
    const compiling = given ? Promise.resolve(given) : compileArgon2Module().then(sendBack);
    // A failed fetch or compile is not kept: the next request tries again.
    compiling.catch(() => {
      if (compiled === compiling) compiled = undefined;
    });
    compiled = compiling;
  }
  instance ??= compiled.then(instantiateArgon2);
  return instance;
}

/** Gives the main thread the module this worker compiled, so the next worker need not compile it. */
function sendBack(module: WebAssembly.Module): WebAssembly.Module {
  self.postMessage({ type: 'module', module } satisfies Argon2ModuleMessage);
  return module;
}

function describeFailure(failure: unknown): string {
  return failure instanceof Error ? failure.message : 'Argon2 failed';
}

function respond(response: Argon2Response): void {
  // Transfer the tag rather than copy it, so no second copy stays behind in this worker.
  self.postMessage(response, response.ok ? [response.hash.buffer] : []);
}

/** Returns the Argon2id tag of the request's password; never logs or echoes the password. */
async function hashPassword(request: Argon2Request): Promise<void> {
  const { id, password, salt, params } = request;
  try {
    const argon2 = await loadArgon2();
    respond({ id, ok: true, hash: argon2.hashArgon2id({ password, salt, params }) });
  } catch (failure) {
    instance = undefined;
    respond({ id, ok: false, code: 'argon2_failed', message: describeFailure(failure) });
  } finally {
    // Our structured-clone copy of the PIN; the copy in WASM memory was zeroed by hashArgon2id.
    password.fill(0);
  }
}

self.addEventListener('message', (event: MessageEvent<unknown>) => {
  const request = event.data;
  if (isArgon2Request(request)) {
    void hashPassword(request);
    return;
  }
  if (isArgon2LoadRequest(request)) {
    const module = request.module instanceof WebAssembly.Module ? request.module : undefined;
    const { memoryKiB } = request;
    // Nobody waits for this: a failure here is retried, and reported, by the next hash.
    loadArgon2(module).then(
      (argon2) => {
        if (typeof memoryKiB === 'number' && Number.isSafeInteger(memoryKiB) && memoryKiB > 0) argon2.reserve(memoryKiB);
      },
      () => {
        instance = undefined;
      },
    );
    return;
  }
  const id = (request as { id?: unknown } | null)?.id;
  if (typeof id === 'number') respond({ id, ok: false, code: 'argon2_failed', message: 'Malformed Argon2 request' });
});

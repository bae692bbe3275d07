import { afterEach, describe, expect, it, vi } from 'vitest';
import { isArgon2LoadRequest, type Argon2LoadRequest, type Argon2Request, type Argon2Response } from '../../../worker/argon2-protocol';
import { Argon2Client } from './argon2-client';
import { VaultCryptoError } from '../errors';

/** Stands in for worker/argon2.worker.ts: records requests and answers when the test says so. */
class FakeArgon2Worker extends EventTarget {
  /** Hash requests, in order. */
  readonly requests: Argon2Request[] = [];
  /** Load requests, in order. */
  readonly loads: Argon2LoadRequest[] = [];
  /** What arrived, in order: 'load' or 'hash'. */
  readonly arrivals: string[] = [];
  terminated = false;

  postMessage(message: Argon2Request | Argon2LoadRequest): void {
    if (isArgon2LoadRequest(message)) this.loads.push(message);
    else this.requests.push(message);
    this.arrivals.push(isArgon2LoadRequest(message) ? 'load' : 'hash');
  }

  terminate(): void {
    this.terminated = true;
  }

  answer(response: Argon2Response): void {
    this.dispatchEvent(new MessageEvent('message', { data: response }));
  }
}

function createClient(idleTimeoutMs = 10_000, module?: WebAssembly.Module): { client: Argon2Client; workers: FakeArgon2Worker[] } {
  const workers: FakeArgon2Worker[] = [];
  const client = new Argon2Client({
    createWorker: () => {
      const worker = new FakeArgon2Worker();
      workers.push(worker);
      return worker as unknown as Worker;
    },
    idleTimeoutMs,
    ...(module ? { module } : {}),
  });
  return { client, workers };
}

/** A real (empty) compiled module: what a worker sends back and the client hands to the next. */
const compiledModule = (): WebAssembly.Module => new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));

const params = { memoryKiB: 65_536, iterations: 3, parallelism: 1, hashLength: 32 };
const pin = new TextEncoder().encode('493817');
const salt = new Uint8Array(16).fill(7);

/** Lets the client's queued promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.useRealTimers();
});

describe('Argon2Client', () => {
  it('starts no worker before the first hash, then resolves with the tag the worker sends', async () => {
    const { client, workers } = createClient();
    expect(workers).toHaveLength(0);

    const tag = client.hash(pin, salt, params);
    await settle();
    expect(workers).toHaveLength(1);
    const [request] = workers[0]!.requests;
    expect(request).toMatchObject({ password: pin, salt, params });

    workers[0]!.answer({ id: request!.id, ok: true, hash: new Uint8Array([1, 2, 3]) });
    await expect(tag).resolves.toEqual(new Uint8Array([1, 2, 3]));
  });

  it('runs calls one at a time, in call order, on one worker', async () => {
    const { client, workers } = createClient();
    const first = client.hash(pin, salt, params);
    const second = client.hash(pin, salt, params);
    await settle();
    expect(workers[0]!.requests).toHaveLength(1);

    workers[0]!.answer({ id: workers[0]!.requests[0]!.id, ok: true, hash: new Uint8Array([1]) });
    await expect(first).resolves.toEqual(new Uint8Array([1]));
    await settle();
    expect(workers[0]!.requests).toHaveLength(2);

    workers[0]!.answer({ id: workers[0]!.requests[1]!.id, ok: true, hash: new Uint8Array([2]) });
    await expect(second).resolves.toEqual(new Uint8Array([2]));
    expect(workers).toHaveLength(1);
  });

  it('terminates the worker when the running call is aborted, and starts a fresh one for the next call', async () => {
    const { client, workers } = createClient();
    const abort = new AbortController();
    const aborted = client.hash(pin, salt, params, abort.signal);
    await settle();

    abort.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(workers[0]!.terminated).toBe(true);

    const next = client.hash(pin, salt, params);
    await settle();
    expect(workers).toHaveLength(2);
    workers[1]!.answer({ id: workers[1]!.requests[0]!.id, ok: true, hash: new Uint8Array([9]) });
    await expect(next).resolves.toEqual(new Uint8Array([9]));
  });

  it('drops a queued call that is aborted without posting it or disturbing the running one', async () => {
    const { client, workers } = createClient();
    const running = client.hash(pin, salt, params);
    const abort = new AbortController();
    const queued = client.hash(pin, salt, params, abort.signal);
    const last = client.hash(pin, salt, params);
    await settle();

    abort.abort();
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    await settle();
    // The call behind the aborted one still waits for the running call.
    expect(workers[0]!.requests).toHaveLength(1);
    expect(workers[0]!.terminated).toBe(false);

    workers[0]!.answer({ id: workers[0]!.requests[0]!.id, ok: true, hash: new Uint8Array([1]) });
    await expect(running).resolves.toEqual(new Uint8Array([1]));
    await settle();
    expect(workers[0]!.requests).toHaveLength(2);
    workers[0]!.answer({ id: workers[0]!.requests[1]!.id, ok: true, hash: new Uint8Array([3]) });
    await expect(last).resolves.toEqual(new Uint8Array([3]));
  });

  it('rejects with argon2_failed when the worker reports a failure', async () => {
    const { client, workers } = createClient();
    const tag = client.hash(pin, salt, params);
    await settle();
    workers[0]!.answer({ id: workers[0]!.requests[0]!.id, ok: false, code: 'argon2_failed', message: 'Memory allocation error' });
    await expect(tag).rejects.toMatchObject({ code: 'argon2_failed' });
    await expect(tag).rejects.toBeInstanceOf(VaultCryptoError);
  });

  it('rejects with argon2_worker_failed when the worker dies, and replaces it', async () => {
    const { client, workers } = createClient();
    const tag = client.hash(pin, salt, params);
    await settle();
    workers[0]!.dispatchEvent(new Event('error'));
    await expect(tag).rejects.toMatchObject({ code: 'argon2_worker_failed' });
    expect(workers[0]!.terminated).toBe(true);
  });

  it('terminates the worker once it has been idle for idleTimeoutMs', async () => {
    vi.useFakeTimers();
    const { client, workers } = createClient(10_000);
    const tag = client.hash(pin, salt, params);
    await vi.advanceTimersByTimeAsync(0);
    workers[0]!.answer({ id: workers[0]!.requests[0]!.id, ok: true, hash: new Uint8Array([1]) });
    await tag;

    await vi.advanceTimersByTimeAsync(9_999);
    expect(workers[0]!.terminated).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(workers[0]!.terminated).toBe(true);
  });

  it('rejects a call whose signal is already aborted without starting a worker', async () => {
    const { client, workers } = createClient();
    await expect(client.hash(pin, salt, params, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    expect(workers).toHaveLength(0);
  });

  it('starts the worker on prewarm and asks it to load its WASM before any PIN is given', async () => {
    const { client, workers } = createClient();
    client.prewarm();
    await settle();
    expect(workers).toHaveLength(1);
    // The vault default's 64 MiB unless told otherwise: the worker grows its memory now, not during the hash.
    expect(workers[0]!.loads).toEqual([{ type: 'load', memoryKiB: 65_536 }]);
    expect(workers[0]!.requests).toHaveLength(0);

    const tag = client.hash(pin, salt, params);
    await settle();
    expect(workers).toHaveLength(1);
    workers[0]!.answer({ id: workers[0]!.requests[0]!.id, ok: true, hash: new Uint8Array([4]) });
    await expect(tag).resolves.toEqual(new Uint8Array([4]));
  });

  it('keeps the module the first worker compiled and hands it to every later worker, ahead of the hash', async () => {
    vi.useFakeTimers();
    const { client, workers } = createClient(10_000);
    const first = client.hash(pin, salt, params);
    await vi.advanceTimersByTimeAsync(0);
    // Nothing to hand over yet: the first worker loads the WASM itself and sends the module back.
    expect(workers[0]!.arrivals).toEqual(['hash']);
    const module = compiledModule();
    workers[0]!.dispatchEvent(new MessageEvent('message', { data: { type: 'module', module } }));
    workers[0]!.answer({ id: workers[0]!.requests[0]!.id, ok: true, hash: new Uint8Array([1]) });
    await expect(first).resolves.toEqual(new Uint8Array([1]));

    // The idle worker goes; the next one gets the module before the PIN.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(workers[0]!.terminated).toBe(true);
    const second = client.hash(pin, salt, params);
    await vi.advanceTimersByTimeAsync(0);
    expect(workers[1]!.arrivals).toEqual(['load', 'hash']);
    expect(workers[1]!.loads[0]!.module).toBe(module);
    workers[1]!.answer({ id: workers[1]!.requests[0]!.id, ok: true, hash: new Uint8Array([2]) });
    await expect(second).resolves.toEqual(new Uint8Array([2]));

    // And a prewarmed one gets it with the memory to reserve.
    client.terminate();
    client.prewarm();
    expect(workers[2]!.loads).toEqual([{ type: 'load', module, memoryKiB: 65_536 }]);
  });

  it('hands a module given at construction to the first worker, and ignores a "module" that is not one', async () => {
    const module = compiledModule();
    const { client, workers } = createClient(10_000, module);
    client.prewarm();
    expect(workers[0]!.loads[0]!.module).toBe(module);
    workers[0]!.dispatchEvent(new MessageEvent('message', { data: { type: 'module', module: { not: 'a module' } } }));
    client.terminate();
    client.prewarm();
    expect(workers[1]!.loads[0]!.module).toBe(module);
  });
});

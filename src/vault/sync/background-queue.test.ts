import { describe, expect, it } from 'vitest';
import { REPLAY_RECORD_WRITES_MESSAGE, type ReplayOutcome } from './record-write-replay';
import { REPLAY_ANSWER_TIMEOUT_MS, serviceWorkerQueue } from './background-queue';

/** Timers fired by hand: the bridge's fallback is seen without waiting for it. */
function handTimers() {
  const timers = new Map<number, { ms: number; callback: () => void }>();
  let next = 0;
  return {
    setTimer: (callback: () => void, ms: number) => {
      timers.set(++next, { ms, callback });
      return next;
    },
    clearTimer: (handle: unknown) => void timers.delete(handle as number),
    pending: () => [...timers.values()].map((t) => t.ms),
    fireAll: () => {
      for (const [id, t] of [...timers]) {
        timers.delete(id);
        t.callback();
      }
    },
  };
}

/**
 * The registration of a service worker that answers a replay request on the port it was given,
 * with a real MessageChannel as between a page and its service worker (or does not answer).
 */
function registrationAnswering(answer: ReplayOutcome | null, asked: unknown[] = []) {
  const worker = {
    postMessage(message: unknown, transfer: MessagePort[]) {
      asked.push(message);
      const [port] = transfer;
      if (answer) port!.postMessage(answer);
      port!.close();
    },
  };
  return { getRegistration: async () => ({ active: worker }) as unknown as ServiceWorkerRegistration };
}

describe('asking the service worker to replay its queue before a sync (the page)', () => {
  it('asks the active service worker and resolves once it answers that its queue is sent', async () => {
    const asked: unknown[] = [];
    const timers = handTimers();
    const queue = serviceWorkerQueue({ container: registrationAnswering({ sent: 1, refused: 0, superseded: 0, offline: false }, asked), ...timers });
    await expect(queue.drain()).resolves.toBe('drained');
    expect(asked).toEqual([{ type: REPLAY_RECORD_WRITES_MESSAGE }]);
    expect(timers.pending()).toEqual([]);
  });

  it('says offline when the service worker still cannot reach the key server (it keeps the writes)', async () => {
    const queue = serviceWorkerQueue({ container: registrationAnswering({ sent: 0, refused: 0, superseded: 0, offline: true }), ...handTimers() });
    await expect(queue.drain()).resolves.toBe('offline');
  });

  it('has nothing to wait for without an active service worker: none can have queued a write', async () => {
    const timers = handTimers();
    await expect(serviceWorkerQueue({ container: { getRegistration: async () => undefined }, ...timers }).drain()).resolves.toBe('drained');
    const installing = { getRegistration: async () => ({ active: null }) as unknown as ServiceWorkerRegistration };
    await expect(serviceWorkerQueue({ container: installing, ...timers }).drain()).resolves.toBe('drained');
    expect(timers.pending()).toEqual([]);
  });

  it('gives up waiting for a service worker that never answers, so the page can send its outbox itself', async () => {
    const timers = handTimers();
    const drained = serviceWorkerQueue({ container: registrationAnswering(null), ...timers }).drain();
    await expect.poll(() => timers.pending()).toEqual([REPLAY_ANSWER_TIMEOUT_MS]);
    timers.fireAll();
    await expect(drained).resolves.toBe('no-answer');
  });
});

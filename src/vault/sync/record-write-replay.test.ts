import { describe, expect, it } from 'vitest';
import { RecordWriteReplay, type QueuedWrite, type RecordWriteQueue, type ReplayOutcome } from './record-write-replay';

const ORIGIN = 'https://keyhold.example';

/** A record write as the page sends it: compare-and-set on `expectedVersion`, `body` standing for the ciphertext. */
const write = (id: string, expectedVersion: number, body: string): QueuedWrite => ({
  request: new Request(`${ORIGIN}/api/records/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ expectedVersion, body }) }),
});

/**
 * Workbox's queue as it behaves in IndexedDB: taking the first entry reads it, then deletes it, in
 * two steps with a turn of the event loop between them — where a second replay can read it too.
 */
class TwoStepQueue implements RecordWriteQueue<QueuedWrite> {
  readonly entries: QueuedWrite[];

  constructor(entries: QueuedWrite[]) {
    this.entries = [...entries];
  }

  async shiftRequest(): Promise<QueuedWrite | undefined> {
    const first = this.entries[0];
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (first) this.entries.splice(this.entries.indexOf(first), 1);
    return first;
  }

  async unshiftRequest(entry: QueuedWrite): Promise<void> {
    this.entries.unshift(entry);
  }

  async getAll(): Promise<QueuedWrite[]> {
    return [...this.entries];
  }
}

/** The key server's record rule (server/domain/records.ts): a write lands only on the version it names. */
class RecordServer {
  readonly versions = new Map<string, { version: number; body: string }>();
  readonly answers: string[] = [];
  reachable = true;

  readonly send = async (request: Request): Promise<Response> => {
    if (!this.reachable) throw new TypeError('Failed to fetch');
    const id = new URL(request.url).pathname.split('/').at(-1)!;
    const { expectedVersion, body } = (await request.json()) as { expectedVersion: number; body: string };
    const current = this.versions.get(id)?.version ?? 0;
    const status = current === expectedVersion ? 200 : 409;
    if (status === 200) this.versions.set(id, { version: current + 1, body });
    this.answers.push(`${status} ${id} ${body}`);
    return new Response(null, { status });
  };
}

function replayWith(server: RecordServer): { replay: RecordWriteReplay; told: ReplayOutcome[] } {
  const told: ReplayOutcome[] = [];
  const replay = new RecordWriteReplay({
    send: server.send,
    replayed: async (outcome) => {
      told.push(outcome);
    },
  });
  return { replay, told };
}

describe('replaying queued record writes (the service worker)', () => {
  it('sends each queued write once when the browser and a page ask for a replay at the same time', async () => {
    const server = new RecordServer();
    const queue = new TwoStepQueue([write('wifi', 0, 'offline edit'), write('door', 0, 'new note')]);
    const { replay, told } = replayWith(server);
    const [bySyncEvent, byPage] = await Promise.all([replay.replay(queue), replay.replay(queue)]);
    expect(server.answers).toEqual(['200 wifi offline edit', '200 door new note']);
    expect(bySyncEvent).toEqual({ sent: 2, refused: 0, superseded: 0, offline: false });
    // The page's replay ran after the browser's had ended: nothing was left, and nothing is told.
    expect(byPage).toEqual({ sent: 0, refused: 0, superseded: 0, offline: false });
    expect(told).toEqual([bySyncEvent]);
    expect(queue.entries).toEqual([]);
  });

  it("sends only a record's last queued write: the earlier ones would meet a 409 and make a conflict copy of the person's own edit", async () => {
    const server = new RecordServer();
    server.versions.set('wifi', { version: 1, body: 'synced' });
    const queue = new TwoStepQueue([write('wifi', 1, 'first edit'), write('door', 0, 'new note'), write('wifi', 1, 'second edit')]);
    const { replay } = replayWith(server);
    await expect(replay.replay(queue)).resolves.toEqual({ sent: 2, refused: 0, superseded: 1, offline: false });
    expect(server.answers).toEqual(['200 door new note', '200 wifi second edit']);
    expect(server.versions.get('wifi')).toEqual({ version: 2, body: 'second edit' });
  });

  it('puts a write the network still fails back at the front and stops, saying offline', async () => {
    const server = new RecordServer();
    server.reachable = false;
    const first = write('wifi', 0, 'offline edit');
    const queue = new TwoStepQueue([first, write('door', 0, 'new note')]);
    const { replay, told } = replayWith(server);
    await expect(replay.replay(queue)).resolves.toEqual({ sent: 0, refused: 0, superseded: 0, offline: true });
    expect(queue.entries.map((e) => e.request.url)).toEqual([`${ORIGIN}/api/records/wifi`, `${ORIGIN}/api/records/door`]);
    expect(told).toEqual([]);

    server.reachable = true;
    await expect(replay.replay(queue)).resolves.toEqual({ sent: 2, refused: 0, superseded: 0, offline: false });
    expect(server.answers).toEqual(['200 wifi offline edit', '200 door new note']);
  });

  it('drops a write the server refuses and counts it: the page settles it from its outbox', async () => {
    const server = new RecordServer();
    server.versions.set('wifi', { version: 2, body: 'edited on the tablet' });
    const queue = new TwoStepQueue([write('wifi', 1, 'edited offline on the phone')]);
    const { replay, told } = replayWith(server);
    await expect(replay.replay(queue)).resolves.toEqual({ sent: 0, refused: 1, superseded: 0, offline: false });
    expect(queue.entries).toEqual([]);
    expect(told).toEqual([{ sent: 0, refused: 1, superseded: 0, offline: false }]);
  });

  it('keeps replaying after a replay whose note could not be written', async () => {
    const server = new RecordServer();
    const replay = new RecordWriteReplay({ send: server.send, replayed: () => Promise.reject(new Error('IndexedDB closed')) });
    await expect(replay.replay(new TwoStepQueue([write('wifi', 0, 'one')]))).resolves.toMatchObject({ sent: 1 });
    await expect(replay.replay(new TwoStepQueue([write('door', 0, 'two')]))).resolves.toMatchObject({ sent: 1 });
  });

  it('discards every queued write unsent after the replay running ends, even one that replay put back', async () => {
    const server = new RecordServer();
    server.reachable = false;
    const queue = new TwoStepQueue([write('wifi', 0, 'offline edit'), write('door', 0, 'new note')]);
    const { replay } = replayWith(server);
    const running = replay.replay(queue);
    const discarded = replay.discard(queue);
    await expect(running).resolves.toMatchObject({ offline: true });
    await expect(discarded).resolves.toBe(2);
    expect(queue.entries).toEqual([]);
    server.reachable = true;
    await expect(replay.replay(queue)).resolves.toEqual({ sent: 0, refused: 0, superseded: 0, offline: false });
    expect(server.answers).toEqual([]);
  });
});

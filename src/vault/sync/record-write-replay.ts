/**
 * How the service worker (sw.ts) replays the record writes Workbox queued while the network was
 * away, kept apart from Workbox so the rules can be read and tested on their own. It holds no key
 * and decrypts nothing: each write is the page's request as it was, ciphertext and compare-and-set
 * version included. The service worker runs it; the page (background-queue.ts) uses only its
 * request name and answer type, so this stays out of the page's first chunk. No DOM here.
 *
 * - One replay at a time. The browser's `sync` event and a page asking before it sends its outbox
 *   (background-queue.ts) can come together; Workbox takes an entry off its queue in two steps
 *   (read, then delete), so two replays side by side could both send the same write, and the
 *   second one's 409 would be the last word. Each replay waits for the one before it.
 * - The last queued write of a record wins. Every write of a record made offline carries the
 *   version the page last had from the server, so after the first one lands the others could only
 *   meet a 409 (and make a conflict copy of the person's own edit): an earlier write of a record
 *   that has a later one in the queue is dropped unsent.
 * - A write the network still fails goes back to the front of the queue, and the replay stops.
 */

/**
 * What a page posts to the service worker, with a MessagePort, before it sends its outbox: replay
 * the queued record writes now (after any replay already running) and answer with a ReplayOutcome.
 */
export const REPLAY_RECORD_WRITES_MESSAGE = 'keyhold:replay-record-writes';

/** What one replay of the queue did. */
export interface ReplayOutcome {
  /** Writes the server accepted. */
  readonly sent: number;
  /** Writes the server refused (stale version, expired session…): the page's outbox still has them. */
  readonly refused: number;
  /** Writes not sent because a later queued write of the same record replaces them. */
  readonly superseded: number;
  /** The network still failed: the write that met it and those after it wait in the queue. */
  readonly offline: boolean;
}

/** An entry of Workbox's queue; the replay needs only its request. */
export interface QueuedWrite {
  readonly request: Request;
}

/** What the replay uses of Workbox's `Queue`. */
export interface RecordWriteQueue<Entry extends QueuedWrite> {
  shiftRequest(): Promise<Entry | undefined>;
  unshiftRequest(entry: Entry): Promise<void>;
  getAll(): Promise<QueuedWrite[]>;
}

export interface RecordWriteReplayDeps {
  /** Sends one write (the service worker's own fetch, which its fetch handler does not see). */
  readonly send: (request: Request) => Promise<Response>;
  /** Told, still inside the replay, what a replay that did anything did. */
  readonly replayed: (outcome: ReplayOutcome) => Promise<void>;
}

export class RecordWriteReplay {
  readonly #deps: RecordWriteReplayDeps;
  /** Settles when the last replay asked for has ended. */
  #last: Promise<unknown> = Promise.resolve();

  constructor(deps: RecordWriteReplayDeps) {
    this.#deps = deps;
  }

  /** Replays `queue` once every replay asked for before has ended. Rejects only if the queue's storage fails. */
  replay<Entry extends QueuedWrite>(queue: RecordWriteQueue<Entry>): Promise<ReplayOutcome> {
    const run = this.#last.then(() => this.#replayOnce(queue));
    this.#last = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes every write off `queue` unsent, once the replays asked for before have ended (one running
   * could otherwise put a write it failed to send back after this). Returns how many were dropped.
   */
  discard<Entry extends QueuedWrite>(queue: RecordWriteQueue<Entry>): Promise<number> {
    const run = this.#last.then(async () => {
      let dropped = 0;
      while (await queue.shiftRequest()) dropped++;
      return dropped;
    });
    this.#last = run.catch(() => undefined);
    return run;
  }

  async #replayOnce<Entry extends QueuedWrite>(queue: RecordWriteQueue<Entry>): Promise<ReplayOutcome> {
    let sent = 0;
    let refused = 0;
    let superseded = 0;
    let offline = false;
    for (let entry = await queue.shiftRequest(); entry; entry = await queue.shiftRequest()) {
      const { url } = entry.request;
      if ((await queue.getAll()).some((later) => later.request.url === url)) {
        superseded++;
        continue;
      }
      let response: Response;
      try {
        response = await this.#deps.send(entry.request.clone());
      } catch {
        await queue.unshiftRequest(entry);
        offline = true;
        break;
      }
      if (response.ok) sent++;
      else refused++;
    }
    const outcome: ReplayOutcome = { sent, refused, superseded, offline };
    // What is told is a record of the replay, not part of it: a failure to note it changes nothing sent.
    if (sent + refused + superseded > 0) await this.#deps.replayed(outcome).catch(() => undefined);
    return outcome;
  }
}

/**
 * Structured JSON lines on stdout. Callers pass only fields that are safe to keep: never a secret,
 * a cookie, a request body or a query string.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Where a logger's lines go: one JSON line (no newline) and its level. */
export type LineSink = (line: string, level: LogLevel) => void;

export function createLogger(write: LineSink = (line) => process.stdout.write(`${line}\n`)): Logger {
  const emit = (level: LogLevel) => (msg: string, fields: LogFields = {}) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }), level);
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Pending log text past which `batchLines` writes at once rather than at the end of the turn. */
const MAX_PENDING_CHARS = 64 * 1024;

/**
 * A line sink that writes the lines logged during one turn of the event loop together, at the end
 * of that turn (setImmediate): one write to stdout for every request answered in the turn, where
 * a write per request line cost about a tenth of a backup fetch's CPU on the bench machine
 * (stdout to a file or a pipe is a synchronous system call in Node). A warning or an error goes
 * out at once, with every line before it, and so does text past `maxPendingChars`. `flush` writes
 * what is pending: key-server.ts calls it on exit, so only a process killed outright (SIGKILL, a crash
 * of Node itself) can lose lines, those of the turn it was in.
 */
export function batchLines(out: (chunk: string) => void, maxPendingChars = MAX_PENDING_CHARS): { write: LineSink; flush: () => void } {
  let pending: string[] = [];
  let pendingChars = 0;
  let scheduled = false;
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    pendingChars = 0;
    out(chunk);
  };
  const write: LineSink = (line, level) => {
    pending.push(line);
    pendingChars += line.length + 1;
    if (level !== 'info' || pendingChars >= maxPendingChars) {
      flush();
    } else if (!scheduled) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        flush();
      });
    }
  };
  return { write, flush };
}

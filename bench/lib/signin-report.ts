import type { Machine } from './machine';

/** What `npm run bench:signin` measures: each sign-in against an account with and without a signed log. */
export const CASES = ['device/logged', 'device/unlogged', 'passkey/logged', 'passkey/unlogged'] as const;
export type CaseName = (typeof CASES)[number];

export interface SigninRun {
  database: string;
  /** Milliseconds of each timed verifying request, per case. */
  samples: Record<CaseName, number[]>;
  /** Milliseconds of the head check alone (`readLogHead`: two lookups, one HMAC, the state parsed), per account. */
  headCheck: { logged: number[]; unlogged: number[] };
}

export interface SigninReport {
  machine: Machine;
  runs: SigninRun[];
  options: { runs: number; warmup: number; logDevices: number };
}

export const SIGNIN_HEADING = '## Sign-in with the account log (`npm run bench:signin`)';

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** One table row per sign-in and database: median and p95 without and with the log, and the ratio of the medians. */
function rows(report: SigninReport): string[] {
  return report.runs.flatMap((run) =>
    (['device', 'passkey'] as const).map((kind) => {
      const unlogged = run.samples[`${kind}/unlogged`];
      const logged = run.samples[`${kind}/logged`];
      const ratio = quantile(logged, 0.5) / quantile(unlogged, 0.5);
      return `| ${kind === 'device' ? 'Device' : 'Passkey'} sign-in | ${run.database} | ${ms(quantile(unlogged, 0.5))} | ${ms(quantile(unlogged, 0.95))} | ${ms(quantile(logged, 0.5))} | ${ms(quantile(logged, 0.95))} | ${ratio.toFixed(2)}× |`;
    }).concat(
      `| Head check alone | ${run.database} | ${ms(quantile(run.headCheck.unlogged, 0.5))} | ${ms(quantile(run.headCheck.unlogged, 0.95))} | ${ms(quantile(run.headCheck.logged, 0.5))} | ${ms(quantile(run.headCheck.logged, 0.95))} | ${(quantile(run.headCheck.logged, 0.5) / quantile(run.headCheck.unlogged, 0.5)).toFixed(2)}× |`,
    ),
  );
}

const TABLE_HEAD = ['| Sign-in | Database | Unlogged median | Unlogged p95 | Logged median | Logged p95 | Logged / unlogged (medians) |', '|---|---|---|---|---|---|---|'];

/** The method, as BENCHMARKS.md states it whether or not figures follow. */
export const SIGNIN_METHOD = `What the signed account log (docs/architecture.md "Signed account log") adds to a sign-in. One
key server runs in the bench's own process (requests through \`app.request\`, no sockets: the
figures are the server's work, not the network's) on a fresh database. Two accounts: one whose
log holds its passkey, its device and further devices (\`--log-devices\`, default 20), one that has
no log (\`unlogged\`, as every account made before the log). Four cases — device sign-in (ECDSA
P-256 over a challenge) and passkey sign-in (a real WebAuthn assertion of the software
authenticator, verified by @simplewebauthn/server), each on both accounts — run interleaved,
round after round in a rotating order, after untimed warm-up rounds. Only the verifying request is
timed (\`POST /api/devices/signin\`, \`POST /api/passkeys/signin/verify\`); the challenge, the options
and the signing are not. On a logged account that request also reads the sealed head and the
last log entry, checks the head's HMAC and parses its state: a lookup, never a walk of the chain.
An unlogged account's head is checked too (it must verify, or the account is refused): the
ratio shows what a log adds on top of that check, not the check itself, which both cases pay.
So the check is also timed alone (\`readLogHead\`, as sign-in runs it, after the rounds): that is
what a sign-in costs more than before the log, which had no such step.`;

export function renderSigninSection(report: SigninReport): string {
  const m = report.machine;
  return [
    SIGNIN_HEADING,
    '',
    SIGNIN_METHOD,
    '',
    `${m.cpuModel}, ${m.nproc} CPUs, ${m.ramGiB} GiB, Node ${m.node}, load average ${m.loadAverage} at the start; ${report.options.runs} timed rounds after ${report.options.warmup} warm-up rounds, ${report.options.logDevices} extra devices in the log.`,
    '',
    ...TABLE_HEAD,
    ...rows(report),
    '',
  ].join('\n');
}

export function printSigninReport(report: SigninReport): void {
  console.log([...TABLE_HEAD, ...rows(report)].join('\n'));
  console.log(`load average ${report.machine.loadAverage} at the start (figures belong in BENCHMARKS.md only from a quiet machine: --write)`);
}

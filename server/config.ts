import { z } from 'zod';
import type { LoadShedSettings } from './http/load-shed';
import {
  AUDIT_RETENTION_DAYS,
  BODY_LIMIT_BYTES,
  PIN_RECOVERY_GUESSES,
  RECORD_CIPHERTEXT_MAX_CHARS,
  RECORDS_MAX_PER_USER,
  RECOVERY_SESSION_MS,
  TOMBSTONE_RETENTION_DAYS,
  TOTP_DIGITS,
  TOTP_LOCK_FAILURES,
  TOTP_PERIOD_SECONDS,
  TOTP_THROTTLE_FAILURES,
  TOTP_THROTTLE_WINDOW_MS,
  TOTP_WINDOW_STEPS,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  SIGNIN_LIMIT_PER_ACCOUNT,
  SIGNIN_LIMIT_PER_ADDRESS,
  DEFAULT_APP_ID,
} from '../protocol/constants';
import { AppRuleError, parseAppsSetting, type RegisteredApp } from './domain/apps';

/** Everything the server reads from its environment, validated once at start-up. */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** `undefined` → the embedded SQLite file `${dataDir}/keyhold.sqlite`. */
  databaseUrl: string | undefined;
  /** PostgreSQL connection pool of this process (unused with SQLite). */
  databasePool: DatabasePoolSettings;
  rpId: string;
  rpName: string;
  /** The origin of the PWA this server serves: ORIGIN, or with APPS unless ORIGIN is set, the default app's first origin. */
  origin: string;
  /**
   * The apps registered at start (APPS, or ORIGIN as the app `keyhold`); the first is the default
   * app. `npm run apps` may register more in the database.
   */
  apps: RegisteredApp[];
  /** Base64url pepper from the environment; `undefined` → read or create `${dataDir}/pepper`. */
  pepper: string | undefined;
  /** The pepper being retired during a rotation (opens, never seals); `undefined` → `${dataDir}/pepper.previous` if present. */
  pepperPrevious: string | undefined;
  /** The pepper decoys are derived from; `undefined` → `${dataDir}/pepper.decoys` if present, else the pepper. */
  pepperDecoys: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  bodyLimitBytes: number;
  signinLimitPerAccount: number;
  signinLimitPerAddress: number;
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). */
  trustProxy: boolean;
  /** Directory of the built PWA; `undefined` serves the API only. */
  staticDir: string | undefined;
  logRequests: boolean;
  /** Consecutive wrong PIN recovery guesses allowed (the allowance a registration starts with). */
  pinRecoveryGuesses: number;
  /** Worker threads for PIN-recovery OPRF evaluations (runtime.ts); undefined: one per core; 0: on the event loop. */
  oprfThreads: number | undefined;
  /** Absolute lifetime of a session opened by a recovery. */
  recoverySessionMs: number;
  totp: TotpPolicy;
  records: RecordPolicy;
  /** Age after which `npm run purge` removes an audit entry (never the newest of a chain). */
  auditRetentionMs: number;
  /** When to refuse new API requests with 503 `overloaded` instead of queueing them (server/http/load-shed.ts). */
  loadShed: LoadShedSettings;
}

/** Limits of encrypted record sync. */
export interface RecordPolicy {
  /** Longest record ciphertext stored, in base64url characters (BODY_LIMIT_BYTES bounds it too). */
  maxCiphertextChars: number;
  /** Live (not deleted) records per account. */
  maxPerUser: number;
  /** Age after which `npm run purge` removes a tombstone. */
  tombstoneRetentionMs: number;
}

/** node-postgres pool settings: each process holds up to `max` connections. */
export interface DatabasePoolSettings {
  max: number;
  /** A connection unused this long is closed. */
  idleTimeoutMs: number;
  /** Longest wait for a connection (a new one, or a free one when all `max` are busy) before the request fails. */
  connectionTimeoutMs: number;
}

/** RFC 6238 settings and the attempt limits of TOTP recovery. */
export interface TotpPolicy {
  periodSeconds: number;
  digits: 6 | 7 | 8;
  /** Steps accepted either side of the current one (RFC 6238 §5.2). */
  windowSteps: number;
  throttleFailures: number;
  throttleWindowMs: number;
  lockFailures: number;
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const flag = (fallback: boolean) =>
  z.enum(['1', '0', 'true', 'false', 'yes', 'no']).default(fallback ? 'true' : 'false').transform((v) => ['1', 'true', 'yes'].includes(v));

// `basenc --base64url` pads with one '=': accepted and dropped, so the documented command works as is.
const pepperValue = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}=?$/, 'must be 32 bytes in base64url (43 characters); generate one with `openssl rand 32 | basenc --base64url`')
  .transform((v) => v.replace(/=$/, ''))
  .optional();

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (unset it for the embedded SQLite file)')
      .optional(),
    RP_ID: z.string().min(1).default('localhost'),
    RP_NAME: z.string().min(1).default('Keyhold'),
    ORIGIN: z.url({ protocol: /^https?$/ }).default('http://localhost:8080'),
    APPS: z.string().optional(),
    PEPPER: pepperValue,
    PEPPER_PREVIOUS: pepperValue,
    PEPPER_DECOYS: pepperValue,
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
    DATABASE_POOL_IDLE_SECONDS: positiveInt(30),
    DATABASE_CONNECT_TIMEOUT_SECONDS: positiveInt(10),
    TLS_CERT: z.string().min(1).optional(),
    TLS_KEY: z.string().min(1).optional(),
    SESSION_IDLE_MINUTES: positiveInt(SESSION_IDLE_MS / 60_000),
    SESSION_ABSOLUTE_HOURS: positiveInt(SESSION_ABSOLUTE_MS / 3_600_000),
    BODY_LIMIT_BYTES: positiveInt(BODY_LIMIT_BYTES),
    SIGNIN_LIMIT_PER_ACCOUNT: positiveInt(SIGNIN_LIMIT_PER_ACCOUNT),
    SIGNIN_LIMIT_PER_ADDRESS: positiveInt(SIGNIN_LIMIT_PER_ADDRESS),
    TRUST_PROXY: flag(false),
    STATIC_DIR: z.string().default('./dist'),
    LOG_REQUESTS: flag(true),
    PIN_RECOVERY_GUESSES: positiveInt(PIN_RECOVERY_GUESSES),
    OPRF_THREADS: z.coerce.number().int().min(0).max(256).optional(),
    RECOVERY_SESSION_MINUTES: positiveInt(RECOVERY_SESSION_MS / 60_000),
    TOTP_PERIOD_SECONDS: z.coerce.number().int().min(15).max(300).default(TOTP_PERIOD_SECONDS),
    TOTP_DIGITS: z.enum(['6', '7', '8']).default(String(TOTP_DIGITS) as '6').transform((v) => Number(v) as 6 | 7 | 8),
    TOTP_WINDOW_STEPS: z.coerce.number().int().min(0).max(5).default(TOTP_WINDOW_STEPS),
    TOTP_THROTTLE_FAILURES: positiveInt(TOTP_THROTTLE_FAILURES),
    TOTP_THROTTLE_MINUTES: positiveInt(TOTP_THROTTLE_WINDOW_MS / 60_000),
    TOTP_LOCK_FAILURES: positiveInt(TOTP_LOCK_FAILURES),
    RECORD_MAX_CHARS: positiveInt(RECORD_CIPHERTEXT_MAX_CHARS),
    RECORDS_MAX_PER_USER: positiveInt(RECORDS_MAX_PER_USER),
    TOMBSTONE_RETENTION_DAYS: positiveInt(TOMBSTONE_RETENTION_DAYS),
    AUDIT_RETENTION_DAYS: positiveInt(AUDIT_RETENTION_DAYS),
    SHED_MAX_IN_FLIGHT: positiveInt(256),
    SHED_MAX_LAG_MS: positiveInt(50),
  })
  .superRefine((env, ctx) => {
    if (new URL(env.ORIGIN).pathname !== '/') {
      ctx.addIssue({ code: 'custom', path: ['ORIGIN'], message: 'must be scheme://host[:port] with no path' });
    }
    if (Boolean(env.TLS_CERT) !== Boolean(env.TLS_KEY)) {
      ctx.addIssue({ code: 'custom', path: ['TLS_CERT'], message: 'TLS_CERT and TLS_KEY must be set together' });
    }
  });

/** Thrown for a bad environment; its message is the single line start-up prints. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; throws ConfigError naming the first bad variable. Never echoes a value. */
export function loadConfig(env: Record<string, string | undefined>): ServerConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid configuration: ${issue.path.join('.') || 'environment'} ${issue.message}`);
  }
  const e = parsed.data;
  const { origin, apps } = configuredApps(e.APPS, new URL(e.ORIGIN).origin, cleaned.ORIGIN !== undefined, e.RP_NAME);
  const host = new URL(origin).hostname;
  // WebAuthn §5.1.4: the RP ID must equal the origin's host or be a registrable suffix of it.
  // (Other apps' origins may be on other domains: Related Origin Requests, /.well-known/webauthn.)
  if (host !== e.RP_ID && !host.endsWith(`.${e.RP_ID}`)) {
    throw new ConfigError(`invalid configuration: RP_ID must be ${host} or a parent domain of it (ORIGIN is ${origin})`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePool: {
      max: e.DATABASE_POOL_MAX,
      idleTimeoutMs: e.DATABASE_POOL_IDLE_SECONDS * 1000,
      connectionTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000,
    },
    rpId: e.RP_ID,
    rpName: e.RP_NAME,
    origin,
    apps,
    pepper: e.PEPPER,
    pepperPrevious: e.PEPPER_PREVIOUS,
    pepperDecoys: e.PEPPER_DECOYS,
    tlsCert: e.TLS_CERT,
    tlsKey: e.TLS_KEY,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    signinLimitPerAccount: e.SIGNIN_LIMIT_PER_ACCOUNT,
    signinLimitPerAddress: e.SIGNIN_LIMIT_PER_ADDRESS,
    trustProxy: e.TRUST_PROXY,
    // An explicitly empty STATIC_DIR means "API only" (empty values otherwise count as unset).
    staticDir: env.STATIC_DIR === '' ? undefined : e.STATIC_DIR,
    logRequests: e.LOG_REQUESTS,
    pinRecoveryGuesses: e.PIN_RECOVERY_GUESSES,
    oprfThreads: e.OPRF_THREADS,
    recoverySessionMs: e.RECOVERY_SESSION_MINUTES * 60_000,
    totp: {
      periodSeconds: e.TOTP_PERIOD_SECONDS,
      digits: e.TOTP_DIGITS,
      windowSteps: e.TOTP_WINDOW_STEPS,
      throttleFailures: e.TOTP_THROTTLE_FAILURES,
      throttleWindowMs: e.TOTP_THROTTLE_MINUTES * 60_000,
      lockFailures: e.TOTP_LOCK_FAILURES,
    },
    records: {
      maxCiphertextChars: e.RECORD_MAX_CHARS,
      maxPerUser: e.RECORDS_MAX_PER_USER,
      tombstoneRetentionMs: e.TOMBSTONE_RETENTION_DAYS * 86_400_000,
    },
    auditRetentionMs: e.AUDIT_RETENTION_DAYS * 86_400_000,
    loadShed: { maxInFlight: e.SHED_MAX_IN_FLIGHT, maxLagMs: e.SHED_MAX_LAG_MS },
  };
}

/**
 * The apps the configuration registers and the server's own origin. Without APPS: the app
 * `keyhold` on ORIGIN. With APPS: its apps, the first being the default app, whose first origin is
 * the server's origin unless ORIGIN names another of its origins. The default app is named RP_NAME.
 */
function configuredApps(appsSetting: string | undefined, origin: string, originIsSet: boolean, rpName: string): { origin: string; apps: RegisteredApp[] } {
  if (appsSetting === undefined) return { origin, apps: [{ id: DEFAULT_APP_ID, name: rpName, origins: [origin] }] };
  let apps: RegisteredApp[];
  try {
    apps = parseAppsSetting(appsSetting);
  } catch (error) {
    if (error instanceof AppRuleError) throw new ConfigError(`invalid configuration: APPS ${error.message}`);
    throw error;
  }
  const [first, ...rest] = apps as [RegisteredApp, ...RegisteredApp[]];
  // The default app is Keyhold itself: its cookie, the SDK's default app id and the rows that
  // predate apps (migrations 011 and 012) are all `keyhold`'s.
  if (first.id !== DEFAULT_APP_ID) throw new ConfigError(`invalid configuration: the first app in APPS is the default app and must be "${DEFAULT_APP_ID}" (it is "${first.id}")`);
  if (originIsSet && !first.origins.includes(origin)) {
    throw new ConfigError(`invalid configuration: ORIGIN must be one of the origins of the first app in APPS ("${first.id}")`);
  }
  return { origin: originIsSet ? origin : first.origins[0]!, apps: [{ ...first, name: rpName }, ...rest] };
}

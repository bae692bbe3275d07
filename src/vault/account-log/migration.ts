/**
 * An account made before the log (issue 14 item 6; docs/architecture.md "Signed account log"):
 * on an unlocked device, the person is shown what the key server lists — passkeys and devices with
 * their fingerprints, and which recovery routes are on — and confirms what to keep. The device then
 * makes the identity key, seals it into the key bundle every device shares (format 4, a
 * compare-and-set upload), and appends the genesis vouching for what was kept. From then on the
 * server acts only on what the log holds; what was not kept is refused.
 *
 * What this trusts: the server's listing at that moment, which the person checks (an operator who
 * slipped a credential in before the migration is caught only if the person does not recognise it).
 */
import type { LogChange } from '../../../protocol/account-log';
import type { Session, VaultCore } from '../core';
import { openKeyBundle, parseGcmBlob, VaultCryptoError, type Ciphertext } from '../crypto';
import { KeyServerError, VaultError } from '../errors';
import type { LogMigrationChoice, LogMigrationItem, LogMigrationPlan } from './account-log-types';
import { appendToLog } from './append-log';
import { keepKeyBundle, sealBundleWithIdentity } from './bundle-identity';
import { createIdentityKey } from './identity-key';
import { fingerprintOf } from './list-binding';
import type { LogContext } from './pull-log';

/** What a plan vouches for, kept inside the SDK: the keys and ids behind what the person saw. */
interface PlanDetails {
  readonly userId: string;
  readonly passkeys: ReadonlyMap<string, string>;
  /** Each kept device's key and the app it belongs to (its `device.add` names that app). */
  readonly devices: ReadonlyMap<string, { readonly key: string; readonly app: string }>;
  readonly routes: readonly LogChange[];
}

/** Plans this SDK made, with what they vouch for (a plan object the app made up opens nothing). */
const plans = new WeakMap<LogMigrationPlan, PlanDetails>();


/** The server's listing as a plan. The caller checked that the account has no log. */
export async function planMigration(core: VaultCore, ctx: LogContext, signal?: AbortSignal): Promise<LogMigrationPlan> {
  const { server } = ctx;
  const [{ passkeys }, { devices }, routes] = await Promise.all([
    ctx.call(() => server.passkeys(signal)),
    ctx.call(() => server.devices(signal)),
    ctx.call(() => server.recoveryStatus()),
  ]);
  const item = (id: string, name: string, createdAt: number, key: string): LogMigrationItem => Object.freeze({ id, name, createdAt, fingerprint: fingerprintOf(key) });
  const deviceKeys = new Map(devices.filter((d) => d.revokedAt === null).map((d) => [d.id, { key: d.publicKey, app: d.app.id }] as const));
  const plan: LogMigrationPlan = Object.freeze({
    passkeys: Object.freeze(passkeys.map((p) => item(p.id, p.name, p.createdAt, p.publicKey))),
    devices: Object.freeze(devices.filter((d) => deviceKeys.has(d.id)).map((d) => item(d.id, d.name, d.createdAt, deviceKeys.get(d.id)!.key))),
    currentDeviceId: core.requireVault().deviceId,
    totp: routes.totp.enrolled,
    kit: routes.kit.active,
    pinRecovery: routes.pin.active,
  });
  const route = (on: boolean, id: string | null, change: (id: string) => LogChange): LogChange[] => (on && id ? [change(id)] : []);
  plans.set(plan, {
    userId: ctx.userId,
    passkeys: new Map(passkeys.map((p) => [p.id, p.publicKey])),
    devices: deviceKeys,
    routes: [
      ...route(routes.totp.enrolled, routes.logIds.totp, (id) => ({ op: 'totp.add', id })),
      ...route(routes.kit.active, routes.logIds.kit, (id) => ({ op: 'kit.set', id })),
      ...route(routes.pin.active, routes.logIds.pin, (id) => ({ op: 'pin-recovery.set', id })),
    ],
  });
  return plan;
}

/**
 * Gives the session the account's identity key: the one the server's key bundle holds already (an
 * earlier attempt, or another device migrating at the same moment), else a new one sealed into the
 * bundle, uploaded compare-and-set as the next version. Throws `rolled_back`, `account_changed`.
 */
async function ensureIdentity(core: VaultCore, session: Session, ctx: LogContext, tries = 2): Promise<void> {
  const { userId } = ctx;
  const { keysKey } = session.unlocked;
  const { keyBundle } = await ctx.call(() => ctx.server.backup());
  if (!keyBundle) throw new VaultError('account_changed', 'The key server holds no key bundle for this account.');
  if (keyBundle.version < core.requireVault().keyBundleVersion) throw new VaultError('rolled_back');
  const blob = parseGcmBlob<Ciphertext>(keyBundle.blob);
  let held;
  try {
    held = await openKeyBundle(blob, keysKey, userId, keyBundle.version);
  } catch (error) {
    if (error instanceof VaultCryptoError && error.code === 'decrypt_failed') throw new VaultError('account_changed', undefined, { cause: error });
    throw error;
  }
  if (held.identity) {
    await keepKeyBundle(core, blob, keyBundle.version);
    session.identity = held.identity;
    return;
  }
  const sealed = await sealBundleWithIdentity(blob, keysKey, userId, keyBundle.version, await createIdentityKey());
  let version: number;
  try {
    ({ version } = await ctx.call(() => ctx.server.putKeyBundle(sealed, keyBundle.version)));
  } catch (error) {
    // Another device changed the bundle first (its own migration, perhaps): start from its bundle.
    if (tries > 1 && error instanceof KeyServerError && error.serverCode === 'stale_version') return ensureIdentity(core, session, ctx, tries - 1);
    throw error;
  }
  await keepKeyBundle(core, sealed, version);
  session.identity = (await openKeyBundle(sealed, keysKey, userId, version)).identity;
}

/**
 * Starts the log vouching for the kept passkeys and devices (this device always) and the recovery
 * routes the plan listed. Throws `not_found` (a plan this vault did not make), `locked`,
 * `account_changed`, `rolled_back`, `account_log_unverified`, `offline`.
 */
export async function confirmMigration(core: VaultCore, ctx: LogContext, plan: LogMigrationPlan, choice: LogMigrationChoice): Promise<void> {
  const details = plans.get(plan);
  if (!details || details.userId !== ctx.userId) throw new VaultError('not_found', 'Not a migration plan of this vault.');
  const session = core.requireSession();
  if (!session.identity) await ensureIdentity(core, session, ctx);
  const keptDevices = new Set([...choice.keep.devices, plan.currentDeviceId]);
  const changes: LogChange[] = [
    ...choice.keep.passkeys.flatMap((id): LogChange[] => (details.passkeys.has(id) ? [{ op: 'passkey.add', id, key: details.passkeys.get(id)! }] : [])),
    ...[...details.devices].filter(([id]) => keptDevices.has(id)).map(([, { key, app }]): LogChange => ({ op: 'device.add', key, app })),
    ...details.routes,
  ];
  await appendToLog(ctx, changes, { genesis: true });
}

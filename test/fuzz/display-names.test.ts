/**
 * Device and passkey names are the only free text the key server stores. A name is either stored
 * exactly as the API said it was (so it reads back the same on both databases) or refused as
 * `invalid_request`, never a 500: PostgreSQL cannot hold NUL in text, and a lone surrogate turns
 * into U+FFFD on the way to either database.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutPrfOutput } from '../../protocol/webauthn';
import { createAccount, newDeviceKey, type TestUser } from '../helpers/accounts';
import { DIALECTS, ORIGIN, startTestServer, type TestServer } from '../helpers/harness';
import { SoftAuthenticator } from '../helpers/soft-authenticator';

const SEED = Number(process.env.FUZZ_SEED ?? 0x6b6579);

const hostileName = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 70 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\uD800', 'x\uDFFF', 'tab\there', 'line\nbreak', '\u202Eevil', '\uFEFFbom', 'é'.repeat(64), '\u{1F511}'.repeat(32), "'; drop table devices; --", '<img src=x onerror=alert(1)>'),
);

function expectStoredOrRefused(reply: { status: number; body: any }, sent: string): string | undefined {
  expect([200, 400], JSON.stringify(reply.body)).toContain(reply.status);
  if (reply.status === 400) {
    expect(reply.body.error.code).toBe('invalid_request');
    return undefined;
  }
  return sent.trim();
}

describe.each(DIALECTS)('display names (%s)', (dialect) => {
  let server: TestServer;
  let owner: TestUser;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    owner = await createAccount(server, 'name-owner');
  });

  afterAll(async () => {
    await server?.close();
  });

  it('stores a device name that reads back as sent, or refuses it as invalid_request', async () => {
    await fc.assert(
      fc.asyncProperty(hostileName, async (name) => {
        const key = await newDeviceKey();
        const reply = await owner.client.post('/api/devices', { name, publicKey: key.publicKey });
        const stored = expectStoredOrRefused(reply, name);
        if (stored === undefined) return;
        expect(reply.body.name).toBe(stored);
        const listed = await owner.client.get('/api/devices');
        expect(listed.body.devices.find((d: { id: string }) => d.id === reply.body.id)?.name).toBe(stored);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('stores a passkey name that reads back as sent, or refuses it as invalid_request', async () => {
    await fc.assert(
      fc.asyncProperty(hostileName, async (passkeyName) => {
        const options = await owner.client.post('/api/passkeys/add/options');
        expect(options.status).toBe(200);
        const response = await new SoftAuthenticator().register(options.body, { origin: ORIGIN, prf: true });
        const reply = await owner.client.post('/api/passkeys/add/verify', { response: withoutPrfOutput(response), passkeyName });
        const stored = expectStoredOrRefused(reply, passkeyName);
        if (stored === undefined) return;
        expect(reply.body.passkey.name).toBe(stored);
        const listed = await owner.client.get('/api/passkeys');
        expect(listed.body.passkeys.find((p: { id: string }) => p.id === reply.body.passkey.id)?.name).toBe(stored);
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  it('renames a device and a passkey to a name that reads back as sent, or refuses it and keeps the old one', async () => {
    const key = await newDeviceKey();
    const device = (await owner.client.post('/api/devices', { name: 'Before', publicKey: key.publicKey })).body.id as string;
    await fc.assert(
      fc.asyncProperty(hostileName, async (name) => {
        for (const [path, read] of [
          [`/api/devices/${device}`, async () => ((await owner.client.get('/api/devices')).body.devices as Array<{ id: string; name: string }>).find((d) => d.id === device)!.name],
          [`/api/passkeys/${owner.credentialId}`, async () => ((await owner.client.get('/api/passkeys')).body.passkeys as Array<{ id: string; name: string }>).find((p) => p.id === owner.credentialId)!.name],
        ] as const) {
          const before = await read();
          const stored = expectStoredOrRefused(await owner.client.patch(path, { name }), name);
          expect(await read()).toBe(stored ?? before);
        }
      }),
      { seed: SEED, numRuns: 30 },
    );
  });
});

/**
 * The passkey port against a fake `navigator.credentials`. A fake at this boundary is used only
 * for what no real browser in the suite can be made to do: Chromium's virtual authenticator always
 * evaluates the PRF at create(), never refuses the extension, and never returns odd extension
 * outputs. Everything else runs on real authenticators (soft-browser.ts in Node, Chromium in e2e).
 */
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, encodeBase64Url } from '../../../protocol/base64url';
import { createBrowserPasskeys, type CredentialsPort } from './passkeys';
import { readPrfOutput, withPrfSaltsAsBytes } from './webauthn-json';

const salt = new Uint8Array(32).fill(7);
const saltB64 = encodeBase64Url(salt);
const prfOutput = () => new Uint8Array(32).fill(9);
const credentialId = encodeBase64Url(new Uint8Array([1, 2, 3, 4, 5]));

const registrationOptions = {
  challenge: 'Y2hhbGxlbmdl',
  rp: { id: 'localhost', name: 'Keyhold' },
  user: { id: 'dXNlcg', name: 'alice', displayName: 'alice' },
  pubKeyCredParams: [{ alg: -7, type: 'public-key' as const }],
  excludeCredentials: [{ id: 'b2xk', type: 'public-key' as const, transports: ['internal' as const] }],
  extensions: { credProps: true, prf: { eval: { first: saltB64 } } } as never,
};

const signInOptions = {
  challenge: 'Y2hhbGxlbmdl',
  rpId: 'localhost',
  allowCredentials: [{ id: credentialId, type: 'public-key' as const }],
  userVerification: 'required' as const,
  extensions: { prf: { evalByCredential: { [credentialId]: { first: saltB64 } } } } as never,
};

const buffer = (...values: number[]) => new Uint8Array(values).buffer;

/** A PublicKeyCredential as a browser returns it; `toJSON` throws, as the port must never need it. */
function credential(kind: 'create' | 'get', extensionResults: object = {}, transports: string[] = ['internal']): Credential {
  const response =
    kind === 'create'
      ? { clientDataJSON: buffer(1), attestationObject: buffer(2), getTransports: () => transports }
      : { clientDataJSON: buffer(1), authenticatorData: buffer(3), signature: buffer(4), userHandle: buffer(5) };
  return {
    id: credentialId,
    type: 'public-key',
    rawId: decodeBase64Url(credentialId).buffer,
    authenticatorAttachment: 'cross-platform',
    response,
    getClientExtensionResults: () => extensionResults,
    toJSON: () => {
      throw new Error('toJSON is not available in this browser');
    },
  } as unknown as Credential;
}

/** A fake `navigator.credentials` that records what it was asked and answers from the queues. */
function fakeCredentials(answers: { create?: Array<() => Promise<Credential | null>>; get?: Array<() => Promise<Credential | null>> }) {
  const seen = { create: [] as CredentialCreationOptions[], get: [] as CredentialRequestOptions[] };
  const port: CredentialsPort = {
    create: async (options) => {
      seen.create.push(options);
      const next = answers.create?.shift();
      if (!next) throw new Error('unexpected create()');
      return next();
    },
    get: async (options) => {
      seen.get.push(options);
      const next = answers.get?.shift();
      if (!next) throw new Error('unexpected get()');
      return next();
    },
  };
  return { passkeys: createBrowserPasskeys(port), seen };
}

const failing = (name: string, message = 'm') => async (): Promise<Credential> => {
  throw name === 'TypeError' ? new TypeError(message) : new DOMException(message, name);
};

describe('passkeys: PRF salts and outputs', () => {
  it('turns base64url PRF salts into bytes, for eval and evalByCredential, keeping everything else', () => {
    const converted = withPrfSaltsAsBytes({
      challenge: 'x',
      extensions: { credProps: true, prf: { eval: { first: saltB64, second: saltB64 }, evalByCredential: { Y3JlZA: { first: saltB64 } } } },
    });
    expect(converted).toEqual({
      challenge: 'x',
      extensions: { credProps: true, prf: { eval: { first: salt, second: salt }, evalByCredential: { Y3JlZA: { first: salt } } } },
    });
    const noPrf: { challenge: string; extensions?: object } = { challenge: 'x' };
    expect(withPrfSaltsAsBytes(noPrf)).toBe(noPrf);
  });

  it('reads the PRF output from an ArrayBuffer or a view, and nothing else', () => {
    const output = prfOutput();
    expect(readPrfOutput({ prf: { results: { first: output.buffer } } })).toEqual(output);
    expect(readPrfOutput({ prf: { results: { first: output } } })).toEqual(output);
    expect(readPrfOutput({ prf: { enabled: true } })).toBeNull();
    expect(readPrfOutput({ prf: { results: { first: 'base64url-is-not-what-browsers-give' } } })).toBeNull();
    expect(readPrfOutput(undefined)).toBeNull();
  });

  it('gives the browser bytes, returns the PRF output apart, and serialises the response by hand with booleans only', async () => {
    const results = { credProps: { rk: true }, prf: { enabled: true, results: { first: prfOutput().buffer } }, largeBlob: { blob: buffer(8) } };
    const { passkeys, seen } = fakeCredentials({ create: [async () => credential('create', results, ['internal', 'hybrid', 'telepathy'])] });
    const { response, prfOutput: output } = await passkeys.create(registrationOptions);
    expect(output).toEqual(prfOutput());
    expect(response).toEqual({
      id: credentialId,
      rawId: credentialId,
      type: 'public-key',
      response: { clientDataJSON: 'AQ', attestationObject: 'Ag', transports: ['internal', 'hybrid'] },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: { credProps: { rk: true }, prf: { enabled: true } },
    });
    const publicKey = seen.create[0]!.publicKey!;
    expect(publicKey.challenge).toEqual(decodeBase64Url('Y2hhbGxlbmdl'));
    expect(publicKey.user.id).toEqual(decodeBase64Url('dXNlcg'));
    expect(publicKey.excludeCredentials?.[0]?.id).toEqual(decodeBase64Url('b2xk'));
    expect(publicKey.extensions).toEqual({ credProps: true, prf: { eval: { first: salt } } });
    expect(seen.get).toEqual([]); // the output came with create(): no second prompt
  });

  it('serialises an assertion by hand, without the PRF output', async () => {
    const { passkeys, seen } = fakeCredentials({ get: [async () => credential('get', { prf: { results: { first: prfOutput().buffer } } })] });
    const { response, prfOutput: output } = await passkeys.get(signInOptions);
    expect(output).toEqual(prfOutput());
    expect(response).toEqual({
      id: credentialId,
      rawId: credentialId,
      type: 'public-key',
      response: { clientDataJSON: 'AQ', authenticatorData: 'Aw', signature: 'BA', userHandle: 'BQ' },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: {},
    });
    const publicKey = seen.get[0]!.publicKey!;
    expect(publicKey.allowCredentials?.[0]?.id).toEqual(decodeBase64Url(credentialId));
    expect(publicKey.extensions).toEqual({ prf: { evalByCredential: { [credentialId]: { first: salt } } } });
  });
});

describe('passkeys: PRF as browsers deliver it', () => {
  const withoutOutput = [
    ['no prf result at all', {}],
    ['prf.enabled false', { prf: { enabled: false } }],
    ['prf.enabled without results', { prf: { enabled: true } }],
  ] as const;

  it.each(withoutOutput)('after a registration with %s, evaluates the salt with one get() for the new credential', async (_, results) => {
    const { passkeys, seen } = fakeCredentials({
      create: [async () => credential('create', results)],
      get: [async () => credential('get', { prf: { results: { first: prfOutput().buffer } } })],
    });
    const { response, prfOutput: output } = await passkeys.create(registrationOptions);
    expect(output).toEqual(prfOutput());
    expect(response.clientExtensionResults).toEqual(results); // sent as the browser said it
    expect(seen.get).toHaveLength(1);
    const followUp = seen.get[0]!.publicKey!;
    expect(followUp).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(followUp.allowCredentials).toEqual([{ type: 'public-key', id: decodeBase64Url(credentialId), transports: ['internal'] }]);
    expect(followUp.extensions).toEqual({ prf: { evalByCredential: { [credentialId]: { first: salt } } } });
  });

  it('keeps the registration when the follow-up get() is dismissed or gives no PRF either: the passkey just cannot unlock', async () => {
    for (const answer of [failing('NotAllowedError'), async () => credential('get', {})]) {
      const { passkeys } = fakeCredentials({ create: [async () => credential('create', { prf: { enabled: false } })], get: [answer] });
      const { response, prfOutput: output } = await passkeys.create(registrationOptions);
      expect(output).toBeNull();
      expect(response.id).toBe(credentialId);
    }
  });

  it('never sends an empty prf: {}', async () => {
    const { passkeys, seen } = fakeCredentials({ create: [async () => credential('create', {})], get: [async () => credential('get', {})] });
    await passkeys.create({ ...registrationOptions, extensions: { credProps: true, prf: {} } as never });
    await passkeys.get({ ...signInOptions, extensions: { prf: { evalByCredential: {} } } as never });
    expect(seen.create[0]!.publicKey!.extensions).toEqual({ credProps: true });
    expect(seen.get[0]!.publicKey!.extensions).toEqual({});
    expect(seen.get).toHaveLength(1); // nothing was asked of PRF, so no follow-up either
  });

  it.each([
    ['NotSupportedError', 'The operation is not supported.'],
    ['TypeError', "Failed to read the 'extensions' property from 'PublicKeyCredentialCreationOptions'"],
  ])('tries a create() that failed with %s once more without PRF, and then asks for no get()', async (name, message) => {
    const { passkeys, seen } = fakeCredentials({ create: [failing(name, message), async () => credential('create', {})] });
    const { prfOutput: output } = await passkeys.create(registrationOptions);
    expect(output).toBeNull();
    expect(seen.create.map((o) => o.publicKey!.extensions)).toEqual([{ credProps: true, prf: { eval: { first: salt } } }, { credProps: true }]);
    expect(seen.get).toEqual([]);
  });

  it('does not retry failures PRF cannot cause, and maps them', async () => {
    const cases = [
      [failing('NotAllowedError'), 'passkey_cancelled'],
      [failing('InvalidStateError'), 'passkey_failed'],
      [failing('TypeError', "Cannot read properties of undefined (reading 'id')"), 'passkey_failed'],
      [async () => null, 'passkey_failed'],
    ] as const;
    for (const [answer, code] of cases) {
      const { passkeys, seen } = fakeCredentials({ create: [answer] });
      await expect(passkeys.create(registrationOptions)).rejects.toMatchObject({ code });
      expect(seen.create).toHaveLength(1);
    }
    const retried = fakeCredentials({ create: [failing('NotSupportedError'), failing('NotSupportedError')] });
    await expect(retried.passkeys.create(registrationOptions)).rejects.toMatchObject({ code: 'passkey_failed' });
    expect(retried.seen.create).toHaveLength(2);
  });

  it('says passkey_failed where the browser has no WebAuthn', async () => {
    await expect(createBrowserPasskeys().create(registrationOptions)).rejects.toMatchObject({ code: 'passkey_failed' });
  });

  it("hands the caller's signal to the browser and rejects with its reason when it aborts", async () => {
    let seenSignal: AbortSignal | undefined;
    const port: CredentialsPort = {
      create: (options) =>
        new Promise((_, reject) => {
          seenSignal = options.signal;
          options.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
      get: async () => null,
    };
    const abort = new AbortController();
    const pending = createBrowserPasskeys(port).create(registrationOptions, abort.signal);
    await expect.poll(() => seenSignal).toBe(abort.signal);
    abort.abort();
    await expect(pending).rejects.toBe(abort.signal.reason);
  });
});

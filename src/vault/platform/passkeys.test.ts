import { WebAuthnError, type RegistrationResponseJSON } from '@simplewebauthn/browser';
import { describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../../protocol/base64url';
import { createBrowserPasskeys, readPrfOutput, withPrfSaltsAsBytes, type WebAuthnCeremonies } from './passkeys';

const salt = new Uint8Array(32).fill(7);
const saltB64 = encodeBase64Url(salt);

const registrationOptions = {
  challenge: 'Y2hhbGxlbmdl',
  rp: { id: 'localhost', name: 'Keyhold' },
  user: { id: 'dXNlcg', name: 'alice', displayName: 'alice' },
  pubKeyCredParams: [{ alg: -7, type: 'public-key' as const }],
  extensions: { credProps: true, prf: { eval: { first: saltB64 } } } as never,
};

const registration = (clientExtensionResults: object): RegistrationResponseJSON => ({
  id: 'Y3JlZA',
  rawId: 'Y3JlZA',
  type: 'public-key',
  response: { clientDataJSON: 'e30', attestationObject: 'AA' },
  clientExtensionResults: clientExtensionResults as never,
});

function ceremoniesAnswering(answer: () => Promise<RegistrationResponseJSON>, seen: unknown[] = []): WebAuthnCeremonies {
  return {
    startRegistration: async ({ optionsJSON }) => {
      seen.push(optionsJSON);
      return answer();
    },
    startAuthentication: async () => {
      throw new Error('not used');
    },
    cancelCeremony: () => {},
  };
}

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
    const output = new Uint8Array(32).fill(9);
    expect(readPrfOutput({ prf: { results: { first: output.buffer } } })).toEqual(output);
    expect(readPrfOutput({ prf: { results: { first: output } } })).toEqual(output);
    expect(readPrfOutput({ prf: { enabled: true } })).toBeNull();
    expect(readPrfOutput({ prf: { results: { first: 'base64url-is-not-what-browsers-give' } } })).toBeNull();
    expect(readPrfOutput(undefined)).toBeNull();
  });

  it('returns the PRF output apart and a response stripped of it', async () => {
    const output = new Uint8Array(32).fill(9);
    const seen: unknown[] = [];
    const passkeys = createBrowserPasskeys(
      ceremoniesAnswering(async () => registration({ credProps: { rk: true }, prf: { enabled: true, results: { first: output.buffer } } }), seen),
    );
    const { response, prfOutput } = await passkeys.create(registrationOptions);
    expect(prfOutput).toEqual(output);
    expect(response.clientExtensionResults).toEqual({ credProps: { rk: true }, prf: { enabled: true } });
    expect((seen[0] as { extensions: { prf: { eval: { first: unknown } } } }).extensions.prf.eval.first).toEqual(salt);
  });

  it('maps a dismissed or timed-out prompt to passkey_cancelled and other failures to passkey_failed', async () => {
    const failWith = (name: string) =>
      createBrowserPasskeys(
        ceremoniesAnswering(async () => {
          throw new WebAuthnError({ message: 'm', code: 'ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY', cause: new DOMException('m', name) });
        }),
      ).create(registrationOptions);
    await expect(failWith('NotAllowedError')).rejects.toMatchObject({ code: 'passkey_cancelled' });
    await expect(failWith('InvalidStateError')).rejects.toMatchObject({ code: 'passkey_failed' });
    const unsupported = createBrowserPasskeys(ceremoniesAnswering(async () => Promise.reject(new Error('WebAuthn is not supported in this browser'))));
    await expect(unsupported.create(registrationOptions)).rejects.toMatchObject({ code: 'passkey_failed' });
  });

  it('cancels the ceremony when the caller aborts, rejecting with the abort reason', async () => {
    let cancelled = false;
    let rejectCeremony!: (error: unknown) => void;
    const passkeys = createBrowserPasskeys({
      startRegistration: () => new Promise((_, reject) => (rejectCeremony = reject)),
      startAuthentication: async () => Promise.reject(new Error('not used')),
      cancelCeremony: () => {
        cancelled = true;
        rejectCeremony(new WebAuthnError({ message: 'aborted', code: 'ERROR_CEREMONY_ABORTED', cause: new DOMException('aborted', 'AbortError') }));
      },
    });
    const abort = new AbortController();
    const pending = passkeys.create(registrationOptions, abort.signal);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(cancelled).toBe(true);
  });
});

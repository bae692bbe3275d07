import { describe, expect, it } from 'vitest';
import { encodeBase64Url } from '../../../protocol/base64url';
import { DEFAULT_ARGON2_PARAMS, type Argon2Params } from '../crypto';
import { fakeArgon2ForHierarchyTests, fromHex, hex } from '../../../test/helpers/fake-argon2';
import { blindInput, finalizeOutput, pinRecoveryInput, pinRecoveryKeys } from './oprf-client';

/** RFC 9497 Appendix A.1.1, OPRF(ristretto255, SHA-512) base mode, test vector 1 (the server side is checked in server/domain/oprf.test.ts). */
const INPUT = '00';
const BLIND = '64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706';
const EVALUATION = '7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e';
const OUTPUT = '527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6';

describe('the client side of the PIN recovery OPRF', () => {
  it('finalizes the RFC 9497 vector to its output', () => {
    expect(hex(finalizeOutput(fromHex(INPUT), fromHex(BLIND), encodeBase64Url(fromHex(EVALUATION))))).toBe(OUTPUT);
  });

  it('blinds with a fresh blind each time, so the server cannot link two attempts', () => {
    const input = fromHex('aa'.repeat(32));
    const first = blindInput(input);
    const second = blindInput(input);
    expect(first.blindedElement).not.toBe(second.blindedElement);
    expect(first.blindedElement).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses an evaluation that is not an element, as a malformed blob', () => {
    for (const bad of [encodeBase64Url(new Uint8Array(32)), encodeBase64Url(new Uint8Array(32).fill(0xff)), 'not*base64']) {
      expect(() => finalizeOutput(fromHex(INPUT), fromHex(BLIND), bad)).toThrow(expect.objectContaining({ code: 'malformed_blob' }));
    }
  });

  it('derives one tag per output, and a KEK apart from it', async () => {
    const output = fromHex(OUTPUT);
    const a = await pinRecoveryKeys(output);
    const b = await pinRecoveryKeys(output);
    expect(a.tag).toBe(b.tag);
    expect(a.tag).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await pinRecoveryKeys(fromHex('11'.repeat(64)))).tag).not.toBe(a.tag);
    expect(a.kek.extractable).toBe(false);
    expect(a.kek.usages.sort()).toEqual(['decrypt', 'encrypt']);
  });

  it('feeds the OPRF with Argon2id of the normalized PIN, and checks the tag length', async () => {
    const salt = new Uint8Array(16).fill(3);
    const fullwidth = await pinRecoveryInput('５８３９２０', salt, DEFAULT_ARGON2_PARAMS, fakeArgon2ForHierarchyTests);
    expect(hex(fullwidth)).toBe(hex(await pinRecoveryInput('583920', salt, DEFAULT_ARGON2_PARAMS, fakeArgon2ForHierarchyTests)));
    const short = async (_p: Uint8Array, _s: Uint8Array, _params: Argon2Params) => new Uint8Array(16);
    await expect(pinRecoveryInput('583920', salt, DEFAULT_ARGON2_PARAMS, short)).rejects.toMatchObject({ code: 'kdf_failed' });
  });
});

import { expect } from 'vitest';
import { z } from 'zod';
import { RecordEnvelope } from '../../protocol/api';
import { ERROR_CODES } from '../../protocol/errors';
import { STATUS_OF } from '../../server/http/errors';
import { brokenParts, describeRequest, mayBeAccepted, type FuzzRequest, type Reply } from './requests';
import type { FuzzWorld } from './world';

/** The error body exactly as protocol/errors.ts promises it: nothing more, nothing less. */
const StrictErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string().min(1),
    currentVersion: z.number().int().optional(),
    retryAfterSeconds: z.number().int().optional(),
    guessesLeft: z.number().int().optional(),
    current: RecordEnvelope.strict().nullable().optional(),
  }),
});

/** Traces of an exception leaking out: stack frames, source paths, module folders. */
const LEAKS = [/\n\s*at /, /\bat [\w$.<>]+ \(/, /\/work\//, /node_modules/, /\.[cm]?[jt]s:\d+/, /file:\/\//];

/** Strings the client sent that it chose itself: keys and values of the body, query and path. */
function sentStrings(req: FuzzRequest): string[] {
  const out = [...Object.values(req.params)];
  for (const [k, v] of new URLSearchParams(req.query)) out.push(k, v);
  const payload = req.body?.payload;
  if (typeof payload === 'string') {
    try {
      collectStrings(JSON.parse(payload), out);
    } catch {
      out.push(payload);
    }
  }
  return out;
}

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      collectStrings(v, out);
    }
  }
}

/** The names zod's messages give a received value's type ("expected number, received Infinity"). */
const TYPE_NAMES = ['Infinity', '-Infinity', 'undefined', 'function', 'bigint'];

/** Every key and string in the OpenAPI document (field names, enum values, descriptions), and zod's type names. */
export function vocabularyOf(doc: unknown): Set<string> {
  const strings: string[] = [...TYPE_NAMES];
  collectStrings(doc, strings);
  return new Set(strings);
}

/**
 * Sent strings an error message must not repeat. Short strings and the API's own vocabulary
 * (field names and enum values a message may name) are not evidence of an echo.
 */
function markersOf(req: FuzzRequest, vocabulary: Set<string>): string[] {
  return sentStrings(req)
    .map((s) => s.trim())
    .filter((s) => s.length >= 8 && !vocabulary.has(s));
}

/** Everything wrong with one reply to one request; empty when it keeps the contract. */
export function replyProblems(reply: Reply, req: FuzzRequest, world: FuzzWorld, vocabulary: Set<string>): string[] {
  const problems: string[] = [];
  if (reply.status >= 500) problems.push(`server error ${reply.status}`);
  if (!/^application\/json\b/.test(reply.contentType)) problems.push(`content-type ${JSON.stringify(reply.contentType)}, not JSON`);
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    problems.push('body is not JSON');
  }
  if (reply.status < 400 && !mayBeAccepted(req, world)) problems.push(`accepted (${reply.status}) though ${brokenParts(req, world).join(', ') || 'it must be refused'}`);
  // Without a session the answer is the session check's, or an earlier gate's (size, origin, no such route).
  if (req.op.needsSession && (req.session === 'none' || req.session === 'forged') && ![401, 403, 404, 413].includes(reply.status)) {
    problems.push(`${reply.status} without a session`);
  }
  if (reply.status < 400) return problems;
  const parsed = StrictErrorBody.safeParse(body);
  if (!parsed.success) return [...problems, `not the error body: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`];
  const { code, message } = parsed.data.error;
  if (reply.status !== STATUS_OF[code]) problems.push(`status ${reply.status} but code ${code} maps to ${STATUS_OF[code]}`);
  for (const leak of LEAKS) if (leak.test(reply.text)) problems.push(`leaks ${leak}`);
  for (const sent of markersOf(req, vocabulary)) if (message.includes(sent)) problems.push(`echoes ${JSON.stringify(sent)}`);
  return problems;
}

/**
 * The contract for every reply to a fuzzed request: below 500, JSON, a refusal unless the request
 * may be valid, and for a refusal the documented error body with a status matching its code, no
 * stack trace and no echo of the input.
 */
export function expectSafeReply(reply: Reply, req: FuzzRequest, world: FuzzWorld, vocabulary: Set<string>): void {
  const problems = replyProblems(reply, req, world, vocabulary);
  if (problems.length) expect(problems, `${describeRequest(req)}\n→ ${reply.status} ${reply.contentType} ${reply.text.slice(0, 500)}`).toEqual([]);
}

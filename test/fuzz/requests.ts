import fc from 'fast-check';
import type { z } from 'zod';
import { NOTES_ORIGIN, ORIGIN, type TestServer } from '../helpers/harness';
import { randomBody, SIMPLE_CONTENT_TYPES, type FuzzBody } from './bodies';
import { base64urlString, marker } from './schema-values';
import { fillPath, type Operation } from './operations';
import type { FuzzWorld } from './world';

/** The API sub-app serves the document and declares no `servers`: its paths are relative to /api. */
export const API_BASE = '/api';

export type SessionKind = 'passkey' | 'device' | 'forged' | 'none';

export interface FuzzRequest {
  op: Operation;
  params: Record<string, string>;
  /** Raw query string, without the `?`. */
  query: string;
  session: SessionKind;
  /** The Cookie header sent when `session` is `forged`. */
  forgedCookie: string;
  origin: string | undefined;
  body: FuzzBody | undefined;
}

export interface Reply {
  status: number;
  contentType: string;
  text: string;
}

export const urlOf = (req: FuzzRequest): string => `${API_BASE}${fillPath(req.op.template, req.params)}${req.query ? `?${req.query}` : ''}`;

function cookieOf(req: FuzzRequest, world: FuzzWorld): string | undefined {
  switch (req.session) {
    case 'passkey':
      return world.cookies.passkey;
    case 'device':
      return world.cookies.device;
    case 'forged':
      return req.forgedCookie;
    case 'none':
      return undefined;
  }
}

export async function send(server: TestServer, req: FuzzRequest, world: FuzzWorld): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (req.origin !== undefined) headers.origin = req.origin;
  const cookie = cookieOf(req, world);
  if (cookie !== undefined) headers.cookie = cookie;
  if (req.body?.contentType !== undefined) headers['content-type'] = req.body.contentType;
  const res = await server.app.request(urlOf(req), { method: req.op.method, headers, body: req.body?.payload ?? null });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

const utf8 = new TextEncoder();

function sizeOf(body: FuzzBody | undefined): number {
  if (!body) return 0;
  const { payload } = body;
  if (typeof payload === 'string') return utf8.encode(payload).byteLength;
  if (payload instanceof Uint8Array) return payload.byteLength;
  return payload instanceof URLSearchParams ? payload.toString().length : 0;
}

/**
 * The body as the route's validator would pass it on, or `undefined` if it must refuse it. Mirrors
 * what the server does: no Content-Type parses as `{}`, the CORS-simple media types are refused
 * outright, anything else is decoded as UTF-8 (dropping a byte-order mark, as fetch does) and
 * parsed as JSON. Errs towards "accepted", which only ever makes the fuzzer more careful.
 */
function acceptedBody(body: FuzzBody | undefined, schema: z.ZodType): { value: unknown } | undefined {
  const parse = (value: unknown) => {
    const result = schema.safeParse(value);
    return result.success ? { value: result.data } : undefined;
  };
  if (!body) return parse({});
  const { payload, contentType } = body;
  if (payload instanceof FormData || payload instanceof URLSearchParams) return undefined;
  if (contentType === undefined) return parse({});
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  if (SIMPLE_CONTENT_TYPES.some((t) => t.split(';')[0] === essence)) return undefined;
  try {
    return parse(JSON.parse(new TextDecoder().decode(typeof payload === 'string' ? utf8.encode(payload) : payload)));
  } catch {
    return undefined;
  }
}

/** Every part of the request that on its own guarantees a refusal; empty if the request may be valid. */
export function brokenParts(req: FuzzRequest, world: FuzzWorld): string[] {
  const { op } = req;
  const parts: string[] = [];
  if (sizeOf(req.body) > world.bodyLimit) parts.push('oversized body');
  if (op.method !== 'GET' && req.origin !== ORIGIN && req.origin !== NOTES_ORIGIN) parts.push('foreign origin');
  if (op.needsSession && (req.session === 'none' || req.session === 'forged')) parts.push('no session');
  // The world's sessions are Keyhold's: on Field notes' requests they are no session at all.
  if (op.needsSession && req.origin === NOTES_ORIGIN) parts.push('another app\'s session');
  const unknownParams = op.pathParams.filter((name) => !world.realIds.includes(req.params[name]!));
  if (!op.contract?.clientChosenId) for (const name of unknownParams) parts.push(`unknown ${name}`);
  if (op.contract?.body) {
    const accepted = acceptedBody(req.body, op.contract.body);
    // A client-chosen id that names nothing is at version 0 (a malformed one is refused anyway).
    const storedVersion = op.contract.clientChosenId && unknownParams.length > 0 ? 0 : world.storedVersion;
    if (!accepted) parts.push('body');
    else if (op.contract.compareAndSet && (accepted.value as { expectedVersion?: unknown }).expectedVersion !== storedVersion) parts.push('stale expectedVersion');
  }
  return parts;
}

/** May the server answer 2xx? Only reads, and challenge issuers given a request with nothing broken. */
export function mayBeAccepted(req: FuzzRequest, world: FuzzWorld): boolean {
  const kind = req.op.contract?.kind;
  return kind === 'read' || (kind === 'challenge' && brokenParts(req, world).length === 0);
}

function preview(payload: FuzzBody['payload'] | undefined): string {
  if (payload === undefined) return '(none)';
  if (payload instanceof FormData) return `FormData(${[...payload.keys()].join(',')})`;
  const text = typeof payload === 'string' ? payload : payload instanceof Uint8Array ? `bytes[${[...payload.slice(0, 40)].join(',')}]` : payload.toString();
  return text.length > 300 ? `${JSON.stringify(text.slice(0, 300))}… (${text.length} chars)` : JSON.stringify(text);
}

export function describeRequest(req: FuzzRequest): string {
  const origin = req.origin ?? '(none)';
  const session = req.session === 'forged' ? `forged ${JSON.stringify(req.forgedCookie)}` : req.session;
  const body = req.body ? `${req.body.label}, content-type ${req.body.contentType ?? '(none)'}, payload ${preview(req.body.payload)}` : '(none)';
  return `${req.op.method} ${urlOf(req)} | session ${session} | origin ${origin} | body ${body}`;
}

/** Gives a request a readable form in fast-check's counterexample report. */
export const reportable = (req: FuzzRequest): FuzzRequest => Object.assign(req, { [fc.toStringMethod]: () => describeRequest(req) });

const anyText = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength });

const pathParam = (world: FuzzWorld) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...world.realIds) },
    { weight: 2, arbitrary: marker },
    { weight: 2, arbitrary: anyText(40) },
    { weight: 1, arbitrary: fc.constantFrom('', '.', '..', '../account', '%', '%00', '\u0000', 'A'.repeat(129), ' ', '\u{1F511}') },
  );

const queryValue = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom('', '-1', '0', '1', '1.5', '1e3', '1e400', '0x10', ' 7 ', 'NaN', 'Infinity', '9'.repeat(30), '9007199254740993', '-0', '200', '201', 'null', '[]'),
  anyText(20),
  marker,
);

function queryString(op: Operation): fc.Arbitrary<string> {
  const named = op.queryParams.length ? fc.array(fc.tuple(fc.constantFrom(...op.queryParams), queryValue), { maxLength: 4 }) : fc.constant([]);
  const unknown = fc.array(fc.tuple(fc.oneof(marker, anyText(10)), queryValue), { maxLength: 3 });
  const encoded = fc.tuple(named, unknown).map(([a, b]) => new URLSearchParams([...a, ...b]).toString());
  const rawJunk = fc.string({ unit: 'grapheme-ascii', maxLength: 40 }); // unencoded %, &, =, + and friends
  return fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 3, arbitrary: encoded }, { weight: 1, arbitrary: rawJunk });
}

const forgedCookie = fc.oneof(
  base64urlString(43, 43).map((t) => `kh_session=${t}`),
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => `kh_session=${s}`),
  fc.constantFrom('kh_session=', 'kh_session', '=;=;', 'kh_session="x', 'kh_session=%E0%A4%A', '__Host-kh_session=abc', 'other=1; kh_session=%00', 'kh_session-fieldnotes=abc', 'kh_session-=abc'),
);

const foreignOrigin = fc.constantFrom('null', 'http://localhost:8081', 'https://localhost:8080', 'http://evil.example', `${ORIGIN}/`, ORIGIN.toUpperCase());

/** A random request to one operation: path params, query, session, Origin and (for non-GET) a body. */
export function requestArbitrary(op: Operation, world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const isGet = op.method === 'GET';
  const sessions: SessionKind[] = op.contract?.auditsWhenSignedIn ? ['forged', 'none'] : ['passkey', 'device', 'forged', 'none'];
  const origin = isGet
    ? fc.constantFrom(ORIGIN, undefined, NOTES_ORIGIN)
    : fc.oneof({ weight: 8, arbitrary: fc.constant(ORIGIN) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: foreignOrigin }, { weight: 1, arbitrary: fc.constant(NOTES_ORIGIN) });
  return fc
    .record({
      params: fc.record(Object.fromEntries(op.pathParams.map((name) => [name, pathParam(world)]))),
      query: queryString(op),
      session: fc.constantFrom(...sessions),
      forgedCookie,
      origin,
      body: isGet ? fc.constant(undefined) : randomBody(op.bodySchema, world.bodyLimit),
    })
    .map((parts) => reportable({ op, ...parts }));
}

import fc from 'fast-check';
import type { JsonSchema } from './operations';
import { conforming, randomMutant } from './schema-values';

/** One request body as sent: its bytes, its content type, and a label for failure reports. */
export interface FuzzBody {
  label: string;
  /** `undefined` sends no Content-Type (FormData and URLSearchParams set their own). */
  contentType: string | undefined;
  payload: string | Uint8Array<ArrayBuffer> | FormData | URLSearchParams;
}

/**
 * Content types a browser may send cross-origin without a preflight (CORS "simple" requests):
 * the API must refuse them whatever the body says, or a form on another site could write.
 */
export const SIMPLE_CONTENT_TYPES = ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data'];
/** The usual JSON media type most of the time, and its odder spellings now and then. */
const JSON_CONTENT_TYPES = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/merge-patch+json', 'application/json;', 'application/json; charset=utf-16', 'application/json ; x=y', '', '*/*') },
);

export const json = (label: string, value: unknown, contentType = 'application/json'): FuzzBody => ({ label, contentType, payload: JSON.stringify(value) });
export const raw = (label: string, payload: FuzzBody['payload'], contentType: string | undefined = 'application/json'): FuzzBody => ({ label, contentType, payload });

const oversizedFill = (limit: number) => fc.integer({ min: limit + 1, max: limit * 3 });

/** Random bodies for an operation: schema-shaped mutants, arbitrary JSON, wrong types and syntax, wrong media types, oversized. */
export function randomBody(schema: JsonSchema | undefined, bodyLimit: number): fc.Arbitrary<FuzzBody | undefined> {
  const sample = schema ? conforming(schema) : fc.constant<unknown>({});
  const anyJson = fc.oneof(fc.jsonValue().map((v) => json('fc.jsonValue', v)), fc.object().map((v) => json('fc.object', v)));
  const wrongJsonType = fc.constantFrom<unknown>(null, true, 0, -1, 1e308, 'text', [], [{}], [[]]).map((v) => json('wrong JSON type', v));
  const brokenSyntax = sample.chain((v) => {
    const text = JSON.stringify(v);
    return fc.integer({ min: 0, max: Math.max(text.length - 1, 0) }).map((cut) => raw('truncated JSON', text.slice(0, cut)));
  });
  const garbage = fc.string({ unit: 'binary', maxLength: 200 }).map((s) => raw('random text', s));
  const wrongMediaType = fc.tuple(sample, fc.constantFrom(...SIMPLE_CONTENT_TYPES.filter((t) => t !== 'multipart/form-data'), 'application/xml', undefined))
    .map(([v, type]) => raw(`JSON sent as ${type ?? 'no content type'}`, JSON.stringify(v), type));
  const oversized = fc.tuple(sample, oversizedFill(bodyLimit)).map(([v, size]) => json('oversized', { ...(v as object), padding: 'A'.repeat(size) }));
  const shaped = schema ? [{ weight: 6, arbitrary: randomMutant(schema).map((m) => json(`schema-shaped, ${m.label}`, m.value)) }] : [];
  return fc.tuple(
    fc.oneof(
      ...shaped,
      { weight: 2, arbitrary: anyJson },
      { weight: 1, arbitrary: wrongJsonType },
      { weight: 1, arbitrary: brokenSyntax },
      { weight: 1, arbitrary: garbage },
      { weight: 1, arbitrary: wrongMediaType },
      { weight: 1, arbitrary: oversized },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    JSON_CONTENT_TYPES,
  ).map(([body, type]) => (body?.contentType === 'application/json' ? { ...body, contentType: type } : body));
}

/**
 * The fixed malformed-body corpus every operation gets, built around one conforming sample so the
 * keys are the route's own: broken syntax, NUL bytes, invalid UTF-8, 10 000-deep nesting, numbers
 * JSON cannot hold, wrong JSON types, the CORS-simple media types, form data, oversized bodies.
 */
export function malformedCorpus(sample: unknown, bodyLimit: number): FuzzBody[] {
  const text = JSON.stringify(sample);
  const firstKey = sample && typeof sample === 'object' && !Array.isArray(sample) ? (Object.keys(sample)[0] ?? 'field') : 'field';
  const form = new FormData();
  for (const [k, v] of Object.entries(sample as object)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  const deepArrays = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  return [
    raw('empty body', ''),
    raw('lone brace', '{'),
    raw('truncated JSON', text.slice(0, Math.floor(text.length / 2))),
    raw('trailing garbage', `${text}}`),
    raw('JSON with a raw NUL byte', new Uint8Array([0x7b, 0x22, 0x61, 0x00, 0x22, 0x3a, 0x31, 0x7d])),
    raw('NUL-escaped strings', text.replace(/"([^"]*)":"/g, '"$1":"\\u0000')),
    raw('invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0xc3, 0x28, 0x7d])),
    raw('byte-order mark then NUL', `\uFEFF\u0000${text}`),
    raw('10 000-deep arrays', deepArrays),
    raw('10 000-deep objects', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
    raw('10 000-deep arrays in a field', `{"${firstKey}":${deepArrays}}`),
    raw('numbers beyond float64', `{"${firstKey}":1e400,"expectedVersion":-1e400,"n":123456789012345678901234567890}`),
    raw('bare huge number', '9'.repeat(400)),
    json('JSON null', null),
    json('JSON string', 'payload-as-a-string'),
    json('JSON array of the sample', [sample]),
    raw('prototype keys', `{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"${firstKey}":{"toString":"x"}}`),
    raw('JSON after a byte-order mark', `\uFEFF${text}`),
    raw('JSON sent as text/plain', text, 'text/plain'),
    raw('JSON sent as text/plain;charset=UTF-8', text, 'text/plain;charset=UTF-8'),
    raw('JSON sent with no content type', text, undefined),
    raw('JSON sent as application/xml', text, 'application/xml'),
    raw('form data', form, undefined),
    raw('url-encoded form', new URLSearchParams(Object.entries(sample as object).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])), undefined),
    json('oversized JSON', { ...(sample as object), padding: 'A'.repeat(bodyLimit + 1) }),
    raw('oversized garbage', '['.repeat(bodyLimit * 2)),
  ];
}

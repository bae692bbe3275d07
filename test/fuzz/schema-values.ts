import fc from 'fast-check';
import { encodeBase64Url } from '../../protocol/base64url';
import { USERNAME_PATTERN } from '../../protocol/constants';
import { ORIGIN } from '../helpers/harness';
import type { JsonSchema } from './operations';

const BASE64URL_ALPHABET = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

/** A random valid base64url string (RFC 4648 §5, no padding: a length of 4n + 1 cannot occur). */
export const base64urlString = (minLength: number, maxLength: number) =>
  fc.string({ unit: BASE64URL_ALPHABET, minLength, maxLength }).map((s) => (s.length % 4 !== 1 ? s : s.length > minLength ? s.slice(0, -1) : `${s}A`));

/** A random key or string long enough (≥ 10 chars) that an echo of it in a reply is no accident. */
export const marker = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{9,15}$/);

/**
 * A value that satisfies the published JSON Schema (as far as JSON Schema can say: the base64url
 * refinements are not in the document, so every string is drawn from that alphabet). Some fields
 * get realistic shapes so fuzzed requests reach past the schema into the handlers. `complete`
 * fills every optional field and array, so that each can then be broken in turn.
 */
export function conforming(schema: JsonSchema, opts: { complete?: boolean; name?: string } = {}): fc.Arbitrary<unknown> {
  const { complete = false, name = '' } = opts;
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (Array.isArray(schema.type)) {
    // A nullable field: `complete` fills it with a value, like every optional field.
    const types = complete ? schema.type.filter((t) => t !== 'null') : schema.type;
    return fc.oneof(...types.map((type) => (type === 'null' ? fc.constant(null) : conforming({ ...schema, type }, opts))));
  }
  switch (schema.type) {
    case 'string':
      if (name === 'username') return fc.oneof(fc.stringMatching(USERNAME_PATTERN), base64urlString(1, 40));
      if (name === 'clientDataJSON') {
        // Decodes to client data naming a challenge the server never issued.
        return fc.record({ type: fc.constantFrom('webauthn.get', 'webauthn.create'), challenge: base64urlString(16, 43), origin: fc.constant(ORIGIN) })
          .map((data) => encodeBase64Url(new TextEncoder().encode(JSON.stringify(data))));
      }
      return base64urlString(Math.max(schema.minLength ?? 1, 1), Math.min(schema.maxLength ?? 64, 64));
    case 'integer':
    case 'number':
      return fc.integer({ min: schema.minimum ?? (schema.exclusiveMinimum ?? -1) + 1, max: Math.min(schema.maximum ?? 1_000_000, 1_000_000) });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(conforming(schema.items ?? {}, { complete }), { minLength: complete ? 1 : 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object': {
      const props = schema.properties ?? {};
      const fields = Object.fromEntries(Object.entries(props).map(([key, s]) => [key, conforming(s, { complete, name: key })]));
      return complete ? fc.record(fields) : fc.record(fields, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

type Path = Array<string | number>;
const REMOVE = Symbol('remove');

/** Every node of a JSON value (root included, as `[]`) with the schema that governs it. */
function fieldsOf(value: unknown, schema: JsonSchema | undefined, path: Path = []): Array<{ path: Path; schema: JsonSchema | undefined }> {
  const here = [{ path, schema }];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => fieldsOf(v, schema?.items, [...path, i]))];
  if (value && typeof value === 'object') {
    return [...here, ...Object.entries(value).flatMap(([k, v]) => fieldsOf(v, schema?.properties?.[k], [...path, k]))];
  }
  return here;
}

const fieldAt = (value: unknown, path: Path): unknown => path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], value);

function replaceAt(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  const replaced = (v: unknown) => replaceAt(v, rest, next);
  if (Array.isArray(value)) {
    const copy = [...(value as unknown[])];
    if (next === REMOVE && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = replaced(copy[head as number]);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (next === REMOVE && rest.length === 0) delete copy[head as string];
  else copy[head as string] = replaced(copy[head as string]);
  return copy;
}

/**
 * The ways to break one field, chosen by its schema: null, missing, the wrong JSON type, strings
 * too long, empty or outside base64url, numbers negative, fractional or beyond 2^53, enum values
 * that are not, and an unknown extra key. `tag` is the caller's marker string for new values.
 */
function breakages(value: unknown, schema: JsonSchema | undefined, tag: string): Array<[string, unknown]> {
  // A nullable field breaks like its non-null type (null itself is among the breakages below, and valid there).
  const type = (Array.isArray(schema?.type) ? schema.type.find((t) => t !== 'null') : schema?.type) ?? (Array.isArray(value) ? 'array' : typeof value);
  const list: Array<[string, unknown]> = [
    ['null', null],
    ['removed', REMOVE],
    ['wrong type', type === 'string' ? 12345 : tag],
    ['wrapped in an array', [value]],
    ['boolean', type === 'boolean' ? 'true' : false],
  ];
  if (schema?.enum) list.push(['not in the enum', tag]);
  if (type === 'string') {
    list.push(['too long', 'A'.repeat((schema?.maxLength ?? 4096) + 1)], ['empty', ''], ['outside base64url', `${tag}+/=`], ['with a NUL', `${tag}\u0000`], ['with an RTL override', `${tag}\u202E`], ['padded with spaces', ` ${tag} `]);
  }
  if (type === 'integer' || type === 'number') {
    list.push(['negative', -1], ['fraction', 1.5], ['beyond 2^53', 2 ** 64], ['1e308', 1e308], ['as a string', String(value)]);
  }
  if (type === 'object') list.push(['extra unknown field', { ...(value as object), [tag]: tag }]);
  return list;
}

export interface Mutant {
  label: string;
  value: unknown;
}

function mutate(sample: unknown, field: { path: Path; schema: JsonSchema | undefined }, [name, next]: [string, unknown]): Mutant {
  return { label: `${field.path.join('.') || '(root)'}: ${name}`, value: replaceAt(sample, field.path, next) };
}

const breakable = (field: { path: Path }) => ([, next]: [string, unknown]) => field.path.length > 0 || next !== REMOVE;

/** Every single-field breakage of a sample, for the deterministic sweep. */
export function allMutants(sample: unknown, schema: JsonSchema, tag: string): Mutant[] {
  return fieldsOf(sample, schema).flatMap((field) => breakages(fieldAt(sample, field.path), field.schema, tag).filter(breakable(field)).map((b) => mutate(sample, field, b)));
}

/** A schema-shaped value with one random field broken in one random way. */
export function randomMutant(schema: JsonSchema): fc.Arbitrary<Mutant> {
  return conforming(schema).chain((sample) =>
    fc.tuple(fc.constantFrom(...fieldsOf(sample, schema)), marker).chain(([field, tag]) =>
      fc.constantFrom(...breakages(fieldAt(sample, field.path), field.schema, tag).filter(breakable(field))).map((b) => mutate(sample, field, b)),
    ),
  );
}

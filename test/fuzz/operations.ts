import type { z } from 'zod';
import {
  AddPasskeyVerifyRequest,
  AppendAccountLogRequest,
  ApproveDeviceRequest,
  DeviceApprovalRequest,
  DeviceChallengeRequest,
  DeviceSignInRequest,
  LockEverywhereRequest,
  PinRecoveryFinishRequest,
  PollApprovalRequest,
  PinRecoveryParamsRequest,
  PinRecoveryStartRequest,
  PinRegisterFinishRequest,
  PinRegisterStartRequest,
  PutKeyBundleRequest,
  PutWrapPrfRequest,
  RecoveryKitPutRequest,
  RecoveryKitRecoverRequest,
  RecordWriteRequest,
  RegisterDeviceRequest,
  RegisterOptionsRequest,
  RenameRequest,
  RegisterVerifyRequest,
  SignInOptionsRequest,
  SignInVerifyRequest,
  TotpEnrollFinishRequest,
  TotpRecoverRequest,
} from '../../protocol/api';

/** The parts of an OpenAPI 3.1 document the fuzzer walks. */
export interface JsonSchema {
  /** A list for a nullable field (`['string', 'null']`). */
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  maxItems?: number;
  additionalProperties?: boolean | JsonSchema;
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/**
 * What a request to an operation may do when nothing in it is broken:
 * - `read`: a GET; may answer 200 and never writes the guarded tables;
 * - `challenge`: issues a challenge and counts a rate-limit hit, both outside the guarded tables;
 *   may answer 200 to a well-formed request;
 * - `ceremony`: needs a signature over a challenge the server issued, so a fuzzed request is
 *   always refused, even a schema-valid one (random ids, so no audit entry for a real user);
 * - `write`: changes stored data when valid, so every fuzzed request must be broken somehow.
 */
export type OperationKind = 'read' | 'challenge' | 'ceremony' | 'write';

export interface Contract {
  kind: OperationKind;
  /** The schema the route parses its JSON body with: the oracle for "is this body acceptable". */
  body?: z.ZodType;
  /** A GET that appends to the audit chain when signed in: fuzzed without a live session only. */
  auditsWhenSignedIn?: true;
  /** A compare-and-set write: a body whose `expectedVersion` is not the stored one is refused. */
  compareAndSet?: true;
  /**
   * The path names something the client chooses (a record id): an id that names nothing stored is
   * no refusal but a record at version 0, which a compare-and-set at expectedVersion 0 creates.
   */
  clientChosenId?: true;
}

/**
 * Every operation the fuzzer may meet, keyed `METHOD path` as in the document. A new route fails
 * the suite until it is classified here, so nothing in the API goes unfuzzed by accident.
 */
export const CONTRACTS: Record<string, Contract> = {
  'GET /health': { kind: 'read' },
  'POST /passkeys/register/options': { kind: 'challenge', body: RegisterOptionsRequest },
  'POST /passkeys/register/verify': { kind: 'ceremony', body: RegisterVerifyRequest },
  'POST /passkeys/signin/options': { kind: 'challenge', body: SignInOptionsRequest },
  'POST /passkeys/signin/verify': { kind: 'ceremony', body: SignInVerifyRequest },
  'GET /passkeys': { kind: 'read' },
  'POST /passkeys/add/options': { kind: 'challenge' },
  'POST /passkeys/add/verify': { kind: 'ceremony', body: AddPasskeyVerifyRequest },
  'PATCH /passkeys/{id}': { kind: 'write', body: RenameRequest },
  'DELETE /passkeys/{id}': { kind: 'write' },
  'POST /devices': { kind: 'write', body: RegisterDeviceRequest },
  'GET /devices': { kind: 'read' },
  'PATCH /devices/{id}': { kind: 'write', body: RenameRequest },
  'DELETE /devices/{id}': { kind: 'write' },
  'POST /devices/challenge': { kind: 'challenge', body: DeviceChallengeRequest },
  'POST /devices/signin': { kind: 'ceremony', body: DeviceSignInRequest },
  'GET /backup': { kind: 'read' },
  'PUT /backup/key-bundle': { kind: 'write', body: PutKeyBundleRequest, compareAndSet: true },
  'PUT /backup/wrap-prf/{credentialId}': { kind: 'write', body: PutWrapPrfRequest, compareAndSet: true },
  'GET /session': { kind: 'read' },
  'POST /session/signout': { kind: 'write' },
  'GET /audit': { kind: 'read' },
  'GET /account/export': { kind: 'read', auditsWhenSignedIn: true },
  'DELETE /account': { kind: 'write' },
  // Needs the kept device's signature over a challenge the server issued to it: always refused.
  'POST /account/lock-everywhere': { kind: 'ceremony', body: LockEverywhereRequest },
  // Recovery. A well-formed start for an unknown username is answered from a decoy record (its
  // rows are left out of the guarded snapshot, like challenges); finishing needs a ticket the
  // server issued, so a fuzzed finish, enrolment or TOTP code is always refused.
  'POST /recovery/pin/register/start': { kind: 'challenge', body: PinRegisterStartRequest },
  'POST /recovery/pin/register/finish': { kind: 'ceremony', body: PinRegisterFinishRequest },
  'POST /recovery/pin/params': { kind: 'challenge', body: PinRecoveryParamsRequest },
  'POST /recovery/pin/start': { kind: 'challenge', body: PinRecoveryStartRequest },
  'POST /recovery/pin/finish': { kind: 'ceremony', body: PinRecoveryFinishRequest },
  'DELETE /recovery/pin': { kind: 'write' },
  'POST /recovery/totp/enroll/start': { kind: 'challenge' },
  'POST /recovery/totp/enroll/finish': { kind: 'ceremony', body: TotpEnrollFinishRequest },
  'POST /recovery/totp/recover': { kind: 'ceremony', body: TotpRecoverRequest },
  'DELETE /recovery/totp': { kind: 'write' },
  'GET /recovery/status': { kind: 'read' },
  // The recovery kit: a valid PUT would replace the seeded kit, so every fuzzed one must be broken;
  // a recovery needs the kitAuth of the seeded kit (32 random bytes), so a fuzzed one is refused.
  'PUT /recovery/kit': { kind: 'write', body: RecoveryKitPutRequest },
  'DELETE /recovery/kit': { kind: 'write' },
  'POST /recovery/kit/recover': { kind: 'ceremony', body: RecoveryKitRecoverRequest },
  // Device approvals: a well-formed request stores a row outside the guarded tables (for a random,
  // unknown username: no audit entry); approving, denying and polling name a request id the
  // server issued (never a real id of the world), so a fuzzed one is always refused.
  'POST /device-approvals': { kind: 'challenge', body: DeviceApprovalRequest },
  'GET /device-approvals/pending': { kind: 'read' },
  'POST /device-approvals/{id}/approve': { kind: 'ceremony', body: ApproveDeviceRequest },
  'POST /device-approvals/{id}/deny': { kind: 'ceremony' },
  'POST /device-approvals/{id}/poll': { kind: 'ceremony', body: PollApprovalRequest },
  // Records: world.ts stores one at `storedVersion` under every real id.
  'GET /records/changes': { kind: 'read' },
  // The account log: appending needs entries signed by the account's identity key, which a fuzzed
  // body never is (a random key, a wrong link), so every fuzzed append is refused.
  'GET /account/log': { kind: 'read' },
  'POST /account/log': { kind: 'ceremony', body: AppendAccountLogRequest },
  'PUT /records/{id}': { kind: 'write', body: RecordWriteRequest, compareAndSet: true, clientChosenId: true },
  // The app the request's Origin names (the default app with no Origin): nothing stored changes.
  'GET /apps/current': { kind: 'read' },
};

export interface Operation {
  key: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
  /** Path template relative to the API mount point, e.g. `/devices/{id}`. */
  template: string;
  pathParams: string[];
  queryParams: string[];
  /** The JSON body schema as the document publishes it (generators start from it). */
  bodySchema: JsonSchema | undefined;
  needsSession: boolean;
  contract: Contract | undefined;
}

const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;

/** Every operation in the document, in document order. */
export function listOperations(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    METHODS.filter((m) => item[m]).map((m) => {
      const op = item[m]!;
      const key = `${m.toUpperCase()} ${template}`;
      const parameters = op.parameters ?? [];
      return {
        key,
        method: m.toUpperCase() as Operation['method'],
        template,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        bodySchema: op.requestBody?.content['application/json']?.schema,
        needsSession: (op.security ?? []).length > 0,
        contract: CONTRACTS[key],
      };
    }),
  );
}

/** The path with its parameters filled in, each percent-encoded as a client library would. */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

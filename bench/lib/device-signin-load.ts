import type autocannon from 'autocannon';
import { runLoad, type LoadFigures, type LoadSpec } from './load';
import type { PacedRequest } from './paced-load';
import { signDeviceChallenge, signDeviceChallengeSync, type SeededDevice } from './seed-account';

/** Registered devices (of several accounts) and where their key server listens; requests take them in turn. */
export interface DeviceTarget {
  url: string;
  origin: string;
  devices: SeededDevice[];
}

/** A challenge the server issued, and the device it was issued to. */
export interface IssuedChallenge {
  device: SeededDevice;
  challenge: string;
}

/** Round robin over the target's devices. */
function takeTurns(t: DeviceTarget): () => SeededDevice {
  let next = 0;
  return () => t.devices[next++ % t.devices.length]!;
}

/**
 * Each device's own client address, as the one reverse proxy in front of a deployment reports it
 * (X-Forwarded-For; the server runs with TRUST_PROXY=true). Without it every request would count
 * on the per-address counter of 127.0.0.1, one row that every sign-in must update.
 */
function fromDevice(t: DeviceTarget, request: autocannon.Request, device: SeededDevice, body: string): autocannon.Request {
  const i = t.devices.indexOf(device);
  return { ...request, headers: { ...request.headers, 'x-forwarded-for': `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}` }, body };
}

/** autocannon's per-connection context; one request in flight per connection, so it pairs a reply with its request. */
interface FlowContext {
  device?: SeededDevice;
  challenge?: string;
}

const CHALLENGE_PATH = '/api/devices/challenge';
const SIGNIN_PATH = '/api/devices/signin';

function jsonPost(t: DeviceTarget): Pick<LoadSpec, 'url' | 'method' | 'headers'> {
  return { url: t.url, method: 'POST', headers: { origin: t.origin, 'content-type': 'application/json' } };
}

/**
 * Asks the server for `count` device challenges, the devices taking turns, as fast as it answers
 * (step 1 of the sign-in), so the sign-in itself can be measured on its own. Also reports the issue rate.
 */
export async function issueChallenges(t: DeviceTarget, count: number, connections: number): Promise<{ challenges: IssuedChallenge[]; figures: LoadFigures }> {
  const challenges: IssuedChallenge[] = [];
  const nextDevice = takeTurns(t);
  const figures = await runLoad(
    {
      ...jsonPost(t),
      amount: count,
      requests: [
        {
          method: 'POST',
          path: CHALLENGE_PATH,
          setupRequest: (request, context) => {
            const device = nextDevice();
            (context as FlowContext).device = device;
            return fromDevice(t, request, device, JSON.stringify({ deviceId: device.deviceId }));
          },
          onResponse: (status, body, context) => {
            const { device } = context as FlowContext;
            if (status === 200 && device) challenges.push({ device, challenge: (JSON.parse(body) as { challenge: string }).challenge });
          },
        },
      ],
    },
    { connections: Math.min(connections, count), durationS: 3600 },
  );
  return { challenges, figures };
}

/** A ready sign-in request: its device and its JSON body. */
export interface PresignedSignIn {
  device: SeededDevice;
  body: string;
}

/** Signs every challenge beforehand with its device's WebCrypto key, as the app would; returns ready sign-ins. */
export async function presignChallenges(t: DeviceTarget, challenges: IssuedChallenge[]): Promise<PresignedSignIn[]> {
  const signIns: PresignedSignIn[] = [];
  for (let i = 0; i < challenges.length; i += 512) {
    const batch = challenges.slice(i, i + 512);
    const signatures = await Promise.all(batch.map(({ device, challenge }) => signDeviceChallenge(device.privateKey, t.origin, challenge)));
    batch.forEach(({ device, challenge }, j) => signIns.push({ device, body: JSON.stringify({ deviceId: device.deviceId, challenge, signature: signatures[j] }) }));
  }
  return signIns;
}

/**
 * POST /api/devices/signin with each pre-signed body exactly once. `maxOverallRequests` stops the
 * run when the pool is spent, whichever comes first with the duration.
 */
export function replayPresigned(t: DeviceTarget, signIns: PresignedSignIn[]): LoadSpec {
  let next = 0;
  return {
    ...jsonPost(t),
    maxOverallRequests: signIns.length,
    requests: [
      {
        method: 'POST',
        path: SIGNIN_PATH,
        // Past the end (should not happen) the last one is replayed and refused, which shows as errors.
        setupRequest: (request) => {
          const { device, body } = signIns[Math.min(next++, signIns.length - 1)]!;
          return fromDevice(t, request, device, body);
        },
      },
    ],
  };
}

/**
 * The whole device sign-in per connection, the devices taking turns: challenge, sign (node:crypto,
 * synchronously, the same P1363 signature WebCrypto makes), sign-in. `signedIn` counts completed flows.
 */
export function signInFlow(t: DeviceTarget): { spec: LoadSpec; flows: { signedIn: number; refused: number } } {
  const flows = { signedIn: 0, refused: 0 };
  const nextDevice = takeTurns(t);
  const requests: autocannon.Request[] = [
    {
      method: 'POST',
      path: CHALLENGE_PATH,
      setupRequest: (request, context) => {
        const device = nextDevice();
        (context as FlowContext).device = device;
        return fromDevice(t, request, device, JSON.stringify({ deviceId: device.deviceId }));
      },
      onResponse: (status, body, context) => {
        (context as FlowContext).challenge = status === 200 ? (JSON.parse(body) as { challenge: string }).challenge : undefined;
      },
    },
    {
      method: 'POST',
      path: SIGNIN_PATH,
      setupRequest: (request, context) => {
        const { device, challenge } = context as FlowContext;
        // No challenge (step 1 failed, already counted): start the flow again.
        if (!challenge || !device) return undefined as unknown as autocannon.Request;
        const signature = signDeviceChallengeSync(device.keyObject, t.origin, challenge);
        return fromDevice(t, request, device, JSON.stringify({ deviceId: device.deviceId, challenge, signature }));
      },
      onResponse: (status) => {
        if (status === 200) flows.signedIn++;
        else flows.refused++;
      },
    },
  ];
  return { spec: { ...jsonPost(t), requests }, flows };
}

/** The same pre-signed sign-ins as requests of a paced run (bench/lib/paced-load.ts), each sent once. */
export function pacedSignIns(t: DeviceTarget, signIns: PresignedSignIn[]): PacedRequest[] {
  return signIns.map(({ device, body }) => {
    const { headers } = fromDevice(t, { headers: { origin: t.origin, 'content-type': 'application/json' } } as autocannon.Request, device, body);
    return { method: 'POST', path: SIGNIN_PATH, headers: headers as Record<string, string>, body };
  });
}

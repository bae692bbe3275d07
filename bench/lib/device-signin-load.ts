import type { KeyObject, webcrypto } from 'node:crypto';
import type autocannon from 'autocannon';
import { runLoad, type LoadFigures, type LoadSpec } from './load';
import { signDeviceChallenge, signDeviceChallengeSync } from './seed-account';

/** A registered device and where its key server listens. */
export interface DeviceTarget {
  url: string;
  origin: string;
  deviceId: string;
  privateKey: webcrypto.CryptoKey;
  keyObject: KeyObject;
}

const CHALLENGE_PATH = '/api/devices/challenge';
const SIGNIN_PATH = '/api/devices/signin';

function jsonPost(t: DeviceTarget): Pick<LoadSpec, 'url' | 'method' | 'headers'> {
  return { url: t.url, method: 'POST', headers: { origin: t.origin, 'content-type': 'application/json' } };
}

/**
 * Asks the server for `count` device challenges as fast as it answers (step 1 of the sign-in),
 * so the sign-in itself can be measured on its own. Also reports the issue rate.
 */
export async function issueChallenges(t: DeviceTarget, count: number, connections: number): Promise<{ challenges: string[]; figures: LoadFigures }> {
  const challenges: string[] = [];
  const figures = await runLoad(
    {
      ...jsonPost(t),
      amount: count,
      requests: [
        {
          method: 'POST',
          path: CHALLENGE_PATH,
          body: JSON.stringify({ deviceId: t.deviceId }),
          onResponse: (status, body) => {
            if (status === 200) challenges.push((JSON.parse(body) as { challenge: string }).challenge);
          },
        },
      ],
    },
    { connections: Math.min(connections, count), durationS: 3600 },
  );
  return { challenges, figures };
}

/** Signs every challenge beforehand with WebCrypto, as the app would; returns ready sign-in bodies. */
export async function presignChallenges(t: DeviceTarget, challenges: string[]): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < challenges.length; i += 512) {
    const batch = challenges.slice(i, i + 512);
    const signatures = await Promise.all(batch.map((challenge) => signDeviceChallenge(t.privateKey, t.origin, challenge)));
    batch.forEach((challenge, j) => bodies.push(JSON.stringify({ deviceId: t.deviceId, challenge, signature: signatures[j] })));
  }
  return bodies;
}

/**
 * POST /api/devices/signin with each pre-signed body exactly once. `maxOverallRequests` stops the
 * run when the pool is spent, whichever comes first with the duration.
 */
export function replayPresigned(t: DeviceTarget, bodies: string[]): LoadSpec {
  let next = 0;
  return {
    ...jsonPost(t),
    maxOverallRequests: bodies.length,
    requests: [
      {
        method: 'POST',
        path: SIGNIN_PATH,
        // Past the end (should not happen) the last body is replayed and refused, which shows as errors.
        setupRequest: (request) => ({ ...request, body: bodies[Math.min(next++, bodies.length - 1)] }),
      },
    ],
  };
}

/**
 * The whole device sign-in per connection: challenge, sign (node:crypto, synchronously, the same
 * P1363 signature WebCrypto makes), sign-in. `signedIn` counts completed flows.
 */
export function signInFlow(t: DeviceTarget): { spec: LoadSpec; flows: { signedIn: number; refused: number } } {
  const flows = { signedIn: 0, refused: 0 };
  const challengeBody = JSON.stringify({ deviceId: t.deviceId });
  const requests: autocannon.Request[] = [
    {
      method: 'POST',
      path: CHALLENGE_PATH,
      body: challengeBody,
      onResponse: (status, body, context) => {
        (context as { challenge?: string }).challenge = status === 200 ? (JSON.parse(body) as { challenge: string }).challenge : undefined;
      },
    },
    {
      method: 'POST',
      path: SIGNIN_PATH,
      setupRequest: (request, context) => {
        const challenge = (context as { challenge?: string }).challenge;
        // No challenge (step 1 failed, already counted): start the flow again.
        if (!challenge) return undefined as unknown as autocannon.Request;
        const signature = signDeviceChallengeSync(t.keyObject, t.origin, challenge);
        return { ...request, body: JSON.stringify({ deviceId: t.deviceId, challenge, signature }) };
      },
      onResponse: (status) => {
        if (status === 200) flows.signedIn++;
        else flows.refused++;
      },
    },
  ];
  return { spec: { ...jsonPost(t), requests }, flows };
}

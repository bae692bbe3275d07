// A whole app on the Keyhold vault SDK, without UI: docs/sdk.md explains it line by line.
// Type-checked with the app (tsconfig.app.json) and compared with the copy in docs/sdk.md by a test.
import argon2WorkerUrl from '../worker/argon2.worker.ts?worker&url';
import { Argon2Client, KeyServer, LocalStore, STATE_CHANGED, Vault, VaultError, createBrowserPasskeys } from '../src/vault';

const argon2 = new Argon2Client({ createWorker: () => new Worker(argon2WorkerUrl, { type: 'module' }) });
const vault = new Vault({
  argon2: argon2.hash.bind(argon2), // Argon2id in a Web Worker
  server: new KeyServer(), // the key server on this origin ('' = same origin)
  store: new LocalStore(), // IndexedDB
  passkeys: createBrowserPasskeys(), // WebAuthn with PRF
});

vault.addEventListener(STATE_CHANGED, () => console.log('vault is', vault.state.kind));
await vault.start(); // 'welcome' on a new device, 'locked' when a vault is here

try {
  if (vault.state.kind === 'welcome') {
    await vault.onboarding.createAccount('alice'); // passkey prompt
    await vault.onboarding.choosePin('4829 1736', '4829 1736'); // creates keys, backs them up, unlocks
  } else {
    await vault.unlockWithPin('4829 1736'); // offline: Argon2id on this device only
  }
  const id = await vault.records.save(null, { kind: 'note', title: 'Wi-Fi', body: 'correct horse battery staple' });
  console.log(await vault.records.read(id), vault.sync.status.pending);
  vault.lock('button'); // drops every key
} catch (error) {
  // One family, one union of codes: branch on `code`, show your own words.
  if (error instanceof VaultError && error.code === 'wrong_pin') console.log('Wrong PIN');
  else throw error;
}

/**
 * The logins the sync bench saves: bench:client's shape (title, e-mail username, 20-character
 * random password, sign-in URL, 200-character notes; ~390 bytes of JSON), with titles that name
 * their index so a device can check it received every one.
 */

const PRINTABLE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,-./:;<=>?@[]^_{|}~';
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'recovery', 'code', 'backup', 'branch', 'account', 'number'];

function randomText(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => PRINTABLE[b % PRINTABLE.length]).join('');
}

function notesOf(length: number, seed: number): string {
  let text = '';
  for (let i = seed; text.length < length; i += 7) text += `${WORDS[i % WORDS.length]} `;
  return text.slice(0, length);
}

export const titleOf = (i: number) => `Service ${String(i).padStart(5, '0')} account`;

/** The login bench:client encrypts: title, e-mail username, 20-character password, sign-in URL, 200-character notes (~390 bytes of JSON). */
export function loginRecord(i: number): Record<string, string> {
  const n = String(i).padStart(5, '0');
  return {
    kind: 'login',
    title: titleOf(i),
    username: `person.${n}@mail.example.com`,
    password: randomText(20),
    url: `https://login.service-${n}.example.com/signin`,
    notes: notesOf(200, i),
  };
}

export const byteLength = (text: string) => new TextEncoder().encode(text).length;

/**
 * A browser-like HTTP client for one user agent over real sockets: sends the app's Origin (the
 * server refuses state-changing requests without it) and keeps the session cookie it is given.
 */
export class BrowserClient {
  /** `kh_session=<token>`; a bearer secret, never to be printed. */
  cookie: string | undefined;

  constructor(
    private readonly baseUrl: string,
    readonly origin: string,
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { origin: this.origin };
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const [pair] = setCookie.split(';');
      this.cookie = /=$/.test(pair!) || /Max-Age=0/i.test(setCookie) ? undefined : pair;
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: res.status, body: parsed as T };
  }

  /** Calls and throws unless the reply is 200, naming the step; returns the parsed body. */
  async expectOk<T = any>(step: string, method: string, path: string, body?: unknown): Promise<T> {
    const reply = await this.call<T>(method, path, body);
    if (reply.status !== 200) throw new Error(`${step}: ${method} ${path} answered ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }
}

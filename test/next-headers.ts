/**
 * `next/headers` in the tests (vitest.config.ts points the import here): `headers()` and `cookies()` read the request
 * that `testRequest` holds, as Next gives a route handler its own request. A test sets its cookies (the session,
 * test/signed-in.ts); every file starts with a request without cookies from `next start` on localhost:3000
 * (test/setup-env.ts). Outside a test, Next answers only inside a request.
 */

interface TestRequest {
  /** the request's headers (with its `cookie` header) */
  headers: Headers;
  /** the cookies deleted through `cookies().delete`, as `name@path` */
  deleted: string[];
}

export const testRequest: TestRequest = { headers: new Headers(), deleted: [] };

/** A fresh request (host localhost:3000, over http as `next start` says) with these cookies and headers. */
export function resetTestRequest(over: { cookies?: Record<string, string>; headers?: Record<string, string> } = {}): void {
  testRequest.headers = new Headers({ host: "localhost:3000", "x-forwarded-proto": "http", ...over.headers });
  testRequest.deleted = [];
  for (const [name, value] of Object.entries(over.cookies ?? {})) setTestCookie(name, value);
}

function jar(): Map<string, string> {
  const pairs = (testRequest.headers.get("cookie") ?? "").split(/;\s*/).filter(Boolean);
  return new Map(pairs.map((c) => [c.slice(0, c.indexOf("=")), c.slice(c.indexOf("=") + 1)]));
}

function writeJar(cookies: Map<string, string>): void {
  testRequest.headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
}

/** Sets a cookie of the request. */
export function setTestCookie(name: string, value: string): void {
  const cookies = jar();
  cookies.set(name, value);
  writeJar(cookies);
}

export async function headers(): Promise<Headers> {
  return testRequest.headers;
}

export async function cookies() {
  return {
    get: (name: string) => {
      const value = jar().get(name);
      return value === undefined ? undefined : { name, value };
    },
    getAll: () => [...jar()].map(([name, value]) => ({ name, value })),
    has: (name: string) => jar().has(name),
    set: (cookie: string | { name: string; value: string }, value?: string) =>
      typeof cookie === "string" ? setTestCookie(cookie, value ?? "") : setTestCookie(cookie.name, cookie.value),
    delete: (cookie: string | { name: string; path?: string }) => {
      const { name, path } = typeof cookie === "string" ? { name: cookie, path: undefined } : cookie;
      testRequest.deleted.push(`${name}@${path}`);
      const cookies = jar();
      cookies.delete(name);
      writeJar(cookies);
    },
  };
}

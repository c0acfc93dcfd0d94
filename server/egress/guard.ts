/**
 * The egress guard: the one way Cadre makes outbound HTTP requests (model providers today; tools, MCP servers,
 * OAuth endpoints and webhooks next).
 *
 * - http: and https: only; URLs are parsed by the WHATWG parser (`new URL`), which turns every IPv4 notation it
 *   accepts (2130706433, 0x7f.1, 0177.0.0.1, 127.1) and every IPv6 form into one canonical address first.
 * - The host is resolved inside the connection step of an undici Agent, and the socket is opened to an address from
 *   that same answer after every address in it was checked (lib/egress/address-ranges.ts): there is no second lookup for a
 *   rebinding DNS server to answer differently. TLS still verifies the certificate against the host name (SNI).
 * - Redirects are followed by hand, each one checked again, at most 5, never to another scheme.
 * - Answers are bounded in time and size. Refusals are `EgressError`s (AppError) naming the rule.
 * - Private and other special-purpose addresses are reachable only through the operator's allowlist
 *   (`CADRE_EGRESS_ALLOW`); a workspace's own lists can only narrow what is reachable.
 */
import dns from "node:dns";
import { isIP } from "node:net";
import { Agent, buildConnector, fetch as undiciFetch, type Dispatcher } from "undici";
import { judgeAddress, parseAddress, type AddressVerdict } from "@/lib/egress/address-ranges";
import { addressMatches, canonicalHost, hostMatches, hostOrLiteralMatches, parseHostList, type HostList } from "@/lib/egress/allowlist";
import { EgressError, findEgressError } from "./errors";

export interface ResolvedAddress {
  address: string;
  family?: number;
}

/** Resolves a host name to every address it has. Injectable for tests. */
export type Resolver = (hostname: string) => Promise<(ResolvedAddress | string)[]>;

export const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** A workspace's narrowing lists (host names, subdomain patterns, address literals/CIDRs matched against literal hosts). */
export interface WorkspaceEgressLists {
  allowHosts?: readonly string[];
  denyHosts?: readonly string[];
}

export interface EgressCallOptions {
  /** the whole exchange, headers and body (default 30 s) */
  timeoutMs?: number;
  /** bytes of (decoded) body (default 10 MiB) */
  maxResponseBytes?: number;
  /** at most this many redirects (default and ceiling 5) */
  maxRedirects?: number;
  workspace?: WorkspaceEgressLists | null;
  /**
   * Called before each redirect is followed, after the hop was checked and cross-origin credentials dropped: the
   * caller may remove (or change) headers of the next request, e.g. a secret bound to one host.
   */
  onRedirect?: (hop: RedirectHop) => void;
}

/**
 * A redirect about to be followed: `method` and `headers` are the next request's (the headers may be changed). The
 * caller may throw to stop here: the error is the fetch's, and the next request is never made.
 */
export interface RedirectHop {
  from: URL;
  to: URL;
  status: number;
  method: string;
  headers: Headers;
}

export interface EgressGuardOptions {
  resolver?: Resolver;
  /** the operator allowlist: a CADRE_EGRESS_ALLOW-style string or a parsed list */
  allow?: string | HostList;
  /**
   * The socket opener the pinned connector hands the checked address to (default: undici's own). Tests replace it to
   * see which address a connection was asked for without letting it leave the machine.
   */
  connector?: buildConnector.connector;
  defaults?: Required<Omit<EgressCallOptions, "workspace" | "onRedirect">>;
}

export const EGRESS_DEFAULTS = { timeoutMs: 30_000, maxResponseBytes: 10 * 1024 * 1024, maxRedirects: 5 } as const;
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
/** request headers that carry credentials: dropped when a redirect leaves the origin */
const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-goog-api-key"];
/** connection errors after which the next checked address of the same answer is tried */
const TRY_NEXT_ADDRESS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"]);

type FetchInit = NonNullable<Parameters<typeof fetch>[1]>;

export interface EgressGuard {
  /** A checked request. Refusals, timeouts and size overruns are EgressErrors; network failures stay as fetch reports them. */
  fetch(url: string | URL, init?: FetchInit, options?: EgressCallOptions): Promise<Response>;
  /** A `fetch` for libraries that take one (the AI SDK providers), bound to per-call options. */
  fetchWith(options?: EgressCallOptions): typeof fetch;
  /** Checks a URL without connecting: scheme, literal addresses and workspace lists (no DNS). */
  checkUrl(url: string | URL, options?: Pick<EgressCallOptions, "workspace">): URL;
  /** Resolves a host and checks every address, as a connection would. Returns the addresses it would connect to. */
  checkHost(hostname: string): Promise<string[]>;
  close(): Promise<void>;
}

function hostForMessage(url: URL): string {
  return url.host;
}

function describeAddress(hostname: string, verdict: AddressVerdict, original: string): string {
  const shown = verdict.embeddedV4 ? `${original} (${verdict.form} ${verdict.embeddedV4})` : original;
  const subject = isIP(hostname.replace(/^\[|\]$/g, "")) ? shown : `${hostname} resolves to ${shown}, which`;
  return `${subject} is ${verdict.blocked!.label}`;
}

export function createEgressGuard(options: EgressGuardOptions = {}): EgressGuard {
  const resolver = options.resolver ?? systemResolver;
  const operator = typeof options.allow === "string" || options.allow === undefined ? parseHostList(options.allow ?? "") : options.allow;
  const defaults = { ...EGRESS_DEFAULTS, ...options.defaults };
  const base = options.connector ?? buildConnector({ timeout: 10_000 });

  /** Every address `hostname` stands for, each checked; throws an EgressError naming the first refused one. */
  async function checkedAddresses(hostname: string): Promise<AddressVerdict[]> {
    const bare = hostname.replace(/^\[|\]$/g, "");
    const literal = isIP(bare) !== 0;
    const answers = literal ? [bare] : (await resolver(canonicalHost(bare))).map((a) => (typeof a === "string" ? a : a.address));
    if (answers.length === 0) throw new EgressError("resolve", `${hostname} resolves to no address`);
    const hostAllowed = !literal && hostMatches(operator, bare);
    const verdicts: AddressVerdict[] = [];
    for (const answer of answers) {
      let verdict: AddressVerdict;
      try {
        verdict = judgeAddress(answer);
      } catch {
        throw new EgressError("resolve", `${hostname} resolves to "${answer}", which is not an address`);
      }
      if (verdict.blocked) {
        const parsed = parseAddress(answer);
        const metadata = verdict.blocked.range === "metadata";
        const opened = addressMatches(operator, parsed) || (verdict.embeddedV4 !== undefined && addressMatches(operator, parseAddress(verdict.embeddedV4)));
        // a host entry trusts what that name resolves to, except cloud metadata (an exact address entry only)
        if (!opened && !(hostAllowed && !metadata)) {
          throw new EgressError("address", `${describeAddress(hostname, verdict, answer)} (not in CADRE_EGRESS_ALLOW)`);
        }
      }
      verdicts.push(verdict);
    }
    return verdicts;
  }

  /** undici's connect step with the lookup and the check in it: the socket goes to an address that was checked. */
  const pinnedConnector: buildConnector.connector = (opts, callback) => {
    const hostname = opts.hostname;
    checkedAddresses(hostname).then(
      (verdicts) => {
        const servername = opts.servername || (isIP(hostname.replace(/^\[|\]$/g, "")) ? undefined : canonicalHost(hostname));
        const attempt = (index: number) => {
          const target = verdicts[index]!;
          base(
            { ...opts, hostname: target.address, ...(servername ? { servername } : {}) },
            (...args: [Error, null] | [null, Parameters<buildConnector.Callback>[1]]) => {
              const [error] = args;
              const code = (error as { code?: unknown } | null)?.code;
              if (error && index + 1 < verdicts.length && typeof code === "string" && TRY_NEXT_ADDRESS.has(code)) attempt(index + 1);
              else (callback as (...a: unknown[]) => void)(...args);
            },
          );
        };
        attempt(0);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
    );
  };

  const agent: Dispatcher = new Agent({ connect: pinnedConnector });

  function checkUrl(input: string | URL, call: Pick<EgressCallOptions, "workspace"> = {}): URL {
    let url: URL;
    try {
      url = new URL(String(input));
    } catch {
      throw new EgressError("url", "not a valid URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new EgressError("scheme", `the scheme ${url.protocol} is not allowed (http and https only)`);
    if (url.username || url.password) throw new EgressError("url", "URLs with credentials in them are not allowed: put the key in the provider's secret");
    const hostname = url.hostname;
    const bare = hostname.replace(/^\[|\]$/g, "");
    if (isIP(bare)) {
      const verdict = judgeAddress(bare);
      if (
        verdict.blocked &&
        !addressMatches(operator, parseAddress(bare)) &&
        !(verdict.embeddedV4 && addressMatches(operator, parseAddress(verdict.embeddedV4)))
      ) {
        throw new EgressError("address", `${describeAddress(hostname, verdict, bare)} (not in CADRE_EGRESS_ALLOW)`);
      }
    }
    const lists = call.workspace;
    if (lists) {
      const deny = parseHostList(lists.denyHosts ?? []);
      const allow = parseHostList(lists.allowHosts ?? []);
      if (hostOrLiteralMatches(deny, hostname)) throw new EgressError("workspace_deny", `${hostForMessage(url)} is on this workspace's egress deny list`);
      if (allow.entries.length && !hostOrLiteralMatches(allow, hostname))
        throw new EgressError("workspace_allow", `${hostForMessage(url)} is not on this workspace's egress allow list`);
    }
    return url;
  }

  async function guardedFetch(input: string | URL, init: FetchInit = {}, call: EgressCallOptions = {}): Promise<Response> {
    const timeoutMs = call.timeoutMs ?? defaults.timeoutMs;
    const maxBytes = call.maxResponseBytes ?? defaults.maxResponseBytes;
    const maxRedirects = Math.min(call.maxRedirects ?? defaults.maxRedirects, MAX_REDIRECTS);
    const timeout = AbortSignal.timeout(timeoutMs);
    const callerSignal = init.signal ?? undefined;
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    const timedOut = () => timeout.aborted && !callerSignal?.aborted;
    const timeoutError = (url: URL) => new EgressError("timeout", `no complete answer from ${url.origin} within ${Math.round(timeoutMs / 100) / 10} s`);

    let url = checkUrl(input, call);
    const scheme = url.protocol;
    let method = (init.method ?? "GET").toUpperCase();
    let body = init.body ?? null;
    const headers = new Headers(init.headers);
    let redirects = 0;
    for (;;) {
      let response: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        response = await undiciFetch(url, {
          method,
          headers: [...headers.entries()],
          body: body as never,
          redirect: "manual",
          signal,
          dispatcher: agent,
          ...(body && typeof (body as ReadableStream).getReader === "function" ? { duplex: "half" as const } : {}),
        });
      } catch (error) {
        const refused = findEgressError(error);
        if (refused) throw refused;
        if (timedOut()) throw timeoutError(url);
        throw error;
      }
      const location = response.headers.get("location");
      if (!REDIRECT_STATUSES.has(response.status) || location === null) {
        return bounded(response, url, { maxBytes, signal, timedOut, timeoutError });
      }
      await response.body?.cancel().catch(() => undefined);
      redirects++;
      if (redirects > maxRedirects)
        throw new EgressError("redirect_limit", `more than ${maxRedirects} redirect${maxRedirects === 1 ? "" : "s"} starting at ${url.origin}`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new EgressError("url", `${url.origin} redirected to an invalid URL`);
      }
      if (next.protocol !== scheme) throw new EgressError("redirect_scheme", `${url.origin} redirected to another scheme (${scheme} to ${next.protocol})`);
      next = checkUrl(next, call);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
        if (method !== "HEAD") method = "GET";
        body = null;
        for (const h of ["content-type", "content-length", "content-encoding", "content-language", "content-location"]) headers.delete(h);
      } else if (body && typeof (body as ReadableStream).getReader === "function") {
        throw new EgressError("redirect_body", `${url.origin} redirected a request whose body cannot be sent twice`);
      }
      if (next.origin !== url.origin) for (const h of CREDENTIAL_HEADERS) headers.delete(h);
      call.onRedirect?.({ from: url, to: next, status: response.status, method, headers });
      url = next;
    }
  }

  return {
    fetch: guardedFetch,
    fetchWith: (call = {}) =>
      ((input: string | URL | Request, init?: FetchInit) => {
        if (input instanceof Request) {
          return guardedFetch(input.url, { method: input.method, headers: input.headers, body: input.body, signal: input.signal, ...init }, call);
        }
        return guardedFetch(input, init, call);
      }) as typeof fetch,
    checkUrl,
    checkHost: async (hostname) => (await checkedAddresses(hostname)).map((v) => v.address),
    close: () => agent.close(),
  };
}

/**
 * The answer as a standard Response whose body counts bytes as they stream: past the limit (or the time bound) the
 * body errors with an EgressError, and nothing of it reaches the caller beyond what was already read.
 */
function bounded(
  response: Awaited<ReturnType<typeof undiciFetch>>,
  url: URL,
  limits: { maxBytes: number; signal: AbortSignal; timedOut: () => boolean; timeoutError: (url: URL) => EgressError },
): Response {
  const headers = new Headers(response.headers as unknown as Headers);
  // undici has already decoded a compressed body
  headers.delete("content-encoding");
  headers.delete("content-length");
  const tooLarge = () => new EgressError("response_size", `the answer from ${url.origin} is larger than ${limits.maxBytes} bytes`);
  const declared = Number(response.headers.get("content-length"));
  if (response.body && !response.headers.get("content-encoding") && Number.isFinite(declared) && declared > limits.maxBytes) {
    void response.body.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body || NULL_BODY_STATUSES.has(response.status)) {
    return new Response(null, { status: response.status, statusText: response.statusText, headers });
  }
  const reader = response.body.getReader();
  let received = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        received += value.byteLength;
        if (received > limits.maxBytes) {
          void reader.cancel().catch(() => undefined);
          return controller.error(tooLarge());
        }
        controller.enqueue(value);
      } catch (error) {
        controller.error(limits.timedOut() ? limits.timeoutError(url) : error);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

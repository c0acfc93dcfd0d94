/**
 * @cadre/sdk: a typed client of the Cadre REST API. The types are generated from the OpenAPI document
 * (./generated/openapi.ts, `npm run sdk:generate`); the calls go through openapi-fetch. Helpers: the API key as a bearer
 * token, an Idempotency-Key on every create (reused by the retries), errors as CadreApiError with the API's code, and
 * following a run's events.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { operationRoutes, type paths } from "./generated/openapi.js";
import { CadreApiError } from "./errors.js";
import { type FollowOptions, followRunEvents, type RunEvent } from "./events.js";

export type { components, operations, paths } from "./generated/openapi.js";
export { API_VERSION, operationRoutes } from "./generated/openapi.js";
export { apiErrorOf, CadreApiError, type ErrorIssue, unwrap } from "./errors.js";
export { type FollowOptions, type RunEvent, sseData, TERMINAL_EVENTS } from "./events.js";

export interface CadreClientOptions {
  /** the server, e.g. https://cadre.example.com (no /api/v1) */
  baseUrl: string;
  apiKey: string;
  /** a fetch implementation (default: the global fetch) */
  fetch?: (request: Request) => Promise<Response>;
  /** retries of a request that may be repeated safely (GET, or a create with its Idempotency-Key) on a network error, 429, 502-504 or an in-flight key (default 2) */
  retries?: number;
  userAgent?: string;
}

export interface CadreClient {
  /** the typed client: `api.GET("/api/v1/agents", { params: { query: { limit: 10 } } })` */
  api: Client<paths>;
  baseUrl: string;
  /** the run's events from `after` until its terminal event (run.succeeded, run.failed, run.cancelled) */
  followRun(runId: string, options?: FollowOptions): AsyncGenerator<RunEvent>;
}

const IDEMPOTENT_PATHS = new Set<string>(Object.values(operationRoutes).flatMap((r) => ("idempotent" in r && r.method === "POST" ? [r.path] : [])));
const RETRYABLE = new Set([429, 502, 503, 504]);

/** Sets an Idempotency-Key on each create that has none, so that a retry of it creates nothing twice. */
const idempotencyKeys: Middleware = {
  onRequest({ request, schemaPath }) {
    if (request.method === "POST" && IDEMPOTENT_PATHS.has(schemaPath) && !request.headers.has("idempotency-key")) {
      request.headers.set("idempotency-key", crypto.randomUUID());
    }
    return request;
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fetch that retries what may be retried safely, after Retry-After (at most 10 s) or a short backoff. */
function retrying(base: (request: Request) => Promise<Response>, retries: number) {
  return async (request: Request): Promise<Response> => {
    const safe = request.method === "GET" || request.headers.has("idempotency-key");
    for (let attempt = 0; ; attempt++) {
      const canRetry = safe && attempt < retries;
      let response: Response;
      try {
        response = await base(canRetry ? request.clone() : request);
      } catch (error) {
        if (!canRetry || request.signal.aborted) {
          const cause = (error as { cause?: { code?: unknown } }).cause?.code;
          throw new CadreApiError(0, "NETWORK_ERROR", `Cannot reach ${new URL(request.url).origin} (${typeof cause === "string" ? cause : String(error)})`);
        }
        await sleep(250 * 2 ** attempt);
        continue;
      }
      const inFlight = response.status === 409 && (await response.clone().text()).includes("IDEMPOTENCY_KEY_IN_FLIGHT");
      if (!canRetry || !(RETRYABLE.has(response.status) || inFlight)) return response;
      const after = Number(response.headers.get("retry-after"));
      await response.body?.cancel();
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 10) * 1000 : 250 * 2 ** attempt);
    }
  };
}

export function createCadreClient(options: CadreClientOptions): CadreClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetcher = retrying(options.fetch ?? ((request) => globalThis.fetch(request)), options.retries ?? 2);
  const headers = { authorization: `Bearer ${options.apiKey}`, accept: "application/json", "user-agent": options.userAgent ?? "cadre-sdk-ts" };
  const api = createClient<paths>({ baseUrl, fetch: fetcher, headers });
  api.use(idempotencyKeys);
  const connect = (runId: string, after: number, signal?: AbortSignal) =>
    fetcher(
      new Request(`${baseUrl}/api/v1/runs/${encodeURIComponent(runId)}/events?after=${after}`, {
        headers: { ...headers, accept: "text/event-stream" },
        signal,
      }),
    );
  return { api, baseUrl, followRun: (runId, opts) => followRunEvents(connect, runId, opts) };
}

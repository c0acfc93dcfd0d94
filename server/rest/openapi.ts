import { z } from "zod";
import { createDocument } from "zod-openapi";
import { APP_VERSION } from "@/server/env";
import { ERROR_TABLE, type ErrorCode } from "@/lib/errors";
import { IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_WINDOW_HOURS, IDEMPOTENT_REPLAYED_HEADER } from "@/lib/idempotency";
import { errorBodySchema } from "@/lib/schemas/common";
import { orgRoutes, restRoutes } from "./routes";
import type { AnyRestRoute } from "./define";

/** What each error code means in a route's documentation (the message of the response says the rest). */
const CODE_DESCRIPTIONS: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: "The request cannot be carried out as sent (the message says why)",
  NOT_FOUND: "A resource the request names does not exist in this key's workspace",
  CONFLICT: "The request conflicts with the current state (a name or slug taken, a resource in use, archived or already finished)",
  GONE: "The resource is no longer available",
  EGRESS_REFUSED: "The egress guard refused the outbound request (the message names the rule)",
  BUDGET_EXCEEDED: "The workspace's budget is used up: nothing was spent",
  NO_FEASIBLE_MODEL: "No model satisfies the policy (the message names the binding constraint)",
  RUN_INFEASIBLE: "A node of the team fits no model (too large a prompt, or a structured role with no JSON model): nothing was spent or queued",
  UPSTREAM_ERROR: "A dependency (a model provider, Inngest) failed; the message says which",
};

/**
 * The error responses of one route, derived from its definition: what the route executor itself answers (401 and
 * 429 for every API-key route, 403 for a permission, 404 for path parameters, 400/413/422 for a body, 422 for a
 * query, 400/409/422 for an idempotent route) plus the service errors it declares in `errors`.
 */
export function errorStatusesOf(route: AnyRestRoute): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const add = (status: number, why: string) => {
    const list = out.get(status) ?? [];
    if (!list.includes(why)) list.push(why);
    out.set(status, list);
  };
  if (route.body) {
    add(400, "The body is not valid JSON");
    add(413, "The body is larger than the limit (CADRE_MAX_BODY_BYTES, or the route's own)");
  }
  if ((route.auth ?? "api_key") === "api_key") add(401, "Missing, invalid, revoked or expired API key");
  if (route.auth === "org_token") {
    add(401, "Missing, invalid, revoked or expired organisation token, one without the admin scope, or another organisation's");
    add(403, "The client's address is outside the organisation's IP allowlist, or the token's creator's role does not allow this");
  }
  if (route.requires !== "authenticated") add(403, `The key lacks the scope ${route.requires} (or its creator's role lacks the permission)`);
  if (route.params) add(404, "Not found in this key's workspace");
  if (route.body || route.query || route.params) add(422, "The input failed validation (`issues` lists every problem)");
  if (route.query && "cursor" in route.query.shape) add(400, "The `cursor` is not a `nextCursor` of this list (code INVALID_CURSOR)");
  if (route.headers && "if-match" in route.headers.shape) add(400, "The `If-Match` header is malformed or disagrees with `baseVersion`");
  if (route.kind !== "stream" && route.idempotent) {
    add(
      400,
      `The ${IDEMPOTENCY_HEADER} header is invalid (empty, longer than ${IDEMPOTENCY_KEY_MAX_LENGTH} characters or not printable ASCII): code IDEMPOTENCY_KEY_INVALID`,
    );
    add(409, `The first request with this ${IDEMPOTENCY_HEADER} is still in flight: retry after \`Retry-After\` seconds (code IDEMPOTENCY_KEY_IN_FLIGHT)`);
    add(422, `This ${IDEMPOTENCY_HEADER} was used for a different request in the last ${IDEMPOTENCY_WINDOW_HOURS} hours (code IDEMPOTENCY_KEY_REUSED)`);
  }
  for (const code of route.errors ?? []) add(ERROR_TABLE[code].http, CODE_DESCRIPTIONS[code] ?? code);
  if ((route.auth ?? "api_key") === "api_key") add(429, "The API key's rate limit is reached: retry after `Retry-After` seconds");
  if (route.auth === "org_token") add(429, "The organisation token's rate limit (shared with SCIM) is reached: retry after `Retry-After` seconds");
  return new Map([...out.entries()].sort(([a], [b]) => a - b));
}

const camel = (words: string[]) =>
  words
    .flatMap((w) => w.split(/[-_]/))
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase()))
    .join("");
const singular = (word: string) => (word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word);
const isParam = (segment: string) => segment.startsWith("{");

/** A route answers a page of items (`{ data: [...] }`). */
function answersList(route: AnyRestRoute): boolean {
  const response = route.response as z.ZodType | undefined;
  return response instanceof z.ZodObject && response.shape.data instanceof z.ZodArray;
}

/**
 * The operationId of a route: its own `operationId`, else derived from the method and the path (stable while the
 * path is): GET /runs -> listRuns, POST /runs -> createRun, GET /runs/{runId} -> getRun, PATCH -> updateX, PUT ->
 * updateX, DELETE -> deleteX, POST /runs/{runId}/cancel -> cancelRun, GET /agents/{agentId}/versions ->
 * listAgentVersions.
 */
export function operationIdOf(route: AnyRestRoute): string {
  if (route.operationId) return route.operationId;
  const segments = route.path.replace(/^\/api\/(v1\/)?/, "").split("/");
  const literals = segments.filter((s) => !isParam(s));
  const last = segments[segments.length - 1]!;
  const verb = { GET: answersList(route) ? "list" : "get", POST: "create", PATCH: "update", PUT: "update", DELETE: "delete" }[route.method];
  if (isParam(last)) return camel([verb, ...literals.slice(0, -1), singular(literals[literals.length - 1]!)]);
  const parentIsItem = segments.length >= 2 && isParam(segments[segments.length - 2]!);
  if (parentIsItem) {
    const owner = literals.slice(0, -1);
    const item = [...owner.slice(0, -1), singular(owner[owner.length - 1]!)];
    // an action on an item (POST /runs/{runId}/cancel) or its sub-collection (GET /agents/{agentId}/versions)
    return route.method === "POST" ? camel([last, ...item]) : camel([verb, ...item, last]);
  }
  if (route.method === "POST") return camel([verb, ...literals.slice(0, -1), singular(last)]);
  return camel([verb, ...literals]);
}

/** An event stream: text/event-stream, plus the JSON page it offers for `Accept: application/json`. */
function streamResponse(route: Extract<AnyRestRoute, { kind: "stream" }>) {
  return {
    description: route.events,
    content: {
      "text/event-stream": { schema: { type: "string", description: route.events } },
      ...(route.response ? { "application/json": { schema: route.response } } : {}),
    },
  };
}

export const IDEMPOTENCY_KEY_PARAMETER = {
  name: IDEMPOTENCY_HEADER,
  in: "header",
  required: false,
  description:
    `Makes the request safe to retry (IETF draft-ietf-httpapi-idempotency-key-header). A unique value per intended request (a UUID), ` +
    `1-${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, scoped to the workspace and the API key. Within ${IDEMPOTENCY_WINDOW_HOURS} hours, ` +
    `a repeat with the same key and the same request gets the first response again (same status and body, header ` +
    `\`${IDEMPOTENT_REPLAYED_HEADER}: true\`) and creates nothing; the same key with a different request is a 422 ` +
    `(IDEMPOTENCY_KEY_REUSED); a repeat while the first is still in flight waits briefly for it, else 409 (IDEMPOTENCY_KEY_IN_FLIGHT). ` +
    `A request that fails creates nothing and does not use up its key.`,
  schema: { type: "string", minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH },
} as const;

function buildDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of [...restRoutes, ...orgRoutes]) {
    const errorResponses = Object.fromEntries(
      [...errorStatusesOf(route)].map(([status, reasons]) => [
        String(status),
        { description: reasons.join("; "), content: { "application/json": { schema: route.errorFormat?.schema ?? errorBodySchema } } },
      ]),
    );
    const idempotent = route.kind !== "stream" && route.idempotent === true;
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: operationIdOf(route),
      summary: route.summary,
      tags: [route.tag],
      "x-cadre-requires": route.requires,
      ...(route.kind === "stream" ? { "x-cadre-stream": true } : {}),
      ...(idempotent ? { "x-cadre-idempotent": true, parameters: [IDEMPOTENCY_KEY_PARAMETER] } : {}),
      security: [route.auth === "org_token" ? { orgToken: [] } : { apiKey: [] }],
      ...(route.params || route.query || route.headers
        ? {
            requestParams: {
              ...(route.params ? { path: route.params } : {}),
              ...(route.query ? { query: route.query } : {}),
              ...(route.headers ? { header: route.headers } : {}),
            },
          }
        : {}),
      ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: route.body } } } } : {}),
      responses: {
        [String(route.status ?? 200)]:
          route.kind === "stream"
            ? streamResponse(route)
            : {
                description: "Success",
                content: Object.fromEntries((route.produces ?? ["application/json"]).map((type) => [type, { schema: route.response }])),
              },
        ...(route.kind !== "stream" && route.alsoAnswers
          ? Object.fromEntries(
              Object.entries(route.alsoAnswers).map(([status, description]) => [
                status,
                { description, content: { "application/json": { schema: route.response } } },
              ]),
            )
          : {}),
        ...errorResponses,
      },
    };
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Cadre API",
      version: APP_VERSION,
      description:
        "REST API for Cadre workspaces and organisations. Authenticate with `Authorization: Bearer <API key>` (an organisation token for /api/v1/orgs/{org}). Creating requests (POST) accept an " +
        "`Idempotency-Key` header that makes them safe to retry: see docs/api.md.",
    },
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "A Cadre API key" },
        orgToken: {
          type: "http",
          scheme: "bearer",
          description: "An organisation token (`cadre_org_...`) with the admin scope: the /api/v1/orgs/{org} routes",
        },
      },
    },
    // biome-ignore lint/suspicious/noExplicitAny: the operations are built generically from the route table (Record<string, unknown>)
    paths: paths as any,
  });
}

type OpenApiDocument = ReturnType<typeof buildDocument>;
const cache: { document?: OpenApiDocument; json?: string } = {};

/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. Built once per process (the
 * routes do not change while it runs): every call returns the same object, which callers must not modify.
 */
export function openApiDocument(): OpenApiDocument {
  cache.document ??= buildDocument();
  return cache.document;
}

/** The document as JSON text, serialised once. */
export function openApiJson(): string {
  cache.json ??= JSON.stringify(openApiDocument());
  return cache.json;
}

import { createDocument } from "zod-openapi";
import { APP_VERSION } from "@/server/env";
import { errorBodySchema } from "@/lib/schemas/common";
import { restRoutes } from "./routes";
import type { AnyRestRoute } from "./define";

const ERROR_RESPONSES = {
  401: "Missing, invalid, revoked or expired API key",
  403: "The key lacks the scope (or its creator's role lacks the permission)",
  404: "Not found in this key's workspace",
  422: "The input failed validation",
  429: "The API key's rate limit is reached: retry after `Retry-After` seconds",
} as const;

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

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of restRoutes) {
    const errorResponses = Object.fromEntries(
      Object.entries(ERROR_RESPONSES).map(([status, description]) => [status, { description, content: { "application/json": { schema: errorBodySchema } } }]),
    );
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      "x-cadre-requires": route.requires,
      ...(route.kind === "stream" ? { "x-cadre-stream": true } : {}),
      security: [{ apiKey: [] }],
      ...(route.params || route.query ? { requestParams: { ...(route.params ? { path: route.params } : {}), ...(route.query ? { query: route.query } : {}) } } : {}),
      ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: route.body } } } } : {}),
      responses: {
        [String(route.status ?? 200)]: route.kind === "stream"
          ? streamResponse(route)
          : { description: "Success", content: Object.fromEntries((route.produces ?? ["application/json"]).map((type) => [type, { schema: route.response }])) },
        ...errorResponses,
      },
    };
  }
  return createDocument({
    openapi: "3.1.0",
    info: { title: "Cadre API", version: APP_VERSION, description: "REST API for Cadre workspaces. Authenticate with `Authorization: Bearer <API key>`." },
    components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "A Cadre API key" } } },
    // biome-ignore lint/suspicious/noExplicitAny: the operations are built generically from the route table (Record<string, unknown>)
    paths: paths as any,
  });
}

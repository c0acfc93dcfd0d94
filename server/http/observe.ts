import { AsyncLocalStorage } from "node:async_hooks";
import type pino from "pino";
import { logger as defaultLogger } from "@/server/logger";
import { requestIdOf } from "@/server/http/request-id";
import { metrics } from "@/server/observability/metrics";
import { incomingContext, SpanKind, withSpan } from "@/server/observability/tracing";

/**
 * One access-log line, one span and the request metrics for each API request (REST, the web app's HTTP routes,
 * tRPC, event streams). The line has the method, the route PATTERN (never the path with its ids or the query),
 * the status, the duration until the response (for an event stream: until it opened), the request id and the
 * workspace the request resolved to (set by the tenant resolution through annotateRequest). No header, no body.
 */

interface RequestNotes {
  workspaceId?: string;
  workspaceSlug?: string;
}

const notesStore = new AsyncLocalStorage<RequestNotes>();

/** Called where a request's tenant is resolved (session membership, API key): the access line names the workspace. */
export function annotateRequest(notes: RequestNotes): void {
  const current = notesStore.getStore();
  if (current) Object.assign(current, notes);
}

let accessLogger: pino.Logger | undefined;
/** Tests: where access lines go (default: the process logger). */
export function setAccessLogger(next?: pino.Logger): void {
  accessLogger = next;
}

export interface ObservedRoute {
  method: string;
  /** the route pattern: /api/v1/runs/{id} */
  route: string;
  /** extra bounded fields for the line (tRPC procedure names) */
  fields?: Record<string, string>;
}

export async function observeRequest(request: Request, route: ObservedRoute, handle: () => Promise<Response>): Promise<Response> {
  const started = performance.now();
  const notes: RequestNotes = {};
  const requestId = requestIdOf(request.headers);
  let status = 500;
  try {
    const response = await notesStore.run(notes, () =>
      withSpan(
        `${route.method} ${route.route}`,
        { "http.request.method": route.method, "http.route": route.route, "cadre.request_id": requestId },
        async (span) => {
          const response = await handle();
          span?.setAttribute("http.response.status_code", response.status);
          if (notes.workspaceId) span?.setAttribute("cadre.workspace_id", notes.workspaceId);
          return response;
        },
        { kind: SpanKind.SERVER, parent: incomingContext(request.headers) },
      ),
    );
    status = response.status;
    return response;
  } finally {
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    metrics.httpRequests.inc({ method: route.method, route: route.route, status });
    metrics.httpDuration.observe(durationMs / 1000, { method: route.method, route: route.route });
    const line = {
      type: "access",
      method: route.method,
      route: route.route,
      ...route.fields,
      status,
      durationMs,
      requestId,
      ...(notes.workspaceSlug ? { workspace: notes.workspaceSlug } : {}),
      ...(notes.workspaceId ? { workspaceId: notes.workspaceId } : {}),
    };
    (accessLogger ?? defaultLogger).info(line, "request");
  }
}

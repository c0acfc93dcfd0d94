import type { NextRequest } from "next/server";
import { serve } from "inngest/next";
import { AppError } from "@/lib/errors";
import { env } from "@/server/env";
import { errorResponse } from "@/server/http/errors";
import { limitBody, maxBodyBytes } from "@/server/http/body";
import { requestIdOf } from "@/server/http/request-id";
import { inngest, inngestEnabled, runFunction } from "./inngest";
import { memoryDocumentFunction } from "./memory-documents-inngest";
import { memoryReembedFunction } from "./memory-reembeds-inngest";
import { webhookDeliveriesFunction } from "./webhook-deliveries-inngest";
import { lostCallsFunction } from "./lost-calls-inngest";

/**
 * /api/inngest. Not configured (no keys, no INNGEST_DEV): a 404 saying so. Configured: the SDK's handler, which
 * refuses unsigned and stale-signed requests (401) before executing anything. The origin Inngest registers and calls
 * is pinned (INNGEST_SERVE_ORIGIN, else CADRE_PUBLIC_URL), never taken from the request, and a PUT (registration)
 * that arrives for another host is refused: a forged Host cannot make Cadre register someone else's URL.
 */
export const INNGEST_MAX_BODY_BYTES = 16 * 1024 * 1024;

export function inngestServeOrigin(): string | undefined {
  const e = env();
  return (e.INNGEST_SERVE_ORIGIN ?? e.CADRE_PUBLIC_URL)?.replace(/\/+$/, "");
}

type Handler = (req: NextRequest, ...rest: unknown[]) => Promise<Response>;
type InngestFunction = typeof memoryDocumentFunction | Parameters<typeof serve>[0]["functions"][number];
let cached: { config: string; handlers: Record<"GET" | "POST" | "PUT", Handler> } | undefined;
/** functions of a higher layer (the schedules' cron function), given by the route (app/api/inngest/route.ts) */
const extraFunctions: InngestFunction[] = [];

/** The SDK's handlers for the current configuration (the client gets its keys from env(), not its own copy of process.env). */
function sdkHandlers() {
  const e = env();
  const origin = inngestServeOrigin();
  const config = JSON.stringify([origin, e.INNGEST_SIGNING_KEY, e.INNGEST_EVENT_KEY, e.INNGEST_DEV]);
  if (!cached || cached.config !== config) {
    inngest.setEnvVars({ INNGEST_SIGNING_KEY: e.INNGEST_SIGNING_KEY, INNGEST_EVENT_KEY: e.INNGEST_EVENT_KEY, INNGEST_DEV: e.INNGEST_DEV });
    const handlers = serve({
      client: inngest,
      functions: [runFunction, memoryDocumentFunction, memoryReembedFunction, webhookDeliveriesFunction, lostCallsFunction, ...extraFunctions],
      serveOrigin: origin,
      servePath: "/api/inngest",
    });
    cached = { config, handlers: handlers as unknown as Record<"GET" | "POST" | "PUT", Handler> };
  }
  return cached.handlers;
}

/** Why a registration request is refused, or null. */
function registrationProblem(req: Request): string | null {
  const origin = inngestServeOrigin();
  if (!origin) return env().INNGEST_DEV ? null : "Inngest registration needs a pinned origin: set INNGEST_SERVE_ORIGIN or CADRE_PUBLIC_URL";
  const expected = new URL(origin).host.toLowerCase();
  const hosts = [req.headers.get("host"), req.headers.get("x-forwarded-host")].map((h) => h?.trim().toLowerCase());
  return hosts.includes(expected) ? null : `This request is for another host than the serve origin (${expected})`;
}

function handle(method: "GET" | "POST" | "PUT") {
  return limitBody(
    async (req: NextRequest, ...rest: unknown[]) => {
      const requestId = requestIdOf(req.headers);
      if (!inngestEnabled()) {
        return errorResponse(new AppError("NOT_FOUND", "Inngest is not configured on this server (runs execute in-process)"), requestId);
      }
      if (method === "PUT") {
        const problem = registrationProblem(req);
        if (problem) return errorResponse(new AppError("BAD_REQUEST", problem), requestId);
      }
      return sdkHandlers()[method](req, ...rest);
    },
    () => Math.max(maxBodyBytes(), INNGEST_MAX_BODY_BYTES),
  );
}

export const inngestRoute = { GET: handle("GET"), POST: handle("POST"), PUT: handle("PUT") };

/** The route with functions of higher layers (server/schedules/inngest.ts) served too. */
export function inngestRouteWith(functions: readonly InngestFunction[]): typeof inngestRoute {
  for (const fn of functions) if (!extraFunctions.includes(fn)) extraFunctions.push(fn);
  cached = undefined;
  return inngestRoute;
}

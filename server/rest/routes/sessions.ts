import { z } from "zod";
import { defineRoute } from "../define";
import { deletedSchema, paginationShape, restPageOf } from "@/lib/schemas/common";
import {
  createSessionInputSchema,
  listSessionsInputSchema,
  sendMessageInputSchema,
  sentMessageSchema,
  sessionIdSchema,
  sessionMessageSchema,
  sessionSchema,
} from "@/lib/schemas/sessions";
import { createSession, deleteSession, getSession, listSessionMessages, listSessions, sendMessage } from "@/server/sessions/service";
import { streamRunEvents } from "@/server/runs/sse";
import { waitQuerySchema } from "@/lib/schemas/runs";

const sessionParams = z.strictObject({ sessionId: sessionIdSchema });
/** the longest a JSON send waits for the answer (seconds) */
const MAX_WAIT_SECONDS = 300;

export const listSessionsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/sessions",
  summary: "The workspace's sessions, newest first, optionally of one subject (one page: `limit`, `cursor`)",
  tag: "Sessions",
  requires: "runs:read",
  query: listSessionsInputSchema,
  response: restPageOf(sessionSchema),
  handler: async ({ ctx, query }) => {
    const page = await listSessions(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createSessionRoute = defineRoute({
  method: "POST",
  path: "/api/v1/sessions",
  summary: "Start a session with an agent or a team (optionally for a subject such as customer:42, with a title and metadata); audited",
  tag: "Sessions",
  requires: "runs:create",
  body: createSessionInputSchema,
  status: 201,
  response: sessionSchema,
  idempotent: true,
  handler: ({ ctx, body }) => createSession(ctx, body),
});

export const getSessionRoute = defineRoute({
  method: "GET",
  path: "/api/v1/sessions/{sessionId}",
  summary: "One session (busyRunId: the run answering its last message, if any)",
  tag: "Sessions",
  requires: "runs:read",
  params: sessionParams,
  response: sessionSchema,
  handler: ({ ctx, params }) => getSession(ctx, params.sessionId),
});

export const deleteSessionRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/sessions/{sessionId}",
  summary: "Delete a session and its messages (its runs stay); audited",
  tag: "Sessions",
  requires: "memory:delete",
  params: sessionParams,
  response: deletedSchema,
  handler: ({ ctx, params }) => deleteSession(ctx, params.sessionId),
});

export const listSessionMessagesRoute = defineRoute({
  method: "GET",
  path: "/api/v1/sessions/{sessionId}/messages",
  summary: "The session's history: its messages in order, oldest first (one page: `limit`, `cursor`)",
  tag: "Sessions",
  requires: "runs:read",
  params: sessionParams,
  query: z.strictObject(paginationShape),
  response: restPageOf(sessionMessageSchema),
  handler: async ({ ctx, params, query }) => {
    const page = await listSessionMessages(ctx, { sessionId: params.sessionId, ...query });
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

const wantsEvents = (headers: Headers) => (headers.get("accept") ?? "").includes("text/event-stream");

export const sendSessionMessageRoute = defineRoute({
  method: "POST",
  path: "/api/v1/sessions/{sessionId}/messages",
  summary:
    "Send a message: a run of the session's target answers it, seeing the earlier turns. With `Accept: text/event-stream` the answer comes as the run's event stream (as GET /api/v1/runs/{runId}/events); otherwise JSON, after waiting up to `wait` seconds (default 60, at most 300; 0: at once) for the reply. One message at a time: a message sent while the previous one is being answered is refused with 409 CONFLICT.",
  tag: "Sessions",
  requires: "runs:create",
  params: sessionParams,
  query: waitQuerySchema(MAX_WAIT_SECONDS, 60),
  body: sendMessageInputSchema,
  status: 200,
  response: sentMessageSchema,
  produces: ["application/json", "text/event-stream"],
  // a repeat is refused while the first is answered (409); a key would replay a stream
  idempotent: false,
  errors: ["CONFLICT", "BUDGET_EXCEEDED", "RUN_INFEASIBLE"],
  handler: async ({ ctx, params, query, body, headers, request, requestId }) => {
    if (wantsEvents(headers)) {
      const sent = await sendMessage(ctx, params.sessionId, body, { watched: true });
      return streamRunEvents({ ctx, params: { runId: sent.runId }, request, requestId });
    }
    return sendMessage(ctx, params.sessionId, body, { waitMs: query.wait * 1000 });
  },
});

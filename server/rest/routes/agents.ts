import { z } from "zod";
import { defineRoute } from "../define";
import { baseVersionOf, ifMatchHeaders, withETag } from "../etag";
import { archiveAgent, createAgent, getAgent, listAgents, listAgentVersions, restoreAgentVersion, updateAgent } from "@/server/agents/service";
import {
  agentRefSchema,
  agentSchema,
  agentVersionSchema,
  createAgentInputSchema,
  listAgentsInputSchema,
  restoreVersionInputSchema,
  updateAgentInputSchema,
} from "@/lib/schemas/agents";
import { paginationSchema, restPageOf } from "@/lib/schemas/common";

const agentParams = z.strictObject({ agentId: agentRefSchema });

export const listAgentsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/agents",
  summary: "The workspace's agents with their current versions, newest first (one page: `limit`, `cursor`)",
  tag: "Agents",
  requires: "agents:read",
  query: listAgentsInputSchema,
  response: restPageOf(agentSchema),
  handler: async ({ ctx, query }) => {
    const page = await listAgents(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createAgentRoute = defineRoute({
  method: "POST",
  path: "/api/v1/agents",
  summary: "Create an agent (version 1)",
  tag: "Agents",
  requires: "agents:create",
  body: createAgentInputSchema,
  status: 201,
  response: agentSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createAgent(ctx, body),
});

export const getAgentRoute = defineRoute({
  method: "GET",
  path: "/api/v1/agents/{agentId}",
  summary: 'One agent (by id or slug) with its current version; `ETag: "v<latestVersion>"` for If-Match',
  tag: "Agents",
  requires: "agents:read",
  params: agentParams,
  response: agentSchema,
  handler: async ({ ctx, params }) => withETag(agentSchema, await getAgent(ctx, params.agentId)),
});

export const updateAgentRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/agents/{agentId}",
  summary:
    "Save a new version of an agent (fields left out carry over; an identical update writes nothing). With `If-Match` (the ETag of a GET) or `baseVersion`, a save based on an older version is a 409.",
  tag: "Agents",
  requires: "agents:update",
  params: agentParams,
  headers: ifMatchHeaders,
  body: updateAgentInputSchema,
  response: agentSchema,
  errors: ["CONFLICT", "BAD_REQUEST"],
  handler: async ({ ctx, params, body, headers }) =>
    withETag(agentSchema, await updateAgent(ctx, params.agentId, { ...body, baseVersion: baseVersionOf(headers, body.baseVersion) })),
});

export const archiveAgentRoute = defineRoute({
  method: "POST",
  path: "/api/v1/agents/{agentId}/archive",
  summary:
    "Archive an agent (soft delete: its versions stay readable and old runs keep working; new teams and runs cannot use it). Archiving an archived agent changes nothing.",
  tag: "Agents",
  requires: "agents:delete",
  params: agentParams,
  response: agentSchema,
  idempotent: false,
  handler: async ({ ctx, params }) => withETag(agentSchema, await archiveAgent(ctx, params.agentId)),
});

export const restoreAgentVersionRoute = defineRoute({
  method: "POST",
  path: "/api/v1/agents/{agentId}/restore",
  summary:
    "Make an earlier released version current again, as a new version with its fields (a rollback that keeps the history; audited as agent.update with restoredFrom). A candidate that never passed its evaluation cannot be restored (409); restoring what the latest version already is writes nothing. With `If-Match` or `baseVersion`, a restore based on an older version is a 409.",
  tag: "Agents",
  requires: "agents:update",
  params: agentParams,
  headers: ifMatchHeaders,
  body: restoreVersionInputSchema,
  response: agentSchema,
  errors: ["CONFLICT", "BAD_REQUEST"],
  idempotent: false,
  handler: async ({ ctx, params, body, headers }) =>
    withETag(agentSchema, await restoreAgentVersion(ctx, params.agentId, { ...body, baseVersion: baseVersionOf(headers, body.baseVersion) })),
});

export const listAgentVersionsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/agents/{agentId}/versions",
  summary: "An agent's versions, newest first (one page: `limit`, `cursor`)",
  tag: "Agents",
  requires: "agents:read",
  params: agentParams,
  query: paginationSchema,
  response: restPageOf(agentVersionSchema),
  handler: async ({ ctx, params, query }) => {
    const page = await listAgentVersions(ctx, params.agentId, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

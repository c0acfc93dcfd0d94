import { z } from "zod";
import { defineRoute } from "../define";
import { createAgent, getAgent, listAgents, listAgentVersions, updateAgent } from "@/server/agents/service";
import { agentRefSchema, agentSchema, agentVersionSchema, createAgentInputSchema, listAgentsInputSchema, updateAgentInputSchema } from "@/lib/schemas/agents";

const agentParams = z.strictObject({ agentId: agentRefSchema });

export const listAgentsRoute = defineRoute({
  method: "GET", path: "/api/v1/agents", summary: "The workspace's agents with their current versions", tag: "Agents",
  requires: "agents:read", query: listAgentsInputSchema, response: z.object({ data: z.array(agentSchema) }),
  handler: async ({ ctx, query }) => ({ data: await listAgents(ctx, query) }),
});

export const createAgentRoute = defineRoute({
  method: "POST", path: "/api/v1/agents", summary: "Create an agent (version 1)", tag: "Agents",
  requires: "agents:create", body: createAgentInputSchema, status: 201, response: agentSchema, idempotent: true, errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createAgent(ctx, body),
});

export const getAgentRoute = defineRoute({
  method: "GET", path: "/api/v1/agents/{agentId}", summary: "One agent (by id or slug) with its current version", tag: "Agents",
  requires: "agents:read", params: agentParams, response: agentSchema,
  handler: ({ ctx, params }) => getAgent(ctx, params.agentId),
});

export const updateAgentRoute = defineRoute({
  method: "PATCH", path: "/api/v1/agents/{agentId}", summary: "Save a new version of an agent (fields left out carry over; an identical update writes nothing)", tag: "Agents",
  requires: "agents:update", params: agentParams, body: updateAgentInputSchema, response: agentSchema, errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => updateAgent(ctx, params.agentId, body),
});

export const listAgentVersionsRoute = defineRoute({
  method: "GET", path: "/api/v1/agents/{agentId}/versions", summary: "Every version of an agent, newest first", tag: "Agents",
  requires: "agents:read", params: agentParams, response: z.object({ data: z.array(agentVersionSchema) }),
  handler: async ({ ctx, params }) => ({ data: await listAgentVersions(ctx, params.agentId) }),
});

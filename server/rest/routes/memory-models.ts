import { z } from "zod";
import { defineRoute } from "../define";
import { restPageOf } from "@/lib/schemas/common";
import {
  listMemoryModelsInputSchema,
  listMemoryReembedsInputSchema,
  memoryModelSettingSchema,
  memoryReembedIdSchema,
  memoryReembedSchema,
  setMemoryModelInputSchema,
  setMemoryModelResultSchema,
} from "@/lib/schemas/memory-models";
import { getMemoryReembed, listMemoryModels, listMemoryReembeds } from "@/server/memory/reembed";
import { submitMemoryModelChange } from "@/server/jobs/memory-reembeds";

export const listMemoryModelsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/memory-models",
  summary:
    "The workspace's memory embedding model settings, newest first: its default (scopeType null), per scope type, per exact scope; the most specific embeds a scope, else the default model policy (one page: `limit`, `cursor`)",
  tag: "Memory",
  requires: "memory:read",
  query: listMemoryModelsInputSchema,
  response: restPageOf(memoryModelSettingSchema),
  handler: async ({ ctx, query }) => {
    const page = await listMemoryModels(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const setMemoryModelRoute = defineRoute({
  method: "PUT",
  path: "/api/v1/memory-models",
  summary:
    "Set the model policy that embeds a target (no scopeType: the workspace's default; scopeType: every scope of that type; scopeType and scopeId: one scope), or remove it (policy null). When that changes a scope's policy, its memories are re-embedded in the background (answered as `reembed`; follow it with GET /api/v1/memory-reembeds/{reembedId}); meanwhile recall's vector search skips the rows not yet re-embedded. A policy naming a model that cannot embed is a 422. Audited",
  tag: "Memory",
  requires: "settings:update",
  body: setMemoryModelInputSchema,
  response: setMemoryModelResultSchema,
  handler: ({ ctx, body }) => submitMemoryModelChange(ctx, body),
});

export const listMemoryReembedsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/memory-reembeds",
  summary: "The workspace's re-embeddings (one per change of a memory model setting) with their progress, newest first, optionally of one target or status",
  tag: "Memory",
  requires: "memory:read",
  query: listMemoryReembedsInputSchema,
  response: restPageOf(memoryReembedSchema),
  handler: async ({ ctx, query }) => {
    const page = await listMemoryReembeds(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const getMemoryReembedRoute = defineRoute({
  method: "GET",
  path: "/api/v1/memory-reembeds/{reembedId}",
  summary: "One re-embedding with its status and progress (rows done of total)",
  tag: "Memory",
  requires: "memory:read",
  params: z.strictObject({ reembedId: memoryReembedIdSchema }),
  response: memoryReembedSchema,
  handler: ({ ctx, params }) => getMemoryReembed(ctx, params.reembedId),
});

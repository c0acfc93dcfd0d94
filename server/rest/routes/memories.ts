import { z } from "zod";
import { defineRoute } from "../define";
import { deletedSchema, restPageOf } from "@/lib/schemas/common";
import {
  createMemoryInputSchema,
  listMemoriesInputSchema,
  memoryIdSchema,
  memorySchema,
  recallInputSchema,
  recallResultSchema,
  updateMemoryInputSchema,
} from "@/lib/schemas/memory";
import { deleteMemory, getMemory, listMemories, remember, updateMemory } from "@/server/memory/service";
import { recall } from "@/server/memory/recall";

const memoryParams = z.strictObject({ memoryId: memoryIdSchema });

export const listMemoriesRoute = defineRoute({
  method: "GET",
  path: "/api/v1/memories",
  summary: "The workspace's memories, newest first, optionally of one scope (scopeType, scopeId) and kind (one page: `limit`, `cursor`)",
  tag: "Memory",
  requires: "memory:read",
  query: listMemoriesInputSchema,
  response: restPageOf(memorySchema),
  handler: async ({ ctx, query }) => {
    const page = await listMemories(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createMemoryRoute = defineRoute({
  method: "POST",
  path: "/api/v1/memories",
  summary:
    "Remember: a memory in a scope (workspace, team, agent, session or subject such as customer:42), embedded through the model gateway (costed in the ledger; offline the lexical simulator) and audited",
  tag: "Memory",
  requires: "memory:write",
  body: createMemoryInputSchema,
  status: 201,
  response: memorySchema,
  idempotent: true,
  errors: ["NO_FEASIBLE_MODEL", "BUDGET_EXCEEDED", "UPSTREAM_ERROR"],
  handler: ({ ctx, body }) => remember(ctx, body),
});

export const recallMemoriesRoute = defineRoute({
  method: "POST",
  path: "/api/v1/memories/recall",
  summary:
    "Hybrid recall: vector (HNSW, tenant- and scope-filtered, the query's embedding model only) fused with full-text search by reciprocal rank fusion, adjusted by recency and importance; each result says why it ranked",
  tag: "Memory",
  requires: "memory:read",
  body: recallInputSchema,
  response: recallResultSchema,
  idempotent: false,
  operationId: "recallMemories",
  errors: ["NO_FEASIBLE_MODEL", "BUDGET_EXCEEDED", "UPSTREAM_ERROR"],
  handler: ({ ctx, body }) => recall(ctx, body),
});

export const getMemoryRoute = defineRoute({
  method: "GET",
  path: "/api/v1/memories/{memoryId}",
  summary: "One memory with its provenance",
  tag: "Memory",
  requires: "memory:read",
  params: memoryParams,
  response: memorySchema,
  handler: ({ ctx, params }) => getMemory(ctx, params.memoryId),
});

export const updateMemoryRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/memories/{memoryId}",
  summary: "Change a memory's content (re-embedded), importance or pinned; a change to nothing writes nothing",
  tag: "Memory",
  requires: "memory:write",
  params: memoryParams,
  body: updateMemoryInputSchema,
  response: memorySchema,
  errors: ["NO_FEASIBLE_MODEL", "BUDGET_EXCEEDED", "UPSTREAM_ERROR"],
  handler: ({ ctx, params, body }) => updateMemory(ctx, params.memoryId, body),
});

export const deleteMemoryRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/memories/{memoryId}",
  summary: "Delete a memory: it is gone from recall at once",
  tag: "Memory",
  requires: "memory:delete",
  params: memoryParams,
  response: deletedSchema,
  handler: ({ ctx, params }) => deleteMemory(ctx, params.memoryId),
});

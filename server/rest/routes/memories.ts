import { z } from "zod";
import { defineRoute } from "../define";
import { deletedSchema, restPageOf } from "@/lib/schemas/common";
import {
  memorySettingsInputSchema,
  memorySettingsSchema,
  memorySubjectSchema,
  subjectErasureSchema,
  subjectExportSchema,
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
import { eraseSubject, exportSubject, getMemorySettings, updateMemorySettings } from "@/server/memory/governance";

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
  errors: ["NO_FEASIBLE_MODEL", "BUDGET_EXCEEDED", "UPSTREAM_ERROR", "MEMORY_LIMIT_REACHED"],
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

export const getMemorySettingsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/memory-settings",
  summary:
    "The workspace's memory settings: retention rules per scope (TTL), importance decay and the cap on memories, with the server's default and maximum cap and the current counts",
  tag: "Memory",
  requires: "memory:read",
  response: memorySettingsSchema,
  handler: ({ ctx }) => getMemorySettings(ctx),
});

export const updateMemorySettingsRoute = defineRoute({
  method: "PUT",
  path: "/api/v1/memory-settings",
  summary:
    "Replace the memory settings (all three fields; null: the default): TTL rules, the importance half-life, the cap (at most CADRE_MEMORY_LIMIT_MAX). Owners and admins; audited",
  tag: "Memory",
  requires: "settings:update",
  body: memorySettingsInputSchema,
  response: memorySettingsSchema,
  handler: ({ ctx, body }) => updateMemorySettings(ctx, body),
});

const subjectParams = z.strictObject({ subject: memorySubjectSchema });

export const eraseSubjectRoute = defineRoute({
  method: "POST",
  path: "/api/v1/memory-subjects/{subject}/erase",
  summary: "Erase a subject: every memory of scope subject:{subject} (pinned ones too) is deleted; answers the counts removed. Audited",
  tag: "Memory",
  requires: "memory:delete",
  params: subjectParams,
  response: subjectErasureSchema,
  idempotent: false,
  handler: ({ ctx, params }) => eraseSubject(ctx, params.subject),
});

export const exportSubjectRoute = defineRoute({
  method: "GET",
  path: "/api/v1/memory-subjects/{subject}/export",
  summary: "A subject's memories as one JSON document (cadre.subject-export.v1, newest first, at most 10,000)",
  tag: "Memory",
  requires: "memory:read",
  params: subjectParams,
  response: subjectExportSchema,
  handler: ({ ctx, params }) => exportSubject(ctx, params.subject),
});

import { z } from "zod";
import { text } from "./text";
import { actorTypeSchema, idSchema, paginationShape } from "./common";

/**
 * Memory (issue 14, first slice): the closed sets, the limits, the inputs of remember/list/update/recall, and the
 * recall formula's default weights. The database checks the same sets (migration 20261212_800_memory).
 */
export const MEMORY_SCOPE_TYPES = ["workspace", "team", "agent", "session", "subject"] as const;
export type MemoryScopeType = (typeof MEMORY_SCOPE_TYPES)[number];
export const MEMORY_KINDS = ["semantic", "episodic", "working"] as const;
export type MemoryKind = (typeof MEMORY_KINDS)[number];
export const MEMORY_SOURCES = ["api", "person", "run", "document"] as const;
export type MemorySource = (typeof MEMORY_SOURCES)[number];
/** the embedding sizes that have an HNSW index (one partial index per size); another size is refused */
export const MEMORY_DIMENSIONS = [384, 768, 1024, 1536] as const;

export const MEMORY_CONTENT_MAX = 8000;
export const MEMORY_SCOPE_ID_MAX = 200;
export const RECALL_K_DEFAULT = 10;
export const RECALL_K_MAX = 50;

/**
 * The recall formula (server/memory/recall.ts). Candidates: the `candidates` nearest rows by cosine distance
 * (HNSW) and the `candidates` best full-text matches (ts_rank of websearch_to_tsquery), both of the caller's scopes
 * and of the query's embedding model only. Then, for each row:
 *   fused     = vector / (rrfK + vectorRank) + text / (rrfK + textRank)     (a missing rank contributes 0)
 *   recency   = 0.5 ^ (age in days / halfLifeDays)                            (age since last update)
 *   score     = fused × (1 + recencyWeight × recency + importanceWeight × importance)
 * (pinned memories count as importance 1). Reciprocal rank fusion with k = 60 is the usual constant; the
 * adjustments multiply the fused score so that they reorder near-ties but never lift a row neither search found.
 */
export const DEFAULT_RECALL_WEIGHTS = {
  vector: 1,
  text: 1,
  rrfK: 60,
  recency: 0.2,
  halfLifeDays: 30,
  importance: 0.3,
} as const;
/** how many candidates each search brings before fusion */
export const RECALL_CANDIDATES = 50;

export const memoryScopeTypeSchema = z.enum(MEMORY_SCOPE_TYPES).meta({ id: "MemoryScopeType" });
export const memoryKindSchema = z.enum(MEMORY_KINDS).meta({ id: "MemoryKind" });
export const memorySourceSchema = z.enum(MEMORY_SOURCES).meta({ id: "MemorySource" });
export const memoryIdSchema = idSchema("memo").describe("A memory id (memo_...)");

const scopeIdSchema = text()
  .trim()
  .min(1)
  .max(MEMORY_SCOPE_ID_MAX)
  .regex(/^[A-Za-z0-9_.:@-]+$/, "Use letters, digits and _ . : @ - (e.g. customer:42)");

/** A scope: the workspace (no id), or a team, agent, session or subject with its id. */
export const memoryScopeSchema = z
  .strictObject({ type: memoryScopeTypeSchema, id: scopeIdSchema.nullable().optional() })
  .superRefine((s, ctx) => {
    if (s.type === "workspace" && s.id) ctx.addIssue({ code: "custom", path: ["id"], message: "The workspace scope has no id" });
    if (s.type !== "workspace" && !s.id) ctx.addIssue({ code: "custom", path: ["id"], message: `A ${s.type} scope needs an id` });
  })
  .meta({ id: "MemoryScope" });
export type MemoryScope = z.infer<typeof memoryScopeSchema>;

const contentSchema = text().trim().min(1, "A memory says something").max(MEMORY_CONTENT_MAX);
const importanceSchema = z.number().min(0).max(1);
const sourceRefSchema = z
  .strictObject({
    runId: text().max(64).optional(),
    stepId: text().max(200).optional(),
    documentId: text().max(64).optional(),
    note: text().max(500).optional(),
  })
  .describe("Where it came from: a run and step, a document, a note");

export const createMemoryInputSchema = z.strictObject({
  scope: memoryScopeSchema.default({ type: "workspace" }),
  kind: memoryKindSchema.default("semantic"),
  content: contentSchema,
  importance: importanceSchema.default(0.5),
  pinned: z.boolean().default(false),
  source: memorySourceSchema.optional().describe("api (an API key), person (the web app): by default from the caller; run or document when it says so"),
  sourceRef: sourceRefSchema.default({}),
});
export type CreateMemoryInput = z.input<typeof createMemoryInputSchema>;

export const updateMemoryInputSchema = z.strictObject({
  content: contentSchema.optional().describe("new content (re-embedded)"),
  importance: importanceSchema.optional(),
  pinned: z.boolean().optional(),
});
export const updateMemoryWithIdInputSchema = updateMemoryInputSchema.extend({ memoryId: memoryIdSchema });
export const memoryByIdInputSchema = z.strictObject({ memoryId: memoryIdSchema });

export const listMemoriesInputSchema = z.strictObject({
  scopeType: memoryScopeTypeSchema.optional(),
  scopeId: scopeIdSchema.optional(),
  kind: memoryKindSchema.optional(),
  ...paginationShape,
});

export const recallWeightsSchema = z
  .strictObject({
    vector: z.number().min(0).max(10).optional(),
    text: z.number().min(0).max(10).optional(),
    rrfK: z.number().int().min(1).max(1000).optional(),
    recency: z.number().min(0).max(10).optional(),
    halfLifeDays: z.number().min(0.01).max(36500).optional(),
    importance: z.number().min(0).max(10).optional(),
  })
  .describe("Overrides of the default recall weights (docs/architecture.md, Memory)");
export type RecallWeights = { -readonly [K in keyof typeof DEFAULT_RECALL_WEIGHTS]: number };

export const recallInputSchema = z.strictObject({
  query: text().trim().min(1).max(2000),
  scopes: z
    .array(memoryScopeSchema)
    .min(1)
    .max(20)
    .default([{ type: "workspace" }])
    .describe("The scopes to search (default: the workspace scope)"),
  k: z.number().int().min(1).max(RECALL_K_MAX).default(RECALL_K_DEFAULT),
  kinds: z.array(memoryKindSchema).max(3).optional(),
  weights: recallWeightsSchema.optional(),
});
export type RecallInput = z.input<typeof recallInputSchema>;

export const memorySchema = z
  .object({
    id: z.string(),
    scope: z.object({ type: memoryScopeTypeSchema, id: z.string().nullable() }),
    kind: memoryKindSchema,
    content: z.string(),
    importance: z.number(),
    pinned: z.boolean(),
    source: memorySourceSchema,
    sourceRef: z.record(z.string(), z.unknown()),
    createdByType: actorTypeSchema,
    createdById: z.string().nullable(),
    embeddingModel: z.string().describe("the model that embedded it; `simulator:...(lexical)` is the offline hashed bag of words, not semantic"),
    dims: z.number().int(),
    createdAt: z.date(),
    updatedAt: z.date(),
    lastRecalledAt: z.date().nullable(),
  })
  .meta({ id: "Memory" });
export type MemoryOutput = z.infer<typeof memorySchema>;

export const recallExplanationSchema = z.object({
  vectorRank: z.number().int().nullable().describe("1-based rank among the vector candidates; null: not a vector candidate"),
  vectorDistance: z.number().nullable().describe("cosine distance to the query (0 = same direction)"),
  textRank: z.number().int().nullable().describe("1-based rank among the full-text candidates; null: no full-text match"),
  textScore: z.number().nullable().describe("ts_rank of the match"),
  vectorPart: z.number(),
  textPart: z.number(),
  fused: z.number(),
  recency: z.number(),
  importance: z.number(),
  score: z.number(),
});

export const recallResultSchema = z
  .object({
    embeddingModel: z.string().describe("the model the query was embedded with: only memories of that model were compared"),
    simulated: z.boolean().describe("the offline simulator embedded: vectors are lexical (shared words), not semantic"),
    weights: z.object({ vector: z.number(), text: z.number(), rrfK: z.number(), recency: z.number(), halfLifeDays: z.number(), importance: z.number() }),
    results: z.array(z.object({ memory: memorySchema, why: recallExplanationSchema })),
  })
  .meta({ id: "RecallResult" });
export type RecallOutput = z.infer<typeof recallResultSchema>;

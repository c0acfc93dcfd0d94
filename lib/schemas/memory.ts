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
 * The recall formula (server/memory/recall.ts). The scopes are grouped by the model that embeds them (their settings:
 * lib/schemas/memory-models.ts) and the query is embedded once per model. Candidates: for each model, the `candidates`
 * nearest rows by cosine distance (HNSW) among its scopes' rows embedded by that model (another model's vectors are
 * never compared; a row not yet re-embedded after its scope's model changed is skipped by the vector search), and the
 * `candidates` best full-text matches (ts_rank of websearch_to_tsquery) of all the scopes, whatever their model. Then,
 * for each row, reciprocal rank fusion of every list it is in (at most one vector list, its model's, and the text list):
 *   fused     = vector / (rrfK + vectorRank in its model's list) + text / (rrfK + textRank)     (a missing rank adds 0)
 *   recency   = 0.5 ^ (age in days / halfLifeDays)                            (age since last update)
 *   score     = fused × (1 + recencyWeight × recency + importanceWeight × importance)
 * (pinned memories count as importance 1; the importance of the others is decayed by the workspace's half-life, see
 * memorySettingsInputSchema). Distances of two models are not comparable, their ranks are: each model's best row gets
 * the same vector part. Reciprocal rank fusion with k = 60 is the usual constant; the adjustments multiply the fused
 * score so that they reorder near-ties but never lift a row no search found.
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
/**
 * The most full-text matches ranked per recall (cadre_memory_text_candidates, migration 20261221_500_memory_text). A
 * query with fewer matches (an identifier, a sentence) has them all ranked; a query whose words are common to more
 * memories of the scopes ranks the first this many the index finds (in storage order: mostly the oldest), and the
 * vector candidates whose words match join them (server/memory/recall.ts, textListOf): a newer memory is left out of
 * the full-text half only when the vector search did not find it either. 5,000 before 2026-12-07: ranking the 2,000
 * matches of the bench's topic queries took 6.5-8 ms of a recall, 500 of them 2.9 ms.
 */
export const RECALL_TEXT_RANKED = 500;

export const memoryScopeTypeSchema = z.enum(MEMORY_SCOPE_TYPES).meta({ id: "MemoryScopeType" });
export const memoryKindSchema = z.enum(MEMORY_KINDS).meta({ id: "MemoryKind" });
export const memorySourceSchema = z.enum(MEMORY_SOURCES).meta({ id: "MemorySource" });
export const memoryIdSchema = idSchema("memo").describe("A memory id (memo_...)");

export const memoryScopeIdSchema = text()
  .trim()
  .min(1)
  .max(MEMORY_SCOPE_ID_MAX)
  .regex(/^[A-Za-z0-9_.:@-]+$/, "Use letters, digits and _ . : @ - (e.g. customer:42)");

/** A scope: the workspace (no id), or a team, agent, session or subject with its id. */
export const memoryScopeSchema = z
  .strictObject({ type: memoryScopeTypeSchema, id: memoryScopeIdSchema.nullable().optional() })
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
  scopeId: memoryScopeIdSchema.optional(),
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
  vectorRank: z.number().int().nullable().describe("1-based rank among the vector candidates of its model; null: not a vector candidate"),
  vectorDistance: z.number().nullable().describe("cosine distance to the query embedded by the same model (0 = same direction)"),
  vectorModel: z.string().nullable().describe("the model whose vector list it came from (the memory's and the query's); null: not a vector candidate"),
  textRank: z.number().int().nullable().describe("1-based rank among the full-text candidates; null: no full-text match"),
  textScore: z.number().nullable().describe("ts_rank of the match"),
  vectorPart: z.number(),
  textPart: z.number(),
  fused: z.number(),
  recency: z.number(),
  decay: z.number().describe("the importance decay factor (the workspace's half-life since the last change or recall); 1 when pinned or without decay"),
  importance: z.number().describe("the effective importance: stored importance × decay (pinned: 1)"),
  score: z.number(),
});

export const recallResultSchema = z
  .object({
    embeddingModel: z
      .string()
      .describe("the model the query was embedded with (comma-separated when the scopes use several: see `models`); only memories of that model were compared"),
    simulated: z.boolean().describe("the offline simulator embedded (for at least one model): vectors are lexical (shared words), not semantic"),
    models: z
      .array(
        z.object({
          embeddingModel: z.string(),
          simulated: z.boolean(),
          scopes: z.array(z.object({ type: memoryScopeTypeSchema, id: z.string().nullable() })).describe("the scopes this model embeds"),
        }),
      )
      .describe("each model the query was embedded with and the scopes searched with it (one vector search each)"),
    weights: z.object({ vector: z.number(), text: z.number(), rrfK: z.number(), recency: z.number(), halfLifeDays: z.number(), importance: z.number() }),
    results: z.array(z.object({ memory: memorySchema, why: recallExplanationSchema })),
  })
  .meta({ id: "RecallResult" });
export type RecallOutput = z.infer<typeof recallResultSchema>;

/**
 * Memory governance (docs/data-retention.md, "Memories"). A workspace's settings:
 * - `ttl`: retention rules, each a scope type with an optional exact scope id and a number of days. A memory not
 *   pinned whose last change (`updatedAt`) is older than its rule's days is deleted by the retention purge; an exact
 *   scope id's rule wins over its type's rule; `days: 0` keeps forever (e.g. one subject exempt from its type's rule).
 * - `decayHalfLifeDays`: importance decay. A memory not pinned counts at recall with
 *     effective importance = importance × 0.5 ^ (days since the later of its last change and its last recall / half-life)
 *   null turns decay off. The stored importance never changes; the cap's eviction orders by the same effective value.
 * - `maxMemories`: the most unpinned memories the workspace keeps (null: CADRE_MEMORY_LIMIT; at most
 *   CADRE_MEMORY_LIMIT_MAX). A remember beyond it is refused (MEMORY_LIMIT_REACHED) and nothing is written; a
 *   workspace above it (the cap lowered, memories unpinned) is brought back to it by the purge, which evicts the
 *   unpinned memories of lowest effective importance first (then the least recently changed).
 * Pinned memories are exempt from TTL, decay and the cap (CADRE_MEMORY_LIMIT_MAX still bounds all memories).
 */
export const MEMORY_TTL_RULES_MAX = 100;
export const memoryTtlRuleSchema = z
  .strictObject({
    scopeType: memoryScopeTypeSchema,
    scopeId: memoryScopeIdSchema.nullable().default(null).describe("an exact scope (e.g. customer:42); null: every scope of the type"),
    days: z.number().int("A whole number of days").min(0).max(36_500).describe("days after the memory's last change; 0: keep forever"),
  })
  .superRefine((r, ctx) => {
    if (r.scopeType === "workspace" && r.scopeId) ctx.addIssue({ code: "custom", path: ["scopeId"], message: "The workspace scope has no id" });
  })
  .meta({ id: "MemoryTtlRule" });
export type MemoryTtlRule = z.infer<typeof memoryTtlRuleSchema>;

export const memorySettingsInputSchema = z
  .strictObject({
    ttl: z
      .array(memoryTtlRuleSchema)
      .max(MEMORY_TTL_RULES_MAX)
      .superRefine((rules, ctx) => {
        const seen = new Set<string>();
        for (const [i, r] of rules.entries()) {
          const key = `${r.scopeType}\u0000${r.scopeId ?? ""}`;
          if (seen.has(key)) ctx.addIssue({ code: "custom", path: [i], message: `Two rules for ${r.scopeType}${r.scopeId ? ` ${r.scopeId}` : ""}` });
          seen.add(key);
        }
      })
      .describe("Retention rules (an exact scope id's rule wins over its type's); [] for none"),
    decayHalfLifeDays: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .nullable()
      .describe("Importance halves every this many days since the last change or recall (pinned: never); null: no decay"),
    maxMemories: z
      .number()
      .int()
      .min(1)
      .nullable()
      .describe("The most unpinned memories; null: the server's default (CADRE_MEMORY_LIMIT); at most CADRE_MEMORY_LIMIT_MAX"),
  })
  .describe("The whole settings (PUT): every field, null for the default")
  .meta({ id: "MemorySettingsInput" });
export type MemorySettingsInput = z.input<typeof memorySettingsInputSchema>;

export const memorySettingsSchema = z
  .object({
    ttl: z.array(z.object({ scopeType: memoryScopeTypeSchema, scopeId: z.string().nullable(), days: z.number().int() })),
    decayHalfLifeDays: z.number().int().nullable(),
    maxMemories: z.number().int().nullable().describe("the workspace's own cap; null: the default"),
    maxMemoriesDefault: z.number().int().describe("CADRE_MEMORY_LIMIT"),
    maxMemoriesLimit: z.number().int().describe("CADRE_MEMORY_LIMIT_MAX: the highest cap that can be set, and the bound of all memories, pinned included"),
    effectiveMaxMemories: z.number().int().describe("the cap that applies"),
    usage: z.object({ memories: z.number().int(), pinned: z.number().int() }).describe("the workspace's memories now"),
  })
  .meta({ id: "MemorySettings" });
export type MemorySettingsOutput = z.infer<typeof memorySettingsSchema>;

/** A subject: the id of a `subject` scope (e.g. customer:42). */
export const memorySubjectSchema = memoryScopeIdSchema.describe("A subject's id, as in the scope {type: subject, id} (e.g. customer:42)");
export const memorySubjectInputSchema = z.strictObject({ subject: memorySubjectSchema });

export const subjectErasureSchema = z
  .object({
    subject: z.string(),
    removed: z.record(z.string(), z.number().int()).describe("rows removed, per kind of data (memories; sessions and messages when they exist)"),
  })
  .meta({ id: "SubjectErasure" });
export type SubjectErasure = z.infer<typeof subjectErasureSchema>;

/** the most memories one export holds (newest first); `truncated` says when there were more */
export const SUBJECT_EXPORT_MAX = 10_000;
export const subjectExportSchema = z
  .object({
    format: z.literal("cadre.subject-export.v1"),
    subject: z.string(),
    exportedAt: z.date(),
    memories: z.array(memorySchema),
    truncated: z.boolean(),
  })
  .meta({ id: "SubjectExport" });
export type SubjectExport = z.infer<typeof subjectExportSchema>;

import { z } from "zod";
import { MAX_INT4, text } from "./text";

export const CAPABILITIES = ["tools", "json", "vision", "embeddings"] as const;
export const capabilitySchema = z.enum(CAPABILITIES);
export type Capability = z.infer<typeof capabilitySchema>;

/** How the router ranks the models that pass every hard constraint (server/models/objective.ts). */
export const ROUTING_OBJECTIVES = ["cost", "quality", "latency"] as const;
export type RoutingObjectiveName = (typeof ROUTING_OBJECTIVES)[number];

/** A weighted blend: each model's cost, quality and latency scored 0..1 across the candidates, weights summed. */
export const objectiveWeightsSchema = z
  .strictObject({
    cost: z.number().min(0).max(1),
    quality: z.number().min(0).max(1),
    latency: z.number().min(0).max(1),
  })
  .refine((w) => w.cost + w.quality + w.latency > 0, { message: "At least one objective weight is above 0" })
  .meta({ id: "ObjectiveWeights" });
export type ObjectiveWeights = z.infer<typeof objectiveWeightsSchema>;

export const routingObjectiveSchema = z
  .union([z.enum(ROUTING_OBJECTIVES), objectiveWeightsSchema])
  .describe("cost (cheapest expected cost, the default), quality (strongest), latency (fastest observed), or blend weights")
  .meta({ id: "RoutingObjective" });
export type RoutingObjective = z.infer<typeof routingObjectiveSchema>;

/** What a call needs from a model. Every field is optional: an empty set accepts any enabled model. */
export const modelConstraintsSchema = z
  .strictObject({
    minQuality: z.number().min(0).max(1).optional(),
    maxP95LatencyMs: z.number().int().positive().max(MAX_INT4).optional(),
    /** estimated from prompt tokens and max output tokens */
    maxCostPerCallUsd: z.number().positive().max(1_000_000).optional(),
    requiredCapabilities: z
      .array(capabilitySchema)
      .max(CAPABILITIES.length * 2)
      .default([]),
    /** provider ids (prv_...) or kinds (openai, anthropic, openai_compatible, simulator), most preferred first */
    preferredProviders: z.array(text().max(80)).max(50).default([]),
    /** try local providers first, fall back to cloud ones */
    localFirst: z.boolean().default(false),
    /** never send data to a provider that is not local */
    localOnly: z.boolean().default(false),
    /** how the feasible models are ranked; absent: "cost" */
    objective: routingObjectiveSchema.optional(),
    /** in a debate or mixture-of-agents step, prefer a model the other participants of the step do not use */
    diversity: z.boolean().optional(),
  })
  .meta({ id: "ModelConstraints" });

export const modelPolicySchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("pinned"), modelId: text().max(80).describe("A catalog model id (mdl_...)") }),
    z.strictObject({ type: z.literal("preset"), preset: text().min(1).max(40).describe("fast, balanced, capable, or a custom preset") }),
    z.strictObject({ type: z.literal("constraints"), constraints: modelConstraintsSchema }),
  ])
  .meta({ id: "ModelPolicy" });

export type ModelConstraints = z.infer<typeof modelConstraintsSchema>;
export type ModelPolicy = z.infer<typeof modelPolicySchema>;

import { z } from "zod";
import { text } from "./text";
import { idSchema } from "./common";
import { modelConstraintsSchema, modelPolicySchema } from "./model-policy";

// ---------------------------------------------------------------------------------------------------
// Route decisions (the router's answer, shown by the "route this policy" tester and POST /api/v1/models/route)

export const routedModelSchema = z
  .object({
    id: z.string().describe("Catalog model id (mdl_...)"),
    providerId: z.string(),
    providerKind: z.string(),
    providerName: z.string(),
    isLocal: z.boolean(),
    modelId: z.string().describe("The provider's own model id"),
    displayName: z.string(),
    inputPrice: z.number().describe("USD per million input tokens"),
    outputPrice: z.number().describe("USD per million output tokens"),
    contextWindow: z.number().int(),
    capabilities: z.array(z.string()),
    quality: z.number(),
    enabled: z.boolean(),
    latencyP95Ms: z.number().nullable().describe("Observed p95 latency; null before the first successful call"),
    errorRate: z.number().describe("Observed share of failed calls over the rolling window"),
  })
  .meta({ id: "RoutedModel" });

export const routeCandidateSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    estimatedCostUsd: z.number().describe("(promptTokens x inputPrice + maxOutputTokens x outputPrice) / 1e6"),
    feasible: z.boolean(),
    rejectedBecause: z.array(z.string()).describe("Every constraint the model fails; empty when feasible"),
  })
  .meta({ id: "RouteCandidate" });

export const routeDecisionSchema = z
  .object({
    chosen: routedModelSchema,
    fallbacks: z.array(routedModelSchema).describe("The other feasible models, in the order the gateway would try them"),
    candidates: z.array(routeCandidateSchema).describe("Every catalog model: feasible ones first, in routing order"),
    explanation: z.string(),
    constraints: modelConstraintsSchema.describe("The constraints the policy resolved to (a preset's, a pinned model's none)"),
  })
  .meta({ id: "RouteDecision" });
export type RouteDecisionOutput = z.infer<typeof routeDecisionSchema>;

export const explainRouteInputSchema = z.strictObject({
  policy: modelPolicySchema,
  promptTokens: z.number().int().min(0).max(10_000_000).default(1000).describe("Estimated prompt size in tokens"),
  maxOutputTokens: z.number().int().min(1).max(1_000_000).default(1000).describe("The call's output allowance"),
});

// ---------------------------------------------------------------------------------------------------
// Trying a policy for real (routing.try)

export const tryRouteInputSchema = z.strictObject({
  policy: modelPolicySchema,
  prompt: text().trim().min(1, "Enter a prompt").max(20_000, "A test prompt has at most 20,000 characters"),
  system: text().max(5_000).optional(),
  maxOutputTokens: z.number().int().min(1).max(8_192).default(256),
});

export const routeAttemptSchema = z
  .object({
    modelId: z.string().describe("Catalog model id"),
    displayName: z.string(),
    outcome: z.string().describe("ok | error | timeout | refused | answer_invalid | skipped"),
    error: z.string().optional(),
    latencyMs: z.number().int(),
  })
  .meta({ id: "RouteAttempt" });

export const tryRouteResultSchema = z
  .object({
    text: z.string(),
    model: z.object({ id: z.string(), modelId: z.string(), displayName: z.string(), providerKind: z.string() }),
    usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int() }),
    costUsd: z.number(),
    latencyMs: z.number().int(),
    attempts: z.array(routeAttemptSchema),
    explanation: z.string(),
  })
  .meta({ id: "RouteTryResult" });

// ---------------------------------------------------------------------------------------------------
// Presets (fast / balanced / capable seeded per workspace, editable; custom ones created and deleted)

export const routingPresetIdSchema = idSchema("rp");

/** A preset's name is what policies reference (`{ type: "preset", preset }`, at most 40 characters there). */
export const ROUTING_PRESET_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

export const routingPresetNameSchema = text()
  .trim()
  .regex(ROUTING_PRESET_NAME_PATTERN, "A preset name is 1-40 lowercase letters, digits and dashes, starting with a letter or digit")
  .describe("The name policies use, e.g. cheap-json");

const presetDescriptionSchema = text().trim().max(300, "A description has at most 300 characters");

export const routingPresetSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    constraints: modelConstraintsSchema,
    updatedAt: z.date(),
  })
  .meta({ id: "RoutingPreset" });
export type RoutingPresetOutput = z.infer<typeof routingPresetSchema>;

export const createRoutingPresetInputSchema = z.strictObject({
  name: routingPresetNameSchema,
  description: presetDescriptionSchema.default(""),
  constraints: modelConstraintsSchema,
});

export const updateRoutingPresetInputSchema = z.strictObject({
  presetId: routingPresetIdSchema,
  description: presetDescriptionSchema.optional(),
  constraints: modelConstraintsSchema,
});

export const deleteRoutingPresetInputSchema = z.strictObject({ presetId: routingPresetIdSchema });

import { z } from "zod";
import { displayName, text } from "./text";
import { actorTypeSchema, idSchema, paginationShape } from "./common";
import { DEFAULT_TRIGGER_TEMPLATE, TRIGGER_TEMPLATE_MAX, triggerTemplateProblem } from "../trigger-template";

/**
 * Incoming webhook triggers (issue 15): POST /api/hooks/{triggerId}, signed per Standard Webhooks with the trigger's
 * own secret (whsec_…, shown once, rotatable), starts a run of an agent or a team with the delivery mapped by the
 * trigger's template (lib/trigger-template.ts).
 */
export const TRIGGER_TARGET_TYPES = ["agent", "team"] as const;
/** the largest delivery body accepted (bytes) */
export const TRIGGER_MAX_BODY_BYTES = 256 * 1024;
/** how far a delivery's webhook-timestamp may be from the server's clock (Standard Webhooks: 5 minutes) */
export const TRIGGER_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export const triggerIdSchema = idSchema("whtr").describe("A webhook trigger id (whtr_...)");
export const targetRefSchema = text().trim().min(1).max(80);

export const triggerTemplateSchema = text()
  .max(TRIGGER_TEMPLATE_MAX, `A template has at most ${TRIGGER_TEMPLATE_MAX} characters`)
  .refine((v) => v.trim().length > 0, "Write a template (the default is {{ payload }})")
  .superRefine((v, ctx) => {
    const problem = triggerTemplateProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe("The run's input: text with {{ payload.path }}, {{ payload }}, {{ body }}, {{ webhook.id }} placeholders");

/** Exactly one of agent or team (shared with schedules). */
export function exactlyOneTarget(v: { agent?: string | undefined; team?: string | undefined }, ctx: z.RefinementCtx): void {
  if (!v.team === !v.agent) ctx.addIssue({ code: "custom", path: ["agent"], message: "Name exactly one of agent or team" });
}

export const createTriggerInputSchema = z
  .strictObject({
    name: displayName().trim().min(1, "Name the trigger").max(100),
    agent: targetRefSchema.optional().describe("The agent to run: id (agt_...) or slug"),
    team: targetRefSchema.optional().describe("The team to run: id (team_...) or slug"),
    template: triggerTemplateSchema.default(DEFAULT_TRIGGER_TEMPLATE),
    enabled: z.boolean().default(true),
  })
  .superRefine(exactlyOneTarget);
export type CreateTriggerInput = z.input<typeof createTriggerInputSchema>;

export const updateTriggerInputSchema = z.strictObject({
  name: displayName().trim().min(1, "Name the trigger").max(100).optional(),
  template: triggerTemplateSchema.optional(),
  enabled: z.boolean().optional().describe("false: deliveries are refused with 404 until it is enabled again"),
});
export type UpdateTriggerInput = z.input<typeof updateTriggerInputSchema>;
export const updateTriggerWithIdInputSchema = updateTriggerInputSchema.extend({ triggerId: triggerIdSchema });
export const triggerByIdInputSchema = z.strictObject({ triggerId: triggerIdSchema });
export const listTriggersInputSchema = z.strictObject(paginationShape);

const targetOut = z.object({ id: z.string(), slug: z.string(), name: z.string() });

export const triggerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    targetType: z.enum(TRIGGER_TARGET_TYPES),
    agent: targetOut.nullable(),
    team: targetOut.nullable(),
    template: z.string(),
    enabled: z.boolean(),
    path: z.string().describe("Where the sender POSTs: /api/hooks/{id} on this server"),
    secretRotatedAt: z.date().nullable(),
    deliveries: z.number().int(),
    lastDeliveryAt: z.date().nullable(),
    lastRunId: z.string().nullable(),
    refusedDeliveries: z
      .number()
      .int()
      .describe("Signed deliveries that started no run: over the rate limit, not mapped by the template, refused by the run's checks"),
    lastRefusedAt: z.date().nullable(),
    lastRefusal: z.string().nullable().describe("Why the last one was refused: the answer's code and message, as the sender got it"),
    createdByType: actorTypeSchema,
    createdById: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "WebhookTrigger" });
export type TriggerOutput = z.infer<typeof triggerSchema>;

export const triggerWithSecretSchema = z
  .object({
    trigger: triggerSchema,
    secret: z.string().describe("The signing secret (whsec_…): shown this once, store it with the sender"),
  })
  .meta({ id: "WebhookTriggerWithSecret" });
export type TriggerWithSecretOutput = z.infer<typeof triggerWithSecretSchema>;

export const triggerAcceptedSchema = z
  .object({
    runId: z.string().describe("The run the delivery started (a redelivery of the same webhook-id: the first delivery's run)"),
    duplicate: z.boolean().describe("true: a redelivery; no new run was started"),
  })
  .meta({ id: "WebhookTriggerAccepted" });
export type TriggerAccepted = z.infer<typeof triggerAcceptedSchema>;

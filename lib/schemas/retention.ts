import { z } from "zod";

const days = (what: string) =>
  z
    .number()
    .int("A whole number of days")
    .min(0, "0 (keep forever) or more")
    .max(36_500, "At most 36500 days")
    .nullable()
    .describe(`${what}, in days; 0: keep forever; null: the server's default`);

/** A workspace's retention policy: each value null (the server's default), 0 (forever) or a number of days. */
export const retentionPolicySchema = z
  .object({
    runEventsDays: days("Run events of runs finished longer ago are deleted"),
    stepPayloadsDays: days("Step inputs and outputs of runs finished longer ago are cleared"),
    usageDays: days("Usage rows older than this are deleted (0 or at least 35: budgets read the current month)").refine(
      (v) => v === null || v === 0 || v >= 35,
      "0 (keep forever) or at least 35 days: budgets read the current month",
    ),
    auditDays: days("Audit entries older than this are deleted"),
  })
  .meta({ id: "RetentionPolicy" });

export const updateRetentionInputSchema = z.strictObject({
  runEventsDays: retentionPolicySchema.shape.runEventsDays.optional(),
  stepPayloadsDays: retentionPolicySchema.shape.stepPayloadsDays.optional(),
  usageDays: retentionPolicySchema.shape.usageDays.optional(),
  auditDays: retentionPolicySchema.shape.auditDays.optional(),
});

const effective = z.object({ runEventsDays: z.number().int(), stepPayloadsDays: z.number().int(), usageDays: z.number().int(), auditDays: z.number().int() });

export const retentionSettingsSchema = z
  .object({
    policy: retentionPolicySchema.describe("The workspace's own values (null: the default)"),
    defaults: effective.describe("The server's defaults (environment)"),
    effective: effective.describe("What the purge applies: the workspace's value, else the default; 0 keeps forever"),
  })
  .meta({ id: "RetentionSettings" });

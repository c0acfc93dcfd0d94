import { z } from "zod";
import { displayName, text } from "./text";
import { actorTypeSchema, idSchema, paginationShape } from "./common";
import { MAX_RUN_INPUT } from "./runs";
import { exactlyOneTarget, targetRefSchema } from "./triggers";
import { cronProblem, timezoneProblem } from "../schedule-times";

/**
 * Schedules (issue 15): run an agent or a team with a fixed input at the times of a cron expression in a time zone.
 * Never two runs of one schedule at once unless `allowOverlap`; missed times during downtime are skipped (`skip`) or run
 * once (`catch_up`).
 */
export const SCHEDULE_STATUSES = ["active", "paused"] as const;
export const SCHEDULE_MISSED_POLICIES = ["skip", "catch_up"] as const;
export const SCHEDULE_SKIP_REASONS = ["overlap", "missed", "failed"] as const;
/** a due time older than this when the scheduler reaches it counts as missed (downtime) */
export const SCHEDULE_MISSED_AFTER_MS = 60_000;

export const scheduleIdSchema = idSchema("sch").describe("A schedule id (sch_...)");

export const cronSchema = text()
  .trim()
  .min(1, "Write a cron expression")
  .max(200)
  .superRefine((v, ctx) => {
    const problem = cronProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe("Five-field cron expression (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly");
export const timezoneSchema = text()
  .max(64)
  .superRefine((v, ctx) => {
    const problem = timezoneProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe("IANA time zone the expression is read in (e.g. Europe/Berlin); default UTC");
const inputSchema = text()
  .min(1, "Write the run's input")
  .max(MAX_RUN_INPUT, `An input has at most ${MAX_RUN_INPUT} characters`)
  .refine((v) => v.trim().length > 0, "Write the run's input");

export const createScheduleInputSchema = z
  .strictObject({
    name: displayName().trim().min(1, "Name the schedule").max(100),
    agent: targetRefSchema.optional().describe("The agent to run: id (agt_...) or slug"),
    team: targetRefSchema.optional().describe("The team to run: id (team_...) or slug"),
    cron: cronSchema,
    timezone: timezoneSchema.default("UTC"),
    input: inputSchema.describe("The input of every run"),
    allowOverlap: z.boolean().default(false).describe("true: fire even while the previous run is still active"),
    missedPolicy: z.enum(SCHEDULE_MISSED_POLICIES).default("skip").describe("Times missed while the server was down: skip them, or run once (catch_up)"),
    paused: z.boolean().default(false),
  })
  .superRefine(exactlyOneTarget);
export type CreateScheduleInput = z.input<typeof createScheduleInputSchema>;

export const updateScheduleInputSchema = z.strictObject({
  name: displayName().trim().min(1, "Name the schedule").max(100).optional(),
  cron: cronSchema.optional(),
  timezone: timezoneSchema.optional(),
  input: inputSchema.optional(),
  allowOverlap: z.boolean().optional(),
  missedPolicy: z.enum(SCHEDULE_MISSED_POLICIES).optional(),
});
export type UpdateScheduleInput = z.input<typeof updateScheduleInputSchema>;
export const updateScheduleWithIdInputSchema = updateScheduleInputSchema.extend({ scheduleId: scheduleIdSchema });
export const scheduleByIdInputSchema = z.strictObject({ scheduleId: scheduleIdSchema });
export const listSchedulesInputSchema = z.strictObject(paginationShape);

const targetOut = z.object({ id: z.string(), slug: z.string(), name: z.string() });

export const scheduleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    targetType: z.enum(["agent", "team"]),
    agent: targetOut.nullable(),
    team: targetOut.nullable(),
    cron: z.string(),
    timezone: z.string(),
    input: z.string(),
    status: z.enum(SCHEDULE_STATUSES),
    allowOverlap: z.boolean(),
    missedPolicy: z.enum(SCHEDULE_MISSED_POLICIES),
    nextRunAt: z.date().nullable().describe("The next due time (null while paused)"),
    lastRunId: z.string().nullable(),
    lastFiredAt: z.date().nullable(),
    lastSkipReason: z.enum(SCHEDULE_SKIP_REASONS).nullable().describe("Why the last skipped time did not run: overlap, missed (downtime) or failed"),
    lastSkippedAt: z.date().nullable(),
    skippedFires: z.number().int(),
    lastError: z.string().nullable().describe("Why the last fire could not start a run (failed)"),
    createdByType: actorTypeSchema,
    createdById: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Schedule" });
export type ScheduleOutput = z.infer<typeof scheduleSchema>;

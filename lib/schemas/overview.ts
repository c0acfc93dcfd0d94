import { z } from "zod";
import { runSchema } from "./runs";
import { budgetStatusSchema } from "./usage";

/** The checklist of a new workspace, in the order people do it. */
export const CHECKLIST_ITEMS = ["connect_model", "create_agent", "create_team", "run_succeeded", "create_api_key"] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];

const runCountsSchema = z.object({
  queued: z.number().int(),
  running: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});
export type RunCounts = z.infer<typeof runCountsSchema>;

export const workspaceOverviewSchema = z
  .object({
    generatedAt: z.date(),
    runs: z
      .object({
        since: z.date().describe("The start of the hour 23 hours before the current one (UTC): 24 hourly buckets"),
        byStatus: runCountsSchema.describe("Runs created since `since`, by their status now"),
        hourly: z
          .array(runCountsSchema.extend({ hour: z.date().describe("the hour's start, UTC") }))
          .describe("The same runs per hour of creation, oldest first (24 hours, the current one last)"),
        recent: z.array(runSchema).describe("The 5 newest runs"),
      })
      .nullable()
      .describe("null without runs:read"),
    spend: z
      .object({
        monthStart: z.date(),
        spentUsd: z.number().describe("Month-to-date spend: the sum of the ledger's rows since monthStart"),
        perDay: z
          .array(z.object({ day: z.string().describe("YYYY-MM-DD, UTC"), costUsd: z.number(), cumulativeUsd: z.number() }))
          .describe("Every day of the month up to today, days without spend included"),
        budget: budgetStatusSchema.nullable().describe("The monthly budget against the spend; null without budgets:read"),
      })
      .nullable()
      .describe("null without usage:read"),
    failingAgents: z
      .array(
        z.object({
          agent: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
          failedSteps: z.number().int(),
          steps: z.number().int(),
          lastError: z.string().nullable(),
          lastFailedAt: z.date(),
        }),
      )
      .nullable()
      .describe("Agents with failed steps in the last 7 days, most failures first (at most 5); null without runs:read and agents:read"),
    attention: z
      .object({
        approvals: z.number().int().nullable().describe("Tool calls waiting for a person's decision (not expired); null without tools:read"),
        toolsToReview: z
          .number()
          .int()
          .nullable()
          .describe("MCP tools whose server changed their description or arguments: disabled until someone reviews them; null without tools:read"),
        mcpServers: z
          .number()
          .int()
          .nullable()
          .describe("Enabled remote MCP servers that could not be reached or wait for an authorization; null without tools:read"),
        triggers: z
          .number()
          .int()
          .nullable()
          .describe("Enabled webhook triggers that refused a signed delivery in the last 24 hours; null without triggers:read"),
        schedules: z
          .number()
          .int()
          .nullable()
          .describe("Active schedules whose last due time in the last 24 hours started no run because it failed; null without schedules:read"),
      })
      .describe("What waits for someone, counted; each count is null without the permission to read it"),
    checklist: z
      .array(z.object({ item: z.enum(CHECKLIST_ITEMS), done: z.boolean() }))
      .describe("What a new workspace does first, each with whether it is done; items the role cannot see are left out"),
  })
  .meta({ id: "WorkspaceOverview" });
export type WorkspaceOverviewOut = z.infer<typeof workspaceOverviewSchema>;

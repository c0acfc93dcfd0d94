/**
 * The step row of a nested team's node (hybrid): kind "team", keyed by the step id its node would have as an agent
 * (e.g. `i1.maker` for a maker that is a team; its own steps are `i1.maker/...`). Written when the nested team's
 * topology returns, with its output and outcome, as an upsert: a replay recomputes the same outcome from the stored
 * steps and writes the same row again. It carries no tokens or cost (those are its inner steps'), and is not a step
 * of the run's count (finishRun counts agent steps only). `startedAt` is just before its first inner step's start, so
 * that a list of steps in start order shows the node, then its steps.
 *
 * Its live events (teamNodeEventSql): node.started `{ nodeId, stepId, team }` before its first inner step, then
 * node.finished `{ nodeId, stepId, team, outcome, output }` or node.failed `{ nodeId, stepId, team, outcome?, error,
 * willRetry: false }`. Each is written once: the code around a nested team runs again on every replay, so the event
 * is appended only when the run has none of its kind for the node's step yet.
 */
import { newId } from "@/lib/ids";
import type { RunOutcome } from "@/lib/schemas/run-outcome";
import type { StepKind } from "@/lib/schemas/runs";
import { sql, type Sql } from "@/server/db/sql";
import { appendRunEventsSql, EVENT_OUTPUT_MAX } from "./events";

export const TEAM_STEP_KIND = "team" satisfies StepKind;

export interface TeamNodeRecord {
  runId: string;
  workspaceId: string;
  stepId: string;
  nodeId: string;
  task: string;
  output: string;
  outcome: RunOutcome;
  /** the gate failed the run (onUnmet "fail"): the row is failed with this reason */
  error: string | null;
}

export function recordTeamNodeSql(r: TeamNodeRecord): Sql {
  const now = new Date();
  const status = r.error === null ? "succeeded" : "failed";
  const prefix = `${r.stepId}/`;
  return sql`INSERT INTO "RunStep" ("id", "workspaceId", "runId", "stepId", "kind", "nodeId", "status", "attempts", "inputSeen", "output", "outcome", "error", "startedAt", "finishedAt")
     SELECT ${newId("stp")}, ${r.workspaceId}, ${r.runId}, ${r.stepId}, ${TEAM_STEP_KIND}, ${sql.text(r.nodeId)}, ${status}, 1, ${sql.text(r.task)},
       ${sql.text(r.output)}, ${sql.json(r.outcome)}, ${sql.text(r.error, 4000)},
       COALESCE((SELECT MIN(s."startedAt") - interval '1 millisecond' FROM "RunStep" s WHERE s."runId" = ${r.runId} AND left(s."stepId", ${prefix.length}) = ${prefix}), ${now}), ${now}
     ON CONFLICT ("runId", "stepId") DO UPDATE SET "status" = EXCLUDED."status", "output" = EXCLUDED."output", "outcome" = EXCLUDED."outcome",
       "error" = EXCLUDED."error", "finishedAt" = EXCLUDED."finishedAt"`;
}

export type TeamNodeEventType = "node.started" | "node.finished" | "node.failed";

export interface TeamNodeEvent {
  nodeId: string;
  stepId: string;
  /** the nested team's slug */
  team: string;
  outcome?: RunOutcome;
  output?: string;
  error?: string;
}

/** A nested team node's event, appended unless the run has that event (start, or end: finished or failed) for the step. */
export function teamNodeEventSql(runId: string, type: TeamNodeEventType, event: TeamNodeEvent): Sql {
  const data: Record<string, unknown> = { ...event };
  if (event.output !== undefined) data.output = event.output.slice(0, EVENT_OUTPUT_MAX);
  if (type === "node.failed") data.willRetry = false;
  const kinds = type === "node.started" ? sql`e.type = 'node.started'` : sql`e.type IN ('node.finished', 'node.failed')`;
  return appendRunEventsSql(runId, [{ type, data }], {
    where: sql`NOT EXISTS (SELECT 1 FROM "RunEvent" e WHERE e."runId" = ${runId} AND ${kinds} AND e.data->>'stepId' = ${event.stepId})`,
  });
}

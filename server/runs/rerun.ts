/**
 * Re-running a run: a new run with the same input, model policy override and budget, of the versions the run
 * pinned or of the current ones. The earlier run stays as it was; the new run's audit entry names it.
 */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { parsePins } from "@/server/jobs/run-function";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import type { RunOut } from "@/lib/schemas/runs";
import { startRun, type StartRunOptions } from "./service";

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

export async function rerunRun(
  ctx: TenantContext,
  runId: string,
  versions: "pinned" | "current",
  options: Pick<StartRunOptions, "watched"> = {},
): Promise<RunOut> {
  if (!ctx.permissions.has("runs:create")) throw new AppError("FORBIDDEN", "Your role does not allow runs:create");
  const run = await db(ctx).run.findFirst({ where: { id: runId, workspaceId: ctx.workspaceId } });
  if (!run) throw new AppError("NOT_FOUND", "Run not found");
  if (!FINISHED.has(run.status)) throw new AppError("CONFLICT", `The run is ${run.status}: re-run it once it has finished`);
  const target = run.targetType === "team" ? { team: run.teamId ?? undefined } : { agent: run.agentId ?? undefined };
  if (!target.team && !target.agent) throw new AppError("CONFLICT", "The run's team or agent no longer exists");
  const pins = versions === "pinned" ? parsePins(run.pins) : null;
  if (versions === "pinned" && !pins) throw new AppError("CONFLICT", "The run's versions were not recorded: re-run it with the current versions");
  return startRun(
    ctx,
    {
      ...target,
      input: run.input,
      ...(run.budgetUsd !== null ? { budgetUsd: Number(run.budgetUsd) } : {}),
      ...(run.modelPolicyOverride ? { modelPolicy: run.modelPolicyOverride as ModelPolicy } : {}),
      ...(run.tags.length > 0 ? { tags: run.tags } : {}),
    },
    { ...options, ...(pins ? { pins } : {}), rerunOf: run.id },
  );
}

/**
 * A judge answers with structured output (its rubric's JSON schema), so its model policy must route to a model with
 * the `json` capability. Checked when a run pins its gate, before anything is written: a gate whose judge could never
 * be called fails at start (RUN_INFEASIBLE naming the judge), not after the producer has been paid for.
 */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { routeFor, routingSnapshot } from "@/server/models/routing";
import { judgeSystemOf } from "./prompt";
import type { JudgeVersionOut } from "./service";

/** What a judge's prompt adds beyond its system text: the task and the output it scores, a typical size. */
const JUDGED_PROMPT_TOKENS = 2_000;

export interface JudgeRouteProblem {
  path: string;
  message: string;
}

/** The judges whose model policy routes to no model able to answer their JSON (path `judges.{i}`). */
export async function judgeRouteProblems(ctx: TenantContext, judges: readonly JudgeVersionOut[]): Promise<JudgeRouteProblem[]> {
  if (judges.length === 0) return [];
  const routing = await routingSnapshot(ctx);
  const problems: JudgeRouteProblem[] = [];
  judges.forEach((judge, i) => {
    try {
      routeFor(routing.entries, {
        resolved: routing.resolve(judge.modelPolicy),
        promptTokens: Math.ceil(judgeSystemOf(judge).length / 4) + JUDGED_PROMPT_TOKENS,
        maxOutputTokens: judge.maxOutputTokens,
        needs: ["json"],
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      problems.push({
        path: `judges.${i}`,
        message: `Judge "${judge.slug}" cannot be called: ${error.message} (a judge needs a model with the json capability)`,
      });
    }
  });
  return problems;
}

/** RUN_INFEASIBLE when a pinned judge cannot be called (see the module comment). */
export async function assertJudgesRoutable(ctx: TenantContext, judges: readonly JudgeVersionOut[]): Promise<void> {
  const problems = await judgeRouteProblems(ctx, judges);
  if (problems.length === 0) return;
  throw new AppError("RUN_INFEASIBLE", `The quality gate cannot run: ${problems.map((p) => p.message).join("; ")}`, { issues: problems });
}

import type { RunOut } from "@/lib/schemas/runs";

/** A run as its breadcrumb and the browser's tab name it: "Run of Research brief" (its id when the target is gone). */
export function runTitle(run: Pick<RunOut, "id" | "targetType" | "team" | "agent">): string {
  const target = run.targetType === "team" ? run.team : run.agent;
  return target ? `Run of ${target.name}` : `Run ${run.id}`;
}

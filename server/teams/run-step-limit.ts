import { env } from "@/server/env";

/** A workspace's stored limit (null: the default), never above the server's maximum. */
export function effectiveRunStepLimit(own: number | null): number {
  const e = env();
  return Math.min(own ?? e.CADRE_RUN_STEP_LIMIT, Math.max(e.CADRE_RUN_STEP_LIMIT_MAX, e.CADRE_RUN_STEP_LIMIT));
}

/**
 * A decision on a tool call's approval request, as the API layers make it: the decision and the run's wake-up
 * (server/tools/approvals.ts, in one transaction), then this process's executor claims the run at once instead of at
 * its next poll. It lives here, above the engine, because tools/ sits below jobs/ (docs/architecture.md, "Layers").
 * Under Inngest there is no process executor: the call is a no-op there.
 */
import type { z } from "zod";
import type { TenantContext } from "@/server/context";
import type { decideApprovalInputSchema, ToolApprovalOut } from "@/lib/schemas/tools";
import { decideApproval } from "@/server/tools/approvals";
import { wakeExecutor } from "@/server/jobs/executor";

export async function decideApprovalAndWake(
  ctx: TenantContext,
  approvalId: string,
  input: z.input<typeof decideApprovalInputSchema>,
): Promise<ToolApprovalOut> {
  const decided = await decideApproval(ctx, approvalId, input);
  wakeExecutor(decided.runId);
  return decided;
}

/**
 * A decision on a tool call's approval request, as the API layers make it: the decision and the run's wake-up
 * (server/tools/approvals.ts, in one transaction), then this process's executor claims the run at once instead of at
 * its next poll. It lives here, above the engine, because tools/ sits below jobs/ (docs/architecture.md, "Layers").
 * Under Inngest the run's wait is a `step.waitForEvent` on the approval's wake key: the decision sends that event (one
 * sent before the wait registered is lost; the wait reads the decision in the database between its slices).
 */
import type { z } from "zod";
import type { TenantContext } from "@/server/context";
import type { decideApprovalInputSchema, ToolApprovalOut } from "@/lib/schemas/tools";
import { decideApproval } from "@/server/tools/approvals";
import { wakeExecutor } from "@/server/jobs/executor";
import { inngest, inngestEnabled, WAKE_EVENT } from "@/server/jobs/inngest";
import { approvalWakeKey } from "@/server/tools/approval-wait";

export async function decideApprovalAndWake(
  ctx: TenantContext,
  approvalId: string,
  input: z.input<typeof decideApprovalInputSchema>,
): Promise<ToolApprovalOut> {
  const decided = await decideApproval(ctx, approvalId, input);
  if (inngestEnabled()) await inngest.send({ name: WAKE_EVENT, data: { key: approvalWakeKey(decided.id) } });
  else wakeExecutor(decided.runId);
  return decided;
}

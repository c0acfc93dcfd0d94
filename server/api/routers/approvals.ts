import { pageOf } from "@/lib/schemas/common";
import { toolApprovalSchema } from "@/lib/schemas/tools";
import { approvalCountSchema, approvalRefSchema, decideApprovalWithIdInputSchema, listApprovalsInputSchema } from "@/lib/schemas/approvals";
import { countPendingApprovals, getApproval, listApprovals } from "@/server/tools/approvals";
import { decideApprovalAndWake } from "@/server/runs/approvals";
import { router, workspaceProcedure } from "../trpc";

/** The approvals inbox: tool calls waiting for a person (server/tools/approvals.ts). */
export const approvalsRouter = router({
  /** one page, newest first (keyset cursor); `status`: pending, decided or all */
  list: workspaceProcedure("tools:read")
    .input(listApprovalsInputSchema.optional())
    .output(pageOf(toolApprovalSchema))
    .query(({ ctx, input }) => listApprovals(ctx.tenant, input ?? {})),
  /** requests waiting for a decision (the sidebar's badge) */
  count: workspaceProcedure("tools:read")
    .output(approvalCountSchema)
    .query(({ ctx }) => countPendingApprovals(ctx.tenant)),
  get: workspaceProcedure("tools:read")
    .input(approvalRefSchema)
    .output(toolApprovalSchema)
    .query(({ ctx, input }) => getApproval(ctx.tenant, input.approvalId)),
  /** approve or deny; wakes the waiting run */
  decide: workspaceProcedure("tools:approve")
    .input(decideApprovalWithIdInputSchema)
    .output(toolApprovalSchema)
    .mutation(({ ctx, input: { approvalId, ...decision } }) => decideApprovalAndWake(ctx.tenant, approvalId, decision)),
});

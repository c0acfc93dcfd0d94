import { z } from "zod";
import { paginationShape } from "./common";
import { decideApprovalInputSchema, toolApprovalIdSchema } from "./tools";

/**
 * The approvals inbox: tool calls waiting for a person. Shared by the UI, tRPC and REST
 * (server/tools/approvals.ts). The approval itself and the decision's body are in ./tools.ts.
 */

/** pending: still waiting (not expired); decided: approved, denied or expired; all: both. */
export const APPROVAL_LIST_FILTERS = ["pending", "decided", "all"] as const;
export type ApprovalListFilter = (typeof APPROVAL_LIST_FILTERS)[number];

export const listApprovalsInputSchema = z.strictObject({
  status: z.enum(APPROVAL_LIST_FILTERS).default("all").describe("pending: waiting for a decision; decided: approved, denied or expired; all (default)"),
  ...paginationShape,
});
export type ListApprovalsInput = z.input<typeof listApprovalsInputSchema>;

export const approvalRefSchema = z.strictObject({ approvalId: toolApprovalIdSchema });

export const decideApprovalWithIdInputSchema = decideApprovalInputSchema.safeExtend({ approvalId: toolApprovalIdSchema });

export const approvalCountSchema = z.object({ pending: z.number().int().describe("Requests waiting for a decision (not expired)") });

import { defineRoute } from "../define";
import { restPageOf } from "@/lib/schemas/common";
import { decideApprovalInputSchema, toolApprovalSchema } from "@/lib/schemas/tools";
import { approvalRefSchema, listApprovalsInputSchema } from "@/lib/schemas/approvals";
import { getApproval, listApprovals } from "@/server/tools/approvals";
import { decideApprovalAndWake } from "@/server/runs/approvals";

export const listApprovalsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/approvals",
  summary:
    "Tool calls that wait for (or were decided by) a person, newest first (one page: `limit`, `cursor`; `status`: pending, decided or all). A pending request past its expiry is shown as expired",
  tag: "Approvals",
  requires: "tools:read",
  query: listApprovalsInputSchema,
  response: restPageOf(toolApprovalSchema),
  handler: async ({ ctx, query }) => {
    const page = await listApprovals(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const getApprovalRoute = defineRoute({
  method: "GET",
  path: "/api/v1/approvals/{approvalId}",
  summary: "One approval request: the tool, its arguments, the agent's stated reason (untrusted), its status and who decided",
  tag: "Approvals",
  requires: "tools:read",
  params: approvalRefSchema,
  response: toolApprovalSchema,
  handler: ({ ctx, params }) => getApproval(ctx, params.approvalId),
});

export const decideApprovalRoute = defineRoute({
  method: "POST",
  path: "/api/v1/approvals/{approvalId}/decision",
  summary:
    "Approve or deny a pending tool call: the run continues with the call, or the agent is told it was refused (with the note). A request already decided or expired is a 409",
  tag: "Approvals",
  requires: "tools:approve",
  params: approvalRefSchema,
  body: decideApprovalInputSchema,
  response: toolApprovalSchema,
  idempotent: false,
  operationId: "decideApproval",
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => decideApprovalAndWake(ctx, params.approvalId, body),
});

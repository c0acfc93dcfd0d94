import { handlers } from "@/server/rest/define";
import { decideApprovalRoute } from "@/server/rest/routes/approvals";

export const { POST } = handlers(decideApprovalRoute);

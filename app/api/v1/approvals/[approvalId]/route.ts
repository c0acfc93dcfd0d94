import { handlers } from "@/server/rest/define";
import { getApprovalRoute } from "@/server/rest/routes/approvals";

export const { GET } = handlers(getApprovalRoute);

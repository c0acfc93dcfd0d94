import { handlers } from "@/server/rest/define";
import { listApprovalsRoute } from "@/server/rest/routes/approvals";

export const { GET } = handlers(listApprovalsRoute);

import { handlers } from "@/server/rest/define";
import { listAuditRoute } from "@/server/rest/routes/audit";

export const { GET } = handlers(listAuditRoute);

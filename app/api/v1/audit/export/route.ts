import { handlers } from "@/server/rest/define";
import { exportAuditRoute } from "@/server/rest/routes/audit";

export const { GET } = handlers(exportAuditRoute);

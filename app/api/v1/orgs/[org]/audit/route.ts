import { orgHandlers } from "@/server/rest/org-token";
import { listOrgAuditRoute } from "@/server/rest/routes/orgs";

export const { GET } = orgHandlers(listOrgAuditRoute);

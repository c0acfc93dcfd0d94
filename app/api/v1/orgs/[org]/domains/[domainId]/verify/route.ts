import { orgHandlers } from "@/server/rest/org-token";
import { verifyOrgDomainRoute } from "@/server/rest/routes/orgs";

export const { POST } = orgHandlers(verifyOrgDomainRoute);

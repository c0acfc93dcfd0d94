import { orgHandlers } from "@/server/rest/org-token";
import { removeOrgDomainRoute } from "@/server/rest/routes/orgs";

export const { DELETE } = orgHandlers(removeOrgDomainRoute);

import { orgHandlers } from "@/server/rest/org-token";
import { listOrgDomainsRoute, addOrgDomainRoute } from "@/server/rest/routes/orgs";

export const { GET, POST } = orgHandlers(listOrgDomainsRoute, addOrgDomainRoute);

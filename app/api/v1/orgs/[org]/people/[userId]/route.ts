import { orgHandlers } from "@/server/rest/org-token";
import { removeOrgPersonRoute } from "@/server/rest/routes/orgs";

export const { DELETE } = orgHandlers(removeOrgPersonRoute);

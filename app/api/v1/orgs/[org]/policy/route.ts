import { orgHandlers } from "@/server/rest/org-token";
import { updateOrgPolicyRoute } from "@/server/rest/routes/orgs";

export const { PATCH } = orgHandlers(updateOrgPolicyRoute);

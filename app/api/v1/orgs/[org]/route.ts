import { orgHandlers } from "@/server/rest/org-token";
import { getOrganizationRoute } from "@/server/rest/routes/orgs";

export const { GET } = orgHandlers(getOrganizationRoute);

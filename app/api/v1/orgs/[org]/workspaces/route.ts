import { orgHandlers } from "@/server/rest/org-token";
import { listOrgWorkspacesRoute } from "@/server/rest/routes/orgs";

export const { GET } = orgHandlers(listOrgWorkspacesRoute);

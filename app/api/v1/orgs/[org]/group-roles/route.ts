import { orgHandlers } from "@/server/rest/org-token";
import { listOrgGroupRolesRoute, setOrgGroupRolesRoute } from "@/server/rest/routes/orgs";

export const { GET, PUT } = orgHandlers(listOrgGroupRolesRoute, setOrgGroupRolesRoute);

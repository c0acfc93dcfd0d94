import { orgHandlers } from "@/server/rest/org-token";
import { listOrgPeopleRoute } from "@/server/rest/routes/orgs";

export const { GET } = orgHandlers(listOrgPeopleRoute);

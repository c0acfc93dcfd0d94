import { handlers } from "@/server/rest/define";
import { getEgressListsRoute, updateEgressListsRoute } from "@/server/rest/routes/egress";

export const { GET, PUT } = handlers(getEgressListsRoute, updateEgressListsRoute);

import { handlers } from "@/server/rest/define";
import { getTeamRoute, updateTeamRoute } from "@/server/rest/routes/teams";

export const { GET, PATCH } = handlers(getTeamRoute, updateTeamRoute);

import { handlers } from "@/server/rest/define";
import { createTeamRoute, listTeamsRoute } from "@/server/rest/routes/teams";

export const { GET, POST } = handlers(listTeamsRoute, createTeamRoute);

import { handlers } from "@/server/rest/define";
import { listTeamVersionsRoute } from "@/server/rest/routes/teams";

export const { GET } = handlers(listTeamVersionsRoute);

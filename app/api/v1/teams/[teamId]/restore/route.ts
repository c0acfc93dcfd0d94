import { handlers } from "@/server/rest/define";
import { restoreTeamVersionRoute } from "@/server/rest/routes/teams";

export const { POST } = handlers(restoreTeamVersionRoute);

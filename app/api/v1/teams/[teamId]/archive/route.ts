import { handlers } from "@/server/rest/define";
import { archiveTeamRoute } from "@/server/rest/routes/teams";

export const { POST } = handlers(archiveTeamRoute);

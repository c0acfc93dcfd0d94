import { handlers } from "@/server/rest/define";
import { exportTeamRoute } from "@/server/rest/routes/team-bundles";

export const { GET } = handlers(exportTeamRoute);

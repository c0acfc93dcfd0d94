import { handlers } from "@/server/rest/define";
import { listTeamTemplatesRoute } from "@/server/rest/routes/team-bundles";

export const { GET } = handlers(listTeamTemplatesRoute);

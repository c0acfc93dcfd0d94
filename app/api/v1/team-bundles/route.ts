import { handlers } from "@/server/rest/define";
import { importTeamRoute } from "@/server/rest/routes/team-bundles";

export const { POST } = handlers(importTeamRoute);

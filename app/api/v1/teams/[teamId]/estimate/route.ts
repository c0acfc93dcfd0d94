import { handlers } from "@/server/rest/define";
import { teamEstimateRoute } from "@/server/rest/routes/teams";

export const { GET } = handlers(teamEstimateRoute);

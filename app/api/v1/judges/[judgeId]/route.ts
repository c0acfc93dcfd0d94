import { handlers } from "@/server/rest/define";
import { getJudgeRoute, updateJudgeRoute } from "@/server/rest/routes/judges";

export const { GET, PATCH } = handlers(getJudgeRoute, updateJudgeRoute);

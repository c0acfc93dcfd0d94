import { handlers } from "@/server/rest/define";
import { createJudgeRoute, listJudgesRoute } from "@/server/rest/routes/judges";

export const { GET, POST } = handlers(listJudgesRoute, createJudgeRoute);

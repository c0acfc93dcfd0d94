import { handlers } from "@/server/rest/define";
import { getEvaluationRoute } from "@/server/rest/routes/evaluations";

export const { GET } = handlers(getEvaluationRoute);

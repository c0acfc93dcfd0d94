import { handlers } from "@/server/rest/define";
import { listEvaluationsRoute, createEvaluationRoute } from "@/server/rest/routes/evaluations";

export const { GET, POST } = handlers(listEvaluationsRoute, createEvaluationRoute);

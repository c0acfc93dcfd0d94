import { handlers } from "@/server/rest/define";
import { listEvaluationItemsRoute } from "@/server/rest/routes/evaluations";

export const { GET } = handlers(listEvaluationItemsRoute);

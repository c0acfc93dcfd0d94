import { handlers } from "@/server/rest/define";
import { explainRouteRoute } from "@/server/rest/routes/routing";

export const { POST } = handlers(explainRouteRoute);

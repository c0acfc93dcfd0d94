import { handlers } from "@/server/rest/define";
import { listRunsRoute, startRunRoute } from "@/server/rest/routes/runs";

export const { GET, POST } = handlers(listRunsRoute, startRunRoute);

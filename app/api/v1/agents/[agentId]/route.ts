import { handlers } from "@/server/rest/define";
import { getAgentRoute, updateAgentRoute } from "@/server/rest/routes/agents";

export const { GET, PATCH } = handlers(getAgentRoute, updateAgentRoute);

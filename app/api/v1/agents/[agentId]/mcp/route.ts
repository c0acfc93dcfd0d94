import { handlers } from "@/server/rest/define";
import { setAgentMcpRoute } from "@/server/rest/routes/mcp-exposure";

export const { PATCH } = handlers(setAgentMcpRoute);

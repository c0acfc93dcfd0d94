import { handlers } from "@/server/rest/define";
import { setTeamMcpRoute } from "@/server/rest/routes/mcp-exposure";

export const { PATCH } = handlers(setTeamMcpRoute);

import { handlers } from "@/server/rest/define";
import { listMcpConnectionsRoute } from "@/server/rest/routes/mcp-connections";

export const { GET } = handlers(listMcpConnectionsRoute);

import { handlers } from "@/server/rest/define";
import { createMcpServerRoute, listMcpServersRoute } from "@/server/rest/routes/mcp-servers";

export const { GET, POST } = handlers(listMcpServersRoute, createMcpServerRoute);

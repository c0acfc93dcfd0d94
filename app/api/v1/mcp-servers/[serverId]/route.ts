import { handlers } from "@/server/rest/define";
import { deleteMcpServerRoute, getMcpServerRoute, updateMcpServerRoute } from "@/server/rest/routes/mcp-servers";

export const { GET, PATCH, DELETE } = handlers(getMcpServerRoute, updateMcpServerRoute, deleteMcpServerRoute);

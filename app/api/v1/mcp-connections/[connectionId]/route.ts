import { handlers } from "@/server/rest/define";
import { revokeMcpConnectionRoute } from "@/server/rest/routes/mcp-connections";

export const { DELETE } = handlers(revokeMcpConnectionRoute);

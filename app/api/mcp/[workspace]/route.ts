import { handleMcpRequest } from "@/server/mcp-endpoint/handler";

type Params = { params: Promise<{ workspace: string }> };

/** The workspace's hosted MCP endpoint (server/mcp-endpoint/handler.ts). */
const handle = async (request: Request, { params }: Params) => handleMcpRequest(request, (await params).workspace);

export const POST = handle;
export const GET = handle;
export const DELETE = handle;

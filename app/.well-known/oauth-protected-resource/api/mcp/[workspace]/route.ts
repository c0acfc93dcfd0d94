import { corsPreflight, protectedResourceMetadataResponse } from "@/server/mcp-auth/http";

/** RFC 9728 metadata of a workspace's hosted MCP endpoint (server/mcp-auth/resource.ts). */
export async function GET(req: Request, { params }: { params: Promise<{ workspace: string }> }) {
  return protectedResourceMetadataResponse(req, (await params).workspace);
}
export const OPTIONS = corsPreflight;

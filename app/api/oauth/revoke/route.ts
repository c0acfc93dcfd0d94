import { corsPreflight, revokeResponse } from "@/server/mcp-auth/http";

export const POST = revokeResponse;
export const OPTIONS = corsPreflight;

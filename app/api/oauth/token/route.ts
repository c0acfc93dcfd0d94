import { corsPreflight, tokenResponse } from "@/server/mcp-auth/http";

export const POST = tokenResponse;
export const OPTIONS = corsPreflight;

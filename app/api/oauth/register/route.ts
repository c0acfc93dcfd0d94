import { corsPreflight, registerResponse } from "@/server/mcp-auth/http";

export const POST = registerResponse;
export const OPTIONS = corsPreflight;

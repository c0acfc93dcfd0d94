import { defineRoute } from "../define";
import { describeApiKey } from "@/server/workspaces/workspaces";
import { apiKeyIdentitySchema } from "@/lib/schemas/api-keys";

export const getMe = defineRoute({
  method: "GET",
  path: "/api/v1/me",
  summary: "The workspace this API key belongs to and what the key may do",
  tag: "Workspace",
  requires: "authenticated",
  response: apiKeyIdentitySchema,
  handler: ({ ctx }) => describeApiKey(ctx),
});

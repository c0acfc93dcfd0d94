import { z } from "zod";
import { defineRoute } from "../define";
import { createApiKey, listApiKeys, revokeApiKey } from "@/server/auth/api-keys";
import { apiKeySchema, createApiKeyInputSchema, createdApiKeySchema } from "@/lib/schemas/api-keys";
import { idSchema } from "@/lib/schemas/common";

export const listApiKeysRoute = defineRoute({
  method: "GET",
  path: "/api/v1/api-keys",
  summary: "List API keys (never their values)",
  tag: "API keys",
  requires: "api_keys:read",
  response: z.object({ data: z.array(apiKeySchema) }),
  handler: async ({ ctx }) => ({ data: await listApiKeys(ctx) }),
});

export const createApiKeyRoute = defineRoute({
  method: "POST",
  path: "/api/v1/api-keys",
  summary: "Create an API key (its value is returned once)",
  tag: "API keys",
  requires: "api_keys:create",
  body: createApiKeyInputSchema,
  status: 201,
  response: createdApiKeySchema,
  idempotent: true,
  handler: ({ ctx, body }) => createApiKey(ctx, body),
});

export const revokeApiKeyRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/api-keys/{keyId}",
  summary: "Revoke an API key",
  tag: "API keys",
  requires: "api_keys:revoke",
  params: z.strictObject({ keyId: idSchema("key") }),
  response: z.object({ revoked: z.literal(true) }),
  operationId: "revokeApiKey",
  handler: ({ ctx, params }) => revokeApiKey(ctx, params.keyId),
});

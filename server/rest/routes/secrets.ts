import { z } from "zod";
import { defineRoute } from "../define";
import { paginationSchema, restPageOf } from "@/lib/schemas/common";
import { createSecret, deleteSecret, listSecrets, updateSecret } from "@/server/vault/service";
import { createSecretInputSchema, secretIdSchema, secretSchema, updateSecretInputSchema } from "@/lib/schemas/secrets";

const secretParams = z.strictObject({ secretId: secretIdSchema });

export const listSecretsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/secrets",
  summary: "The vault's secrets (never their values), newest first (one page: `limit`, `cursor`)",
  tag: "Secrets",
  requires: "secrets:read",
  query: paginationSchema,
  response: restPageOf(secretSchema),
  handler: async ({ ctx, query }) => {
    const page = await listSecrets(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createSecretRoute = defineRoute({
  method: "POST",
  path: "/api/v1/secrets",
  summary: "Store a secret (the value is write-only: never returned)",
  tag: "Secrets",
  requires: "secrets:create",
  body: createSecretInputSchema,
  status: 201,
  response: secretSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createSecret(ctx, body),
});

export const updateSecretRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/secrets/{secretId}",
  summary: "Rename, describe or replace the value of a secret",
  tag: "Secrets",
  requires: "secrets:update",
  params: secretParams,
  body: updateSecretInputSchema,
  response: secretSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => updateSecret(ctx, params.secretId, body),
});

export const deleteSecretRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/secrets/{secretId}",
  summary: "Delete a secret (refused while a provider uses it)",
  tag: "Secrets",
  requires: "secrets:delete",
  params: secretParams,
  response: z.object({ deleted: z.literal(true) }),
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => deleteSecret(ctx, params.secretId),
});

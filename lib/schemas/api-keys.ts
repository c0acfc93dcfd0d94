import { z } from "zod";
import { displayName } from "./text";
import { ALL_PERMISSIONS, type Permission } from "../permissions";

export const scopeSchema = z.enum(ALL_PERMISSIONS as [Permission, ...Permission[]]);

export const createApiKeyInputSchema = z.strictObject({
  name: displayName().trim().min(1, "Enter a name").max(80),
  scopes: z.array(scopeSchema).min(1, "Pick at least one scope").max(ALL_PERMISSIONS.length),
  expiresAt: z.coerce
    .date()
    .optional()
    .refine((d) => d === undefined || d.getTime() > Date.now(), "The expiry must be in the future"),
});

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    last4: z.string(),
    scopes: z.array(z.string()),
    createdBy: z.string().nullable(),
    createdAt: z.date(),
    expiresAt: z.date().nullable(),
    lastUsedAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
  })
  .meta({ id: "ApiKey" });

export const createdApiKeySchema = apiKeySchema.extend({
  key: z.string().describe("The full key. Shown once; store it now."),
});

export const apiKeyIdentitySchema = z
  .object({
    workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    key: z.object({ id: z.string(), name: z.string() }),
    scopes: z.array(z.string()).describe("What this key can do now: its scopes intersected with its creator's current role"),
    role: z.string().describe("The role of the key's creator"),
  })
  .meta({ id: "Me" });

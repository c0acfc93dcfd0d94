import { z } from "zod";
import { idSchema } from "./common";
import { displayName } from "./text";

/** What an organisation token may do: "scim" (the identity provider's provisioning), "admin" (the organisation's API as its creator). */
export const ORG_TOKEN_SCOPES = ["scim", "admin"] as const;
export const orgTokenScopeSchema = z.enum(ORG_TOKEN_SCOPES);
export type OrgTokenScope = z.infer<typeof orgTokenScopeSchema>;

export const createOrgTokenInputSchema = z.strictObject({
  name: displayName().trim().min(1, "Enter a name").max(80, "At most 80 characters"),
  scopes: z.array(orgTokenScopeSchema).min(1, "Pick at least one scope").max(ORG_TOKEN_SCOPES.length),
  expiresInDays: z
    .number()
    .int("A whole number")
    .min(1, "At least 1 day")
    .max(730, "At most 730 days")
    .nullable()
    .optional()
    .describe("Days until the token stops working; empty: no expiry"),
});

export const orgTokenIdInputSchema = z.strictObject({ id: idSchema("otk") });

export const orgTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdBy: z.string().nullable(),
    createdAt: z.date(),
    lastUsedAt: z.date().nullable(),
    expiresAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
  })
  .meta({ id: "OrgToken" });

export const createdOrgTokenSchema = orgTokenSchema.extend({ token: z.string().describe("The full token. Shown once; store it now.") });

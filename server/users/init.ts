import type { z } from "zod";
import { systemDb } from "@/server/db/client";
import { env } from "@/server/env";
import { newId } from "@/lib/ids";
import { ALL_PERMISSIONS } from "@/lib/permissions";
import { slugSchema } from "@/lib/schemas/common";
import { emailSchema } from "@/lib/schemas/common";
import { hashPassword } from "@/server/auth/passwords";
import { apiKeyHashes } from "@/server/auth/secrets";
import { rehashApiKey, storeApiKey } from "@/server/auth/api-keys";
import { recordAudit } from "@/server/audit/service";
import { seedDefaultCatalog } from "@/server/models/catalog";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { initialiseProviders, type InitProvider, type InitProviderResult } from "./init-providers";

/**
 * One setting parsed with its schema; an invalid one stops start-up with one line naming the variable and the
 * rule it breaks (not the validator's dump).
 */
function initValue<T>(name: string, schema: z.ZodType<T>, value: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const rules = [...new Set(result.error.issues.map((i) => i.message))].join("; ");
  throw new Error(`${name} ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} is invalid: ${rules}`);
}

export interface InitSpec {
  email: string;
  password: string;
  workspaceSlug: string;
  apiKey: string;
  /** providers from the environment (CADRE_INIT_OPENAI_API_KEY …), set up once in the workspace */
  providers?: InitProvider[];
}

/**
 * Headless initialisation for self-hosters: makes sure the user, the workspace (with the user as owner)
 * and the API key (all scopes) exist, and sets up the providers the environment names (./init-providers.ts).
 * Idempotent: what exists is left alone.
 */
export async function initialise(
  spec: InitSpec,
): Promise<{ createdUser: boolean; createdWorkspace: boolean; createdKey: boolean; providers: InitProviderResult[] }> {
  if (spec.apiKey.length < 32 || spec.apiKey.length > 256 || /\s/.test(spec.apiKey)) {
    throw new Error("CADRE_INIT_API_KEY must be 32 to 256 characters without spaces");
  }
  const email = initValue("CADRE_INIT_USER_EMAIL", emailSchema, spec.email);
  const slug = initValue("CADRE_INIT_WORKSPACE_SLUG", slugSchema, spec.workspaceSlug);
  let createdUser = false;
  let createdWorkspace = false;
  let createdKey = false;

  let user = await systemDb("headless-init").user.findUnique({ where: { email } });
  if (!user) {
    // the operator vouches for the address
    user = await systemDb("headless-init").user.create({
      data: { id: newId("usr"), email, name: email.split("@")[0], passwordHash: await hashPassword(spec.password), emailVerified: new Date() },
    });
    createdUser = true;
  }
  let workspace = await systemDb("headless-init").workspace.findUnique({ where: { slug } });
  if (!workspace) {
    workspace = await systemDb("headless-init").workspace.create({ data: { id: newId("ws"), slug, name: slug } });
    createdWorkspace = true;
    // like a workspace created in the app: the default monthly budget (CADRE_DEFAULT_MONTHLY_BUDGET_USD)
    const monthly = env().CADRE_DEFAULT_MONTHLY_BUDGET_USD;
    if (monthly !== null) await systemDb("headless-init").budget.create({ data: { workspaceId: workspace.id, monthlyLimitUsd: String(monthly) } });
  }
  const userId = user.id;
  const workspaceId = workspace.id;
  const membership = await systemDb("headless-init").membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } });
  if (!membership) await systemDb("headless-init").membership.create({ data: { id: newId("mem"), workspaceId, userId, role: "owner" } });
  // idempotent: the simulator and default presets, also for a workspace initialised before they existed
  await systemDb("headless-init").$transaction((tx) => seedDefaultCatalog(tx, workspaceId));

  const hashes = apiKeyHashes(spec.apiKey);
  const existingKey = await systemDb("headless-init").apiKey.findFirst({ where: { keyHash: { in: hashes } } });
  if (existingKey && existingKey.keyHash !== hashes[0]) await rehashApiKey(existingKey, existingKey.keyHash, hashes[0]!);
  if (!existingKey) {
    const key = await storeApiKey({ workspaceId, createdById: userId, name: "Initial key (CADRE_INIT_API_KEY)", scopes: [...ALL_PERMISSIONS] }, spec.apiKey);
    await recordAudit(
      { workspaceId, workspaceSlug: slug, role: "owner", permissions: new Set(), actor: { type: "user", userId, email } },
      { action: "api_key.create", targetType: "api_key", targetId: key.id, metadata: { name: key.name, source: "headless-init" } },
    );
    createdKey = true;
  }
  const providers = spec.providers?.length
    ? await initialiseProviders(await resolveUserTenant({ id: userId, email }, slug, "headless-init"), spec.providers)
    : [];
  return { createdUser, createdWorkspace, createdKey, providers };
}

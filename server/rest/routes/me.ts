import { z } from "zod";
import { defineRoute } from "../define";
import { getWorkspace } from "@/server/workspaces/workspaces";

export const meResponseSchema = z
  .object({
    workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    key: z.object({ id: z.string(), name: z.string() }),
    scopes: z.array(z.string()).describe("What this key can do now: its scopes intersected with its creator's current role"),
    role: z.string().describe("The role of the key's creator"),
  })
  .meta({ id: "Me" });

export const getMe = defineRoute({
  method: "GET",
  path: "/api/v1/me",
  summary: "The workspace this API key belongs to and what the key may do",
  tag: "Workspace",
  requires: "authenticated",
  response: meResponseSchema,
  async handler({ ctx }) {
    const w = await getWorkspace(ctx);
    if (ctx.actor.type !== "api_key") throw new Error("unreachable: REST is API-key only");
    return {
      workspace: { id: w.id, slug: w.slug, name: w.name },
      key: { id: ctx.actor.keyId, name: ctx.actor.name },
      scopes: [...ctx.permissions].sort(),
      role: ctx.role,
    };
  },
});

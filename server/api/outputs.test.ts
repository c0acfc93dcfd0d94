/**
 * Every tRPC procedure parses its output with a zod schema of lib/schemas/ (as REST routes parse their responses):
 * fields that are not in the schema (internal columns, secrets, the invitation token) never reach the web app, and
 * Dates still arrive as Dates through superjson.
 */
import { withFreshSession } from "@/test/helpers";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { appRouter, type AppRouter } from "@/server/api/root";
import { auditEntrySchema } from "@/lib/schemas/audit";
import { callerFor, makeUser, makeWorkspace, type TestUser } from "@/test/helpers";

type ProcedureDef = { _def: { output?: unknown } };

/** A tRPC client that goes through the fetch adapter and superjson, as the web app's does. */
function httpClient(user: TestUser, workspaceSlug: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: "http://localhost:3000/api/trpc",
        transformer: superjson,
        headers: { "x-cadre-workspace": workspaceSlug },
        fetch: (url, init) =>
          fetchRequestHandler({
            endpoint: "/api/trpc",
            req: new Request(url, init as RequestInit),
            router: appRouter,
            createContext: async () => ({ requestId: "req_outputs", user: withFreshSession(user), workspaceSlug, origin: "http://localhost:3000" }),
          }),
      }),
    ],
  });
}

describe("tRPC outputs", () => {
  it("every procedure declares a zod output schema", () => {
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, ProcedureDef>);
    expect(procedures.length).toBeGreaterThan(60);
    const without = procedures.filter(([, p]) => !(p._def.output instanceof z.ZodType)).map(([path]) => path);
    expect(without, "procedures without .output()").toEqual([]);
  });

  it("drops what the schema does not list: internal columns, the invitation token, key hashes", async () => {
    const ws = await makeWorkspace("outputs");
    const owner = callerFor(ws.users.owner, ws.slug);
    const invitee = await makeUser("out-invitee");
    const invitation = await owner.invitations.create({ email: invitee.email, role: "viewer" });
    expect(Object.keys(invitation).sort()).toEqual(["emailed", "invitation", "url"]);

    const audit = await owner.audit.list({ limit: 10 });
    expect(audit.items.length).toBeGreaterThan(0);
    for (const entry of audit.items) expect(Object.keys(entry).sort()).toEqual(Object.keys(auditEntrySchema.shape).sort());
    expect(JSON.stringify(audit)).not.toContain(ws.id); // workspaceId is an internal column of the row

    const created = await owner.apiKeys.create({ name: "out", scopes: ["agents:read"] });
    expect(created.key).toMatch(/\S{20,}/);
    const listed = await owner.apiKeys.list();
    expect(JSON.stringify(listed)).not.toMatch(/keyHash|hash|"key":/);

    const current = await owner.workspaces.current();
    expect(Object.keys(current).sort()).toEqual([
      "apiRateLimitDefault",
      "apiRateLimitPerMinute",
      "createdAt",
      "id",
      "name",
      "permissions",
      "role",
      "runStepLimit",
      "runStepLimitDefault",
      "runStepLimitMax",
      "slug",
    ]);
  });

  it("Dates survive superjson over HTTP, parsed by the output schemas", async () => {
    const ws = await makeWorkspace("outhttp");
    const client = httpClient(ws.users.owner, ws.slug);
    const [members, current, audit] = await Promise.all([
      client.members.list.query(),
      client.workspaces.current.query(),
      client.audit.list.query({ limit: 5 }),
    ]);
    expect(members.items.length).toBe(4);
    expect(members.items[0]!.joinedAt).toBeInstanceOf(Date);
    expect(current.createdAt).toBeInstanceOf(Date);
    const invitation = await client.invitations.create.mutate({ email: `http-${ws.slug}@example.test`, role: "member" });
    expect(invitation.invitation.expiresAt).toBeInstanceOf(Date);
    expect(invitation).not.toHaveProperty("token");
    expect(audit.items.every((e) => e.createdAt instanceof Date)).toBe(true);
  });
});

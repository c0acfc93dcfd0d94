/**
 * The tRPC error shape as the web app receives it (through the fetch adapter, so the error formatter
 * runs): the AppError code, the request id, field issues, and no internal details on a 5xx.
 */
import { withFreshSession } from "@/test/helpers";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { describe, expect, it } from "vitest";
import { GENERIC_INTERNAL_MESSAGE } from "@/lib/errors";
import { appRouter } from "@/server/api/root";
import { testDb as db } from "@/test/db";
import { callerFor, makeUser, makeWorkspace, uniq, type TestUser } from "@/test/helpers";

async function trpc(user: TestUser | null, workspaceSlug: string | null, kind: "query" | "mutation", path: string, input: unknown) {
  const requestId = `req_t${uniq()}`;
  const url = `http://localhost:3000/api/trpc/${path}${kind === "query" ? `?input=${encodeURIComponent(JSON.stringify({ json: input }))}` : ""}`;
  const req = new Request(
    url,
    kind === "query" ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: input }) },
  );
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => ({ requestId, user: user && withFreshSession(user), workspaceSlug, origin: "http://localhost:3000" }),
  });
  const body = (await res.json()) as { error?: { json: { message: string; data: Record<string, unknown> } } };
  return { status: res.status, requestId, error: body.error?.json };
}

describe("tRPC errors", () => {
  it("carry the AppError code (GONE for a used invitation), the HTTP status and the request id", async () => {
    const ws = await makeWorkspace("trpcerr");
    const invitee = await makeUser("invitee");
    const { url } = await callerFor(ws.users.owner, ws.slug).invitations.create({ email: invitee.email, role: "member" });
    const token = url.split("/invite/")[1]!;
    await callerFor(invitee).invitations.accept({ token });

    const res = await trpc(invitee, null, "mutation", "invitations.accept", { token });
    expect(res.status).toBe(404);
    expect(res.error?.data).toMatchObject({ code: "NOT_FOUND", appCode: "GONE", httpStatus: 404, requestId: res.requestId });
    expect(res.error?.message).toContain("already been used");
  });

  it("a permission refusal is FORBIDDEN, and a non-member's is NOT_FOUND", async () => {
    const ws = await makeWorkspace("trpcerr");
    const forbidden = await trpc(ws.users.viewer, ws.slug, "query", "audit.list", {});
    expect(forbidden.status).toBe(403);
    expect(forbidden.error?.data).toMatchObject({ code: "FORBIDDEN", appCode: "FORBIDDEN", requestId: forbidden.requestId });
    const outsider = await trpc(await makeUser(), ws.slug, "query", "audit.list", {});
    expect(outsider.status).toBe(404);
    expect(outsider.error?.data).toMatchObject({ appCode: "NOT_FOUND" });
  });

  it("input errors are 422 VALIDATION_FAILED naming the failing fields", async () => {
    const ws = await makeWorkspace("trpcerr");
    const res = await trpc(ws.users.owner, ws.slug, "mutation", "invitations.create", { email: "nope", role: "member" });
    expect(res.status).toBe(422);
    expect(res.error?.data).toMatchObject({
      code: "UNPROCESSABLE_CONTENT",
      appCode: "VALIDATION_FAILED",
      httpStatus: 422,
      issues: [expect.objectContaining({ path: "email" })],
    });
  });

  it("an internal failure says nothing about its cause", async () => {
    // a session user whose row is gone: creating the owner membership violates a foreign key
    const ghost = { id: `usr_ghost${uniq()}`, email: `ghost-${uniq()}@example.test`, name: "Ghost" };
    const slug = `haunted-${uniq()}`;
    const res = await trpc(ghost, null, "mutation", "workspaces.create", { name: "Haunted", slug });
    expect(res.status).toBe(500);
    expect(res.error?.message).toBe(GENERIC_INTERNAL_MESSAGE);
    expect(res.error?.data).toMatchObject({ code: "INTERNAL_SERVER_ERROR", appCode: "INTERNAL", requestId: res.requestId });
    expect(JSON.stringify(res.error)).not.toMatch(/Membership|foreign key|constraint|prisma/i);
    // and the workspace row of the failed transaction is gone with it
    expect(await db().workspace.findUnique({ where: { slug } })).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { AppError, GENERIC_INTERNAL_MESSAGE } from "@/lib/errors";
import { errorResponse } from "@/server/http/errors";
import { executeRoute } from "@/server/rest/define";
import { findRoute, makeApiKey, makeWorkspace, rest, roleIn } from "@/test/helpers";
import * as memberRoute from "@/app/api/v1/members/[memberId]/route";

describe("REST errors", () => {
  it("invalid input is a 422 VALIDATION_FAILED naming the field, and nothing changes", async () => {
    const ws = await makeWorkspace("err");
    const key = (await makeApiKey(ws, "owner")).raw;
    const badRole = await rest("PATCH", "/api/v1/members/{memberId}", { key, params: { memberId: ws.memberIds.member }, body: { role: "god" } });
    expect(badRole.status).toBe(422);
    expect(badRole.body.error).toMatchObject({ code: "VALIDATION_FAILED", issues: [expect.objectContaining({ path: "role" })] });
    expect(badRole.body.error.message).toContain("role");
    expect(await roleIn(ws.id, ws.users.member.id)).toBe("member");

    const badId = await rest("DELETE", "/api/v1/members/{memberId}", { key, params: { memberId: "not-an-id" } });
    expect(badId.status).toBe(422);
    expect(badId.body.error.issues).toEqual([expect.objectContaining({ path: "memberId" })]);

    const badQuery = await rest("GET", "/api/v1/audit", { key, query: { limit: "0" } });
    expect(badQuery.status).toBe(422);
    expect(badQuery.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("a body that is not JSON is a 400", async () => {
    const ws = await makeWorkspace("err");
    const key = (await makeApiKey(ws, "owner")).raw;
    const res = await executeRoute(
      findRoute("POST", "/api/v1/invitations"),
      new Request("http://localhost:3000/api/v1/invitations", { method: "POST", headers: { authorization: `Bearer ${key}` }, body: "{not json" }),
      {},
    );
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("BAD_REQUEST");
  });

  it("every error carries the request id, the caller's own when well-formed", async () => {
    const call = (headers: Record<string, string>) =>
      executeRoute(findRoute("GET", "/api/v1/me"), new Request("http://localhost:3000/api/v1/me", { headers }), {});
    const own = await call({ "x-request-id": "trace-abc.123" });
    expect(own.headers.get("x-request-id")).toBe("trace-abc.123");
    expect((await own.json()).error.requestId).toBe("trace-abc.123");

    const generated = await call({ "x-request-id": "bad id with spaces <script>" });
    const body = await generated.json();
    expect(body.error.requestId).toMatch(/^req_[a-z0-9]{16}$/);
    expect(generated.headers.get("x-request-id")).toBe(body.error.requestId);
  });

  it("a 5xx never leaks the internal message", async () => {
    for (const error of [new Error("connect failed: db password=xyz"), new AppError("INTERNAL", "db password=xyz"), "password=xyz"]) {
      const res = errorResponse(error, "req_test");
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toContain("xyz");
      expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: GENERIC_INTERNAL_MESSAGE, requestId: "req_test" } });
    }
  });

  it("4xx AppErrors keep their code, status and message", async () => {
    const res = errorResponse(new AppError("CONFLICT", "The slug is taken"), "req_x");
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: { code: "CONFLICT", message: "The slug is taken", requestId: "req_x" } });
    expect(errorResponse(new AppError("GONE", "used"), "r").status).toBe(410);
    expect(errorResponse(new AppError("RATE_LIMITED", "slow down"), "r").status).toBe(429);
  });

  it("the Next route handlers pass the path parameters through", async () => {
    const ws = await makeWorkspace("err");
    const key = (await makeApiKey(ws, "admin")).raw;
    const req = new Request(`http://localhost:3000/api/v1/members/${ws.memberIds.viewer}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "member" }),
    });
    const res = await memberRoute.PATCH!(req, { params: Promise.resolve({ memberId: ws.memberIds.viewer }) });
    expect(res.status).toBe(200);
    expect(await roleIn(ws.id, ws.users.viewer.id)).toBe("member");
  });
});

describe("Prisma errors where errors become responses", () => {
  const prismaError = (code: string) => Object.assign(new Error(`Invalid invocation: internal detail of ${code}`), { code });

  it("a taken unique value is a 409 CONFLICT and a missing record a 404 NOT_FOUND, without Prisma's text", async () => {
    const conflict = errorResponse(prismaError("P2002"), "req_1");
    expect(conflict.status).toBe(409);
    const body = (await conflict.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("CONFLICT");
    expect(body.error.message).not.toContain("internal detail");
    const missing = errorResponse(prismaError("P2025"), "req_2");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  it("any other Prisma or driver code stays a generic 500", async () => {
    for (const code of ["P1001", "23505", "ECONNRESET"]) {
      const res = errorResponse(prismaError(code), "req_3");
      expect(res.status).toBe(500);
      expect(JSON.stringify(await res.json())).not.toContain("internal detail");
    }
  });
});

import { describe, expect, it } from "vitest";
import { makeWorkspace } from "@/test/helpers";
import { signInRequest } from "@/test/signed-in";
import { createCaller } from "@/server/api/root";
import { GET } from "@/app/api/audit/export/route";

// the route reads the session from the request's cookie (test/signed-in.ts sets it)
const sessionAuditExport = (request: Request) => GET!(request, { params: Promise.resolve({}) });

describe("GET /api/audit/export (the web app's download)", () => {
  it("streams the signed-in admin's workspace log with the filters; members, strangers and signed-out users are refused", async () => {
    const ws = await makeWorkspace("dl");
    const owner = createCaller({ requestId: "req_dl", user: ws.users.owner, workspaceSlug: ws.slug, origin: "", clientIp: "192.0.2.9" });
    await owner.workspaces.update({ name: "Renamed for download" });
    await owner.workspaces.update({ apiRateLimitPerMinute: 10 });

    await signInRequest(ws.users.admin);
    const res = await sessionAuditExport(
      new Request(`http://localhost:3000/api/audit/export?workspace=${ws.slug}&format=csv&actor=${encodeURIComponent(ws.users.owner.email)}`),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const rows = (await res.text()).trim().split("\r\n");
    expect(rows).toHaveLength(3);
    expect(rows[1]).toContain("workspace.update");
    expect(rows[1]).toContain("192.0.2.9");

    await signInRequest(ws.users.member);
    expect((await sessionAuditExport(new Request(`http://localhost:3000/api/audit/export?workspace=${ws.slug}`))).status).toBe(403);
    const stranger = await makeWorkspace("other");
    await signInRequest(stranger.users.owner);
    expect((await sessionAuditExport(new Request(`http://localhost:3000/api/audit/export?workspace=${ws.slug}`))).status).toBe(404);
    await signInRequest(null);
    expect((await sessionAuditExport(new Request(`http://localhost:3000/api/audit/export?workspace=${ws.slug}`))).status).toBe(401);
    await signInRequest(ws.users.owner);
    const bad = await sessionAuditExport(new Request(`http://localhost:3000/api/audit/export?workspace=${ws.slug}&format=xml`));
    expect(bad.status).toBe(422);
  });
});

import { describe, expect, it } from "vitest";
import { callerFor, makeUser, makeWorkspace, uniq } from "@/test/helpers";

describe("workspaces", () => {
  it("creates a workspace with the creator as owner, and refuses a taken slug", async () => {
    const user = await makeUser();
    const slug = `acme-${uniq()}`;
    const created = await callerFor(user).workspaces.create({ name: "Acme", slug });
    expect(created).toMatchObject({ slug, name: "Acme", role: "owner" });
    const mine = await callerFor(user).workspaces.listMine();
    expect(mine.map((w) => w.slug)).toContain(slug);
    await expect(callerFor(await makeUser()).workspaces.create({ name: "Other", slug })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("renames, and only an owner deletes after typing the slug", async () => {
    const ws = await makeWorkspace();
    const admin = callerFor(ws.users.admin, ws.slug);
    expect((await admin.workspaces.update({ name: "Renamed" })).name).toBe("Renamed");
    await expect(admin.workspaces.delete({ confirmSlug: ws.slug })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const owner = callerFor(ws.users.owner, ws.slug);
    await expect(owner.workspaces.delete({ confirmSlug: "wrong" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await owner.workspaces.delete({ confirmSlug: ws.slug });
    await expect(owner.workspaces.current()).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

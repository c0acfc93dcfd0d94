import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { ALL_PERMISSIONS } from "@/lib/permissions";
import { generateRawApiKey } from "@/server/auth/api-keys";
import { hashApiKey } from "@/server/auth/secrets";
import { initialise } from "@/server/users/init";
import { verifyCredentials } from "@/server/auth/credentials";
import { rest, uniq } from "@/test/helpers";

const spec = () => ({
  email: `root-${uniq()}@example.test`,
  password: "Init-password-42",
  workspaceSlug: `init-${uniq()}`,
  apiKey: generateRawApiKey(),
});

describe("headless init", () => {
  it("creates the user, the workspace with the user as owner, and an all-scopes key that authenticates", async () => {
    const s = spec();
    expect(await initialise(s)).toEqual({ createdUser: true, createdWorkspace: true, createdKey: true });

    const user = await db().user.findUniqueOrThrow({ where: { email: s.email } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyCredentials(s.email, s.password, `init-${uniq()}`)).toMatchObject({ id: user.id });
    const workspace = await db().workspace.findUniqueOrThrow({ where: { slug: s.workspaceSlug } });
    const membership = await db().membership.findUniqueOrThrow({ where: { workspaceId_userId: { workspaceId: workspace.id, userId: user.id } } });
    expect(membership.role).toBe("owner");

    const me = await rest("GET", "/api/v1/me", { key: s.apiKey });
    expect(me.status).toBe(200);
    expect(me.body.workspace).toEqual({ id: workspace.id, slug: s.workspaceSlug, name: s.workspaceSlug });
    expect(me.body.role).toBe("owner");
    expect(me.body.scopes).toEqual([...ALL_PERMISSIONS].sort());
    const key = await db().apiKey.findUniqueOrThrow({ where: { keyHash: hashApiKey(s.apiKey) } });
    expect(JSON.stringify(key)).not.toContain(s.apiKey);
    expect(await db().auditLog.count({ where: { workspaceId: workspace.id, action: "api_key.create", targetId: key.id } })).toBe(1);
  });

  it("is idempotent: a second run creates nothing and changes nothing", async () => {
    const s = spec();
    await initialise(s);
    const before = await db().user.findUniqueOrThrow({ where: { email: s.email } });
    expect(await initialise({ ...s, email: s.email.toUpperCase(), password: "A-different-pass-1" })).toEqual({
      createdUser: false,
      createdWorkspace: false,
      createdKey: false,
    });

    expect(await db().user.count({ where: { email: s.email } })).toBe(1);
    expect((await db().user.findUniqueOrThrow({ where: { email: s.email } })).passwordHash).toBe(before.passwordHash);
    const workspace = await db().workspace.findUniqueOrThrow({ where: { slug: s.workspaceSlug } });
    expect(await db().membership.count({ where: { workspaceId: workspace.id } })).toBe(1);
    expect(await db().apiKey.count({ where: { workspaceId: workspace.id } })).toBe(1);
    expect((await rest("GET", "/api/v1/me", { key: s.apiKey })).status).toBe(200);
  });

  it("adds a new key to an existing setup when the configured key changes", async () => {
    const s = spec();
    await initialise(s);
    const next = generateRawApiKey();
    expect(await initialise({ ...s, apiKey: next })).toEqual({ createdUser: false, createdWorkspace: false, createdKey: true });
    expect((await rest("GET", "/api/v1/me", { key: next })).body.workspace.slug).toBe(s.workspaceSlug);
  });

  it("rejects a key shorter than 32 characters before creating anything", async () => {
    const s = { ...spec(), apiKey: "cadre_tooShort_0123456789abcdef" }; // 31 characters
    expect(s.apiKey).toHaveLength(31);
    await expect(initialise(s)).rejects.toThrow(/32 to 256 characters/);
    expect(await db().user.findUnique({ where: { email: s.email } })).toBeNull();
    expect(await db().workspace.findUnique({ where: { slug: s.workspaceSlug } })).toBeNull();
  });

  it("never accepts a key that can then not authenticate (too long, or with whitespace)", async () => {
    // authenticateApiKey refuses keys over 256 characters, and a bearer token cannot contain spaces
    for (const apiKey of [`cadre_${"a".repeat(300)}`, "my own long passphrase for the init key"]) {
      const s = { ...spec(), apiKey };
      const result = await initialise(s).then(
        () => "accepted",
        () => "rejected",
      );
      if (result === "accepted") {
        const me = await rest("GET", "/api/v1/me", { key: apiKey });
        expect(me.status, `init accepted a ${apiKey.length}-character key that then gets ${me.status}`).toBe(200);
      }
    }
  });

  it("rejects an invalid email or slug", async () => {
    await expect(initialise({ ...spec(), email: "not an email" })).rejects.toThrow();
    const bad = { ...spec(), workspaceSlug: "Not A Slug!" };
    await expect(initialise(bad)).rejects.toThrow();
    expect(await db().user.findUnique({ where: { email: bad.email } })).toBeNull();
  });
});

describe("headless init with invalid settings", () => {
  it.each([
    ["Bad Slug!", /^CADRE_INIT_WORKSPACE_SLUG "Bad Slug!" is invalid: Use lowercase letters, digits and single dashes \(not at the ends\)$/],
    ["ab", /^CADRE_INIT_WORKSPACE_SLUG "ab" is invalid: A slug has at least 3 characters$/],
    ["-dash-", /^CADRE_INIT_WORKSPACE_SLUG "-dash-" is invalid: Use lowercase letters/],
  ])("a slug %j stops with one line naming the variable and the rule, and creates nothing", async (slug, message) => {
    const s = { ...spec(), workspaceSlug: slug };
    const error = await initialise(s).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toContain("\n");
    expect(await db().user.count({ where: { email: s.email } })).toBe(0);
  });

  it("an invalid email is named the same way", async () => {
    const s = { ...spec(), email: "not-an-email" };
    await expect(initialise(s)).rejects.toThrow(/^CADRE_INIT_USER_EMAIL "not-an-email" is invalid: Enter a valid email address$/);
  });
});

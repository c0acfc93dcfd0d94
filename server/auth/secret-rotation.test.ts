import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decode, encode } from "next-auth/jwt";
import { testDb as db } from "@/test/db";
import { setEnv } from "@/server/env";
import { authSecrets, hashApiKey } from "@/server/auth/secrets";
import { authConfig } from "@/server/auth/config";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { AuthSecretError, launcherAuthSecret } from "@/server/auth/launcher-secret";
import { initialise } from "@/server/users/init";
import { makeApiKey, makeWorkspace, outcome, uniq } from "@/test/helpers";

const ORIGINAL = process.env.AUTH_SECRET!;
const NEW_SECRET = "the-new-auth-secret-after-rotation-0123456789";

afterEach(() => {
  setEnv("AUTH_SECRET", ORIGINAL);
  setEnv("AUTH_SECRET_PREVIOUS", "");
});

function rotate(previous: string | null) {
  setEnv("AUTH_SECRET", NEW_SECRET);
  setEnv("AUTH_SECRET_PREVIOUS", previous ?? "");
}

describe("AUTH_SECRET rotation: API keys", () => {
  it("a key hashed under the previous secret still authenticates, and is re-hashed under the current one on use", async () => {
    const ws = await makeWorkspace("rot");
    const key = await makeApiKey(ws, "admin");
    const oldHash = (await db().apiKey.findUniqueOrThrow({ where: { id: key.id } })).keyHash;

    // rotated without keeping the old secret: the key is dead
    rotate(null);
    expect(await outcome(authenticateApiKey(key.raw))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });

    // with the old secret in AUTH_SECRET_PREVIOUS: it works, and is stored under the new secret afterwards
    rotate(`some-older-secret-never-used-0123456789abcd, ${ORIGINAL}`);
    expect(await authenticateApiKey(key.raw)).toMatchObject({ workspaceId: ws.id, actor: { keyId: key.id } });
    const row = await db().apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.keyHash).not.toBe(oldHash);
    expect(row.keyHash).toBe(hashApiKey(key.raw));

    // so the old secret can be dropped
    rotate(null);
    expect(await authenticateApiKey(key.raw)).toMatchObject({ workspaceId: ws.id });
  });

  it("headless init recognises its key under a previous secret and re-hashes it (no duplicate key)", async () => {
    const spec = {
      email: `init-${uniq()}@example.test`,
      password: "Correct-Horse-9",
      workspaceSlug: `init-${uniq()}`,
      apiKey: `cadre_init_${uniq()}${uniq()}${uniq()}${uniq()}`,
    };
    await initialise(spec);
    rotate(ORIGINAL);
    expect(await initialise(spec)).toMatchObject({ createdKey: false });
    const ws = await db().workspace.findUniqueOrThrow({ where: { slug: spec.workspaceSlug } });
    const keys = await db().apiKey.findMany({ where: { workspaceId: ws.id } });
    expect(keys).toHaveLength(1);
    expect(keys[0]!.keyHash).toBe(hashApiKey(spec.apiKey));
  });
});

describe("AUTH_SECRET rotation: sessions", () => {
  it("next-auth gets the keyring: a session JWT signed with the previous secret still opens, new ones use the current secret", async () => {
    const salt = "authjs.session-token";
    const oldToken = await encode({ token: { uid: "usr_rotation", sub: "usr_rotation" }, secret: ORIGINAL, salt });
    rotate(ORIGINAL);
    const secret = authConfig().secret;
    expect(secret).toEqual([NEW_SECRET, ORIGINAL]);
    expect(await decode({ token: oldToken, secret: secret!, salt })).toMatchObject({ uid: "usr_rotation" });
    const fresh = await encode({ token: { uid: "usr_new" }, secret: secret!, salt });
    expect(await decode({ token: fresh, secret: NEW_SECRET, salt })).toMatchObject({ uid: "usr_new" });
    // once the old secret is dropped, its sessions end
    rotate(null);
    await expect(decode({ token: oldToken, secret: authConfig().secret!, salt })).rejects.toThrow();
  });

  it("the keyring lists the current secret first and skips blanks and repeats", () => {
    rotate(` a-previous-secret-0123456789abcdef0123, ,${NEW_SECRET}`);
    expect(authSecrets()).toEqual([NEW_SECRET, "a-previous-secret-0123456789abcdef0123"]);
  });
});

describe("AUTH_SECRET at start-up", () => {
  const dir = () => mkdtempSync(path.join(tmpdir(), "cadre-auth-"));

  it("server mode (DATABASE_URL) refuses to start without it, and says how to make one", () => {
    expect(() => launcherAuthSecret({ embedded: false, dataDir: dir() })).toThrow(AuthSecretError);
    expect(() => launcherAuthSecret({ embedded: false, dataDir: dir() })).toThrow(/AUTH_SECRET is required with DATABASE_URL/);
  });

  it("refuses a short secret, accepts a given one without writing anything", () => {
    expect(() => launcherAuthSecret({ secret: "short", embedded: false, dataDir: dir() })).toThrow(/at least 32/);
    const d = dir();
    expect(launcherAuthSecret({ secret: NEW_SECRET, embedded: false, dataDir: d }).env).toEqual({});
  });

  it("embedded mode generates one into the data directory (0600) and reuses it", () => {
    const d = dir();
    const first = launcherAuthSecret({ embedded: true, dataDir: d });
    expect(first.env.AUTH_SECRET).toMatch(/^[A-Za-z0-9+/=]{44}$/);
    expect(first.messages.join(" ")).not.toContain(first.env.AUTH_SECRET);
    expect(statSync(path.join(d, "auth-secret")).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(d, "auth-secret"), "utf8").trim()).toBe(first.env.AUTH_SECRET);
    expect(launcherAuthSecret({ embedded: true, dataDir: d }).env.AUTH_SECRET).toBe(first.env.AUTH_SECRET);
  });
});

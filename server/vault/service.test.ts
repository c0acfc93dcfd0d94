/**
 * The vault through its services, tRPC and REST, against the real database: CRUD, write-only outputs,
 * audit, "used by", tampering and moved rows, cross-tenant 404s, and no value in any response or log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { logger } from "@/server/logger";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { openApiDocument } from "@/server/rest/openapi";
import { secretSchema } from "@/lib/schemas/secrets";
import type { TenantContext } from "@/server/context";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { createSecret, deleteSecret, last4Of, listSecrets, revealSecret, updateSecret } from "./service";

const as = (ws: TestWorkspace, role: "owner" | "admin" | "member" | "viewer" = "owner") => callerFor(ws.users[role], ws.slug);
const ctxOf = (ws: TestWorkspace, role: "owner" | "admin" | "member" | "viewer" = "owner"): Promise<TenantContext> =>
  resolveUserTenant(ws.users[role], ws.slug, `req_test${uniq()}`);

async function addProvider(ws: TestWorkspace, secretId: string, name = `OpenAI ${uniq()}`) {
  return db().provider.create({ data: { id: newId("prv"), workspaceId: ws.id, name, kind: "openai", secretId } });
}

let a: TestWorkspace;
let b: TestWorkspace;
let keyA: string;
let keyB: string;
beforeAll(async () => {
  a = await makeWorkspace("vault-a");
  b = await makeWorkspace("vault-b");
  keyA = (await makeApiKey(a, "owner")).raw;
  keyB = (await makeApiKey(b, "owner")).raw;
});

afterEach(() => {
  vi.restoreAllMocks();
});

// the deliberately broken rows would otherwise stay in the shared test database (and fail a later rotation)
afterAll(async () => {
  await db().provider.deleteMany({ where: { workspaceId: { in: [a.id, b.id] } } });
  await db().secret.deleteMany({ where: { workspaceId: { in: [a.id, b.id] } } });
});

describe("vault: create, list, update, delete", () => {
  it("stores a secret encrypted and lists it without its value: name, description, last 4, dates, key version", async () => {
    const value = `sk-proj-${uniq()}${uniq()}wxyz`;
    const created = await as(a).secrets.create({ name: "OPENAI_API_KEY", description: "prod key", value });
    expect(created).toMatchObject({ name: "OPENAI_API_KEY", description: "prod key", last4: "wxyz", lastUsedAt: null, usedBy: [] });
    expect(created.id).toMatch(/^sec_/);
    expect(created.keyVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(created)).not.toContain("value");

    const row = await db().secret.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.workspaceId).toBe(a.id);
    expect(JSON.stringify(row)).not.toContain(value);
    expect(Buffer.from(row.ciphertext).includes(Buffer.from(value))).toBe(false);
    expect(row.createdById).toBe(a.users.owner.id);

    const list = (await as(a).secrets.list()).items;
    const item = list.find((s) => s.id === created.id)!;
    expect(item).toEqual(created);
    expect(JSON.stringify(list)).not.toContain(value);
  });

  it("reveals the exact value to platform code only, and the value round-trips (unicode, 16 KiB)", async () => {
    const ctx = await ctxOf(a);
    for (const value of ["pässwörd-🔑-0123456789", "x".repeat(16_384), "  leading and trailing spaces kept  "]) {
      const s = await createSecret(ctx, { name: `RT_${uniq()}`, value });
      expect(await revealSecret(ctx, s.id, { purpose: "test" })).toBe(value);
    }
  });

  it("shows the last 4 characters only for values of 12+ characters", () => {
    expect(last4Of("sk-abcdefghijkl1234")).toBe("1234");
    expect(last4Of("short-pass")).toBe("");
    expect(last4Of("123456789012")).toBe("9012");
    expect(last4Of("ünïcödé-välüé-🔑🔑")).toBe("é-🔑🔑"); // characters, not UTF-16 halves
  });

  it("replacing the value gives a new data key and nonce; renaming and describing keep it", async () => {
    const ctx = await ctxOf(a);
    const s = await createSecret(ctx, { name: `REPL_${uniq()}`, value: "first-value-aaaa1111" });
    const before = await db().secret.findUniqueOrThrow({ where: { id: s.id } });
    const updated = await as(a, "admin").secrets.update({ secretId: s.id, value: "second-value-bbbb2222" });
    expect(updated.last4).toBe("2222");
    const after = await db().secret.findUniqueOrThrow({ where: { id: s.id } });
    expect(Buffer.from(after.iv).equals(Buffer.from(before.iv))).toBe(false);
    expect(Buffer.from(after.wrappedKey).equals(Buffer.from(before.wrappedKey))).toBe(false);
    expect(await revealSecret(ctx, s.id, { purpose: "test" })).toBe("second-value-bbbb2222");

    const renamed = await as(a).secrets.update({ secretId: s.id, name: `RENAMED_${uniq()}`, description: "now described" });
    expect(renamed.description).toBe("now described");
    expect(renamed.last4).toBe("2222");
    const untouched = await db().secret.findUniqueOrThrow({ where: { id: s.id } });
    expect(Buffer.from(untouched.ciphertext).equals(Buffer.from(after.ciphertext))).toBe(true);
    expect(await revealSecret(ctx, s.id, { purpose: "test" })).toBe("second-value-bbbb2222");
  });

  it("names are unique per workspace (CONFLICT), but the same name may exist in another workspace", async () => {
    const name = `DUP_${uniq()}`;
    await as(a).secrets.create({ name, value: "v1-value-000000" });
    const dup = await outcome(as(a).secrets.create({ name, value: "v2-value-000000" }));
    expect(dup).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(dup.ok === false && dup.message).toContain(`"${name}" already exists`);
    await expect(as(b).secrets.create({ name, value: "v3-value-000000" })).resolves.toMatchObject({ name });

    const other = await as(a).secrets.create({ name: `OTHER_${uniq()}`, value: "v4-value-000000" });
    expect(await outcome(as(a).secrets.update({ secretId: other.id, name }))).toMatchObject({ ok: false, code: "CONFLICT" });
    const restDup = await rest("POST", "/api/v1/secrets", { key: keyA, body: { name, value: "v5-value-000000" } });
    expect(restDup.status).toBe(409);
  });

  it("validates names, descriptions and values with clear messages", async () => {
    const bad = async (input: Record<string, unknown>) => {
      const result = await outcome(as(a).secrets.create(input as never));
      expect(result.ok, JSON.stringify(input).slice(0, 80)).toBe(false);
      return result.ok === false ? result.code : "";
    };
    expect(await bad({ name: "has space", value: "v" })).toBe("UNPROCESSABLE_CONTENT");
    expect(await bad({ name: "a/b", value: "v" })).toBe("UNPROCESSABLE_CONTENT");
    expect(await bad({ name: "x".repeat(65), value: "v" })).toBe("UNPROCESSABLE_CONTENT");
    expect(await bad({ name: "", value: "v" })).toBe("UNPROCESSABLE_CONTENT");
    expect(await bad({ name: "OK_NAME", value: "" })).toBe("UNPROCESSABLE_CONTENT");
    expect(await bad({ name: "OK_NAME", value: "   " })).toBe("UNPROCESSABLE_CONTENT");
    expect(await bad({ name: "OK_NAME", value: "x".repeat(16_385) })).toBe("UNPROCESSABLE_CONTENT");
    expect(await bad({ name: "OK_NAME", value: "v", description: "d".repeat(501) })).toBe("UNPROCESSABLE_CONTENT");
    const ok = await as(a).secrets.create({ name: `my.key-${uniq()}_1`, value: "x".repeat(16_384) });
    expect(ok.last4).toBe("xxxx");

    const res = await rest("POST", "/api/v1/secrets", { key: keyA, body: { name: "bad name!", value: "v" } });
    expect(res.status).toBe(422);
    expect(res.body.error.issues[0]).toMatchObject({ path: "name", message: expect.stringContaining("letters, digits, dots, dashes and underscores") });
    const empty = await rest("PATCH", "/api/v1/secrets/{secretId}", { key: keyA, params: { secretId: ok.id }, body: {} });
    expect(empty.status).toBe(422);
    expect(empty.body.error.message).toContain("Change at least one");
  });

  it("lists who uses a secret (providers) and refuses to delete it while they do", async () => {
    const s = await as(a).secrets.create({ name: `USED_${uniq()}`, value: "used-value-00001234" });
    const p1 = await addProvider(a, s.id, "Zeta OpenAI");
    const p2 = await addProvider(a, s.id, "Alpha OpenAI");
    const item = (await as(a).secrets.list()).items.find((x) => x.id === s.id)!;
    expect(item.usedBy).toEqual([
      { type: "provider", id: p2.id, name: "Alpha OpenAI" },
      { type: "provider", id: p1.id, name: "Zeta OpenAI" },
    ]);

    const refused = await outcome(as(a).secrets.delete({ secretId: s.id }));
    expect(refused).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(refused.ok === false && refused.message).toMatch(/used by providers "Alpha OpenAI", "Zeta OpenAI"/);
    const restRefused = await rest("DELETE", "/api/v1/secrets/{secretId}", { key: keyA, params: { secretId: s.id } });
    expect(restRefused.status).toBe(409);
    expect(restRefused.body.error.message).toContain("Alpha OpenAI");
    expect(await db().secret.findUnique({ where: { id: s.id } })).not.toBeNull();

    await db().provider.deleteMany({ where: { id: { in: [p1.id, p2.id] } } });
    expect(await as(a).secrets.delete({ secretId: s.id })).toEqual({ deleted: true });
    expect(await db().secret.findUnique({ where: { id: s.id } })).toBeNull();
    expect(await outcome(as(a).secrets.delete({ secretId: s.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  it("REST: list, create (201), update and delete with the same schemas", async () => {
    const created = await rest("POST", "/api/v1/secrets", {
      key: keyA,
      body: { name: `REST_${uniq()}`, description: "via REST", value: "rest-value-abcd9876" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ description: "via REST", last4: "9876", usedBy: [] });
    expect(created.body.value).toBeUndefined();
    const list = await rest("GET", "/api/v1/secrets", { key: keyA });
    expect(list.status).toBe(200);
    expect(list.body.data.map((s: { id: string }) => s.id)).toContain(created.body.id);
    const patched = await rest("PATCH", "/api/v1/secrets/{secretId}", {
      key: keyA,
      params: { secretId: created.body.id },
      body: { value: "rest-value-new-5555" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.last4).toBe("5555");
    expect(await revealSecret(await ctxOf(a), created.body.id, { purpose: "test" })).toBe("rest-value-new-5555");
    const deleted = await rest("DELETE", "/api/v1/secrets/{secretId}", { key: keyA, params: { secretId: created.body.id } });
    expect(deleted).toMatchObject({ status: 200, body: { deleted: true } });
  });
});

describe("vault: audit and attribution", () => {
  it("records create, update, delete and use, never with the value", async () => {
    const value = `audit-VALUE-${uniq()}-zzzz`;
    const ctx = await ctxOf(a, "admin");
    const s = await createSecret(ctx, { name: `AUD_${uniq()}`, value });
    await updateSecret(ctx, s.id, { value: `${value}-2`, description: "d" });
    const runId = `run_${uniq()}`;
    await revealSecret(ctx, s.id, { purpose: "model call", runId });
    const apiCtx = await authenticateApiKey(keyA);
    await revealSecret(apiCtx, s.id, { purpose: "provider test" });
    await deleteSecret(ctx, s.id);

    const rows = (await auditRows(a.id)).filter((r) => r.targetId === s.id).reverse();
    expect(rows.map((r) => r.action)).toEqual(["secret.create", "secret.update", "secret.use", "secret.use", "secret.delete"]);
    expect(rows.every((r) => r.targetType === "secret")).toBe(true);
    expect(rows[0]!).toMatchObject({ actorType: "user", actorId: a.users.admin.id, metadata: { name: s.name } });
    expect(rows[1]!.metadata).toMatchObject({ changed: ["description", "value"] });
    expect(rows[2]!).toMatchObject({ actorType: "user", actorId: a.users.admin.id, metadata: { purpose: "model call", runId, name: s.name } });
    expect(rows[3]!).toMatchObject({ actorType: "api_key", metadata: { purpose: "provider test", runId: null } });
    expect(JSON.stringify(rows)).not.toContain(value);
  });

  it("a use sets lastUsedAt but is not an update", async () => {
    const ctx = await ctxOf(a);
    const s = await createSecret(ctx, { name: `USE_${uniq()}`, value: "use-value-0000aaaa" });
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    onTestFinished(() => void vi.useRealTimers());
    vi.setSystemTime(s.createdAt.getTime() + 1_000);
    await revealSecret(ctx, s.id, { purpose: "test" });
    const item = (await listSecrets(ctx)).items.find((x) => x.id === s.id)!;
    expect(item.lastUsedAt).toBeInstanceOf(Date);
    expect(item.lastUsedAt!.getTime()).toBeGreaterThan(s.createdAt.getTime());
    expect(item.updatedAt.getTime()).toBe(s.updatedAt.getTime());
  });
});

describe("vault: tampering and moved ciphertexts fail closed", () => {
  async function expectDecryptFailure(ctx: TenantContext, secretId: string, forbidden: string[]) {
    const logged = vi.spyOn(logger, "error");
    const result = await outcome(revealSecret(ctx, secretId, { purpose: "test" }));
    expect(result).toMatchObject({ ok: false, message: "The secret could not be decrypted" });
    const error = await revealSecret(ctx, secretId, { purpose: "test" }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("INTERNAL");
    expect(logged).toHaveBeenCalled();
    const text = JSON.stringify(logged.mock.calls);
    expect(text).toContain(secretId);
    for (const f of forbidden) expect(text).not.toContain(f);
    logged.mockRestore();
  }

  it("a flipped ciphertext, tag or wrapped key is refused with a generic INTERNAL error and a log line without secret material", async () => {
    const ctx = await ctxOf(a);
    const value = `tamper-${uniq()}-value`;
    for (const column of ["ciphertext", "authTag", "wrappedKey", "iv"] as const) {
      const s = await createSecret(ctx, { name: `TAMPER_${column}_${uniq()}`, value });
      const row = await db().secret.findUniqueOrThrow({ where: { id: s.id } });
      const bytes = new Uint8Array(row[column]);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x80;
      await db().secret.update({ where: { id: s.id }, data: { [column]: bytes } });
      await expectDecryptFailure(ctx, s.id, [value, Buffer.from(row.wrappedKey).toString("base64")]);
    }
    // the failed reveals were not recorded as uses
    expect((await auditRows(a.id, "secret.use")).some((r) => String((r.metadata as { name?: string }).name).startsWith("TAMPER_"))).toBe(false);
  });

  it("an unknown key version is refused the same way", async () => {
    const ctx = await ctxOf(a);
    const s = await createSecret(ctx, { name: `VERSION_${uniq()}`, value: "version-value-123456" });
    await db().secret.update({ where: { id: s.id }, data: { keyVersion: "0000000000000000" } });
    await expectDecryptFailure(ctx, s.id, ["version-value-123456"]);
  });

  it("a row's encrypted columns copied onto another row of the same workspace do not decrypt", async () => {
    const ctx = await ctxOf(a);
    const source = await createSecret(ctx, { name: `SRC_${uniq()}`, value: "source-value-aaaa0000" });
    const target = await createSecret(ctx, { name: `DST_${uniq()}`, value: "target-value-bbbb1111" });
    const src = await db().secret.findUniqueOrThrow({ where: { id: source.id } });
    await db().secret.update({
      where: { id: target.id },
      data: { ciphertext: src.ciphertext, iv: src.iv, authTag: src.authTag, wrappedKey: src.wrappedKey, keyVersion: src.keyVersion },
    });
    await expectDecryptFailure(ctx, target.id, ["source-value-aaaa0000", "target-value-bbbb1111"]);
    // only the wrapped key swapped: refused as well
    const third = await createSecret(ctx, { name: `DST2_${uniq()}`, value: "third-value-cccc2222" });
    await db().secret.update({ where: { id: third.id }, data: { wrappedKey: src.wrappedKey } });
    await expectDecryptFailure(ctx, third.id, ["source-value-aaaa0000"]);
    expect(await revealSecret(ctx, source.id, { purpose: "test" })).toBe("source-value-aaaa0000");
  });

  it("a row copied into another workspace (same id and columns, other workspaceId) does not decrypt there", async () => {
    const ctxA = await ctxOf(a);
    const ctxB = await ctxOf(b);
    const s = await createSecret(ctxA, { name: `MOVE_${uniq()}`, value: "moved-value-dddd3333" });
    const row = await db().secret.findUniqueOrThrow({ where: { id: s.id } });
    // move the very row to workspace B (an attacker with database access)
    await db().secret.update({ where: { id: s.id }, data: { workspaceId: b.id } });
    await expectDecryptFailure(ctxB, s.id, ["moved-value-dddd3333"]);
    expect(await outcome(revealSecret(ctxA, s.id, { purpose: "test" }))).toMatchObject({ ok: false, message: "Secret not found" });
    // a copy under a new id in B: refused too
    await db().secret.update({ where: { id: s.id }, data: { workspaceId: a.id } });
    const copyId = newId("sec");
    await db().secret.create({ data: { ...row, id: copyId, workspaceId: b.id, name: `COPY_${uniq()}`, createdById: null } });
    await expectDecryptFailure(ctxB, copyId, ["moved-value-dddd3333"]);
    expect(await revealSecret(ctxA, s.id, { purpose: "test" })).toBe("moved-value-dddd3333");
  });
});

describe("vault: cross-tenant", () => {
  it("B's owner (tRPC) and B's key (REST) get NOT_FOUND/404 on A's secret, and nothing changes", async () => {
    const s = await as(a).secrets.create({ name: `TENANT_${uniq()}`, value: "tenant-value-eeee4444" });
    expect(await outcome(as(b).secrets.update({ secretId: s.id, value: "pwned-value-0000" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(as(b).secrets.update({ secretId: s.id, name: "PWNED" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(as(b).secrets.delete({ secretId: s.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(as(b, "admin").secrets.delete({ secretId: s.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });

    const patch = await rest("PATCH", "/api/v1/secrets/{secretId}", { key: keyB, params: { secretId: s.id }, body: { value: "pwned-value-0000" } });
    expect(patch.status).toBe(404);
    expect(patch.body).toMatchObject({ error: { code: "NOT_FOUND" } });
    const del = await rest("DELETE", "/api/v1/secrets/{secretId}", { key: keyB, params: { secretId: s.id } });
    expect(del.status).toBe(404);

    // platform code acting for B cannot reveal A's secret either
    expect(await outcome(revealSecret(await ctxOf(b), s.id, { purpose: "test" }))).toMatchObject({ ok: false, message: "Secret not found" });
    expect(await outcome(revealSecret(await authenticateApiKey(keyB), s.id, { purpose: "test" }))).toMatchObject({ ok: false, message: "Secret not found" });

    expect(await revealSecret(await ctxOf(a), s.id, { purpose: "test" })).toBe("tenant-value-eeee4444");
    expect((await as(a).secrets.list()).items.find((x) => x.id === s.id)?.name).toBe(s.name);
    expect((await as(b).secrets.list()).items.map((x) => x.id)).not.toContain(s.id);
    const restB = await rest("GET", "/api/v1/secrets", { key: keyB });
    expect(restB.body.data.map((x: { id: string }) => x.id)).not.toContain(s.id);
    // and A's key sees it
    const restA = await rest("GET", "/api/v1/secrets", { key: keyA });
    expect(restA.body.data.map((x: { id: string }) => x.id)).toContain(s.id);
  });

  it("a malformed or unknown id is a plain NOT_FOUND", async () => {
    const ctx = await ctxOf(a);
    expect(await outcome(revealSecret(ctx, "not-an-id", { purpose: "test" }))).toMatchObject({ ok: false, message: "Secret not found" });
    expect(await outcome(revealSecret(ctx, newId("sec"), { purpose: "test" }))).toMatchObject({ ok: false, message: "Secret not found" });
    expect(await outcome(as(a).secrets.delete({ secretId: newId("sec") }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});

describe("vault: write-only, end to end", () => {
  it("the output schema and the OpenAPI document have no value field; the create body marks it write-only", () => {
    expect(Object.keys(secretSchema.shape)).not.toContain("value");
    const doc = openApiDocument() as unknown as {
      components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
      paths: Record<string, Record<string, unknown>>;
    };
    const secret = doc.components?.schemas?.Secret;
    expect(secret?.properties).toBeDefined();
    expect(Object.keys(secret!.properties!)).not.toContain("value");
    const responses = JSON.stringify(Object.values(doc.paths["/api/v1/secrets"]!).map((op) => (op as { responses: unknown }).responses));
    expect(responses).not.toMatch(/"value"/);
    const body = JSON.stringify((doc.paths["/api/v1/secrets"]!.post as { requestBody: unknown }).requestBody);
    expect(body).toContain("writeOnly");
  });

  it("a recognisable value never appears in any tRPC or REST response, error, audit row or log call", async () => {
    const marker = `VAULT-CANARY-${uniq()}${uniq()}`;
    const v1 = `${marker}-one-1111`;
    const v2 = `${marker}-two-2222`;
    const v3 = `${marker}-three-3333`;
    const seen: unknown[] = [];
    const record = async <T>(p: Promise<T>) => {
      try {
        const value = await p;
        seen.push(value);
        return value;
      } catch (error) {
        const e = error as Error & { cause?: unknown; data?: unknown };
        seen.push({ message: e.message, cause: String(e.cause ?? ""), data: e.data ?? null, stack: e.stack });
        return undefined;
      }
    };
    const logSpies = (["trace", "debug", "info", "warn", "error", "fatal"] as const).map((level) => vi.spyOn(logger, level));
    const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((level) => vi.spyOn(console, level));

    const created = (await record(as(a).secrets.create({ name: `CANARY_${uniq()}`, description: "canary", value: v1 })))!;
    await record(as(a).secrets.create({ name: created.name, value: v1 })); // CONFLICT with the value in the input
    await record(as(a).secrets.create({ name: "bad name", value: v1 })); // validation error
    await record(as(a).secrets.create({ name: "TOO_LONG", value: `${v1}${"x".repeat(16_384)}` }));
    await record(as(a, "viewer").secrets.create({ name: "VIEWER", value: v1 })); // FORBIDDEN
    await record(as(a).secrets.list());
    await record(as(a).secrets.update({ secretId: created.id, value: v2 }));
    await record(as(b).secrets.update({ secretId: created.id, value: v2 })); // NOT_FOUND
    const restCreated = await rest("POST", "/api/v1/secrets", { key: keyA, body: { name: `CANARY_REST_${uniq()}`, value: v3 } });
    seen.push(restCreated.body);
    seen.push((await rest("POST", "/api/v1/secrets", { key: keyA, body: { name: "bad name", value: v3 } })).body);
    seen.push((await rest("POST", "/api/v1/secrets", { key: keyA, body: { name: restCreated.body.name, value: v3 } })).body);
    seen.push((await rest("PATCH", "/api/v1/secrets/{secretId}", { key: keyA, params: { secretId: restCreated.body.id }, body: { value: v1 } })).body);
    seen.push((await rest("PATCH", "/api/v1/secrets/{secretId}", { key: keyB, params: { secretId: restCreated.body.id }, body: { value: v1 } })).body);
    seen.push((await rest("GET", "/api/v1/secrets", { key: keyA })).body);

    // platform use, a failing decrypt (logged), then deletes
    const ctx = await ctxOf(a);
    expect(await revealSecret(ctx, created.id, { purpose: "canary", runId: "run_canary" })).toBe(v2);
    const broken = await createSecret(ctx, { name: `CANARY_BROKEN_${uniq()}`, value: v3 });
    await db().secret.update({ where: { id: broken.id }, data: { authTag: new Uint8Array(16) } });
    await record(revealSecret(ctx, broken.id, { purpose: "canary" }));
    seen.push((await rest("DELETE", "/api/v1/secrets/{secretId}", { key: keyA, params: { secretId: restCreated.body.id } })).body);
    await record(as(a).secrets.delete({ secretId: created.id }));
    await record(as(a).secrets.delete({ secretId: broken.id }));

    const audit = await db().auditLog.findMany({ where: { workspaceId: { in: [a.id, b.id] } } });
    const logs = [...logSpies, ...consoleSpies].flatMap((spy) => spy.mock.calls);
    expect(logSpies[4]!.mock.calls.length).toBeGreaterThan(0); // the broken decrypt was logged (logger.error)
    const haystack = JSON.stringify({ seen, audit, logs }, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));
    expect(haystack).toContain(created.id); // the haystack does hold the traffic
    expect(haystack).not.toContain(marker);
  });
});

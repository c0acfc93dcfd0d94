/**
 * Master key rotation against the real database, and the CLI (`npm run cadre -- vault ...`) through its
 * exported functions. Rotation covers every row of the shared test database; afterAll rotates back to the
 * test key so later test files find their data as they expect.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { systemDb } from "@/server/db/client";
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import type { TenantContext } from "@/server/context";
import { makeWorkspace, uniq } from "@/test/helpers";
import { parseArgs, runCadre } from "@/scripts/cadre";
import { decryptSecret, keyVersionOf, makeKeyring, type Keyring } from "./crypto";
import { MASTER_KEY_FILE, parseMasterKey, PREVIOUS_KEYS_FILE, setVaultKeyring } from "./master-key";
import { rotateMasterKey, vaultKeyStatus } from "./rotation";
import { createSecret, revealSecret } from "./service";
import type { CliIo } from "@/server/cli-io";
import { vaultRotate, vaultStatus } from "./cli";
import { makeOrg } from "@/test/fixtures/orgs";
import { findConnection, revealClientSecret, upsertSsoConnection } from "@/server/sso/connection";
import { ssoConnectionInputSchema } from "@/lib/schemas/sso";

const testKey = parseMasterKey(env().CADRE_MASTER_KEY!, "test key");
const b64 = (key: Buffer) => key.toString("base64");

/** The keyring the database is wrapped under right now (tests move it along). */
let live: Keyring = makeKeyring(testKey);
function use(keyring: Keyring) {
  live = keyring;
  setVaultKeyring(keyring);
}

let ctx: TenantContext;
let ctx2: TenantContext;
const values = new Map<string, string>(); // secretId -> value
const owners = new Map<string, TenantContext>(); // secretId -> its workspace's context
beforeAll(async () => {
  use(makeKeyring(testKey));
  const ws = await makeWorkspace("rot-a");
  const ws2 = await makeWorkspace("rot-b");
  ctx = await resolveUserTenant(ws.users.owner, ws.slug);
  ctx2 = await resolveUserTenant(ws2.users.owner, ws2.slug);
  for (let i = 0; i < 7; i++) {
    const value = `rotation-value-${i}-${uniq()}`;
    const owner = i % 2 ? ctx2 : ctx;
    const s = await createSecret(owner, { name: `ROT_${i}_${uniq()}`, value });
    values.set(s.id, value);
    owners.set(s.id, owner);
  }
});

afterAll(async () => {
  // leave the database under the test key, readable by every later test file
  const back = await rotateMasterKey(testKey, { keyring: live });
  expect(back.failed).toEqual([]);
  setVaultKeyring(undefined);
});

const made: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cadre-cli-"));
  made.push(dir);
  return dir;
}
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function capture(): CliIo & { lines: string[]; errors: string[]; text: () => string } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), text: () => [...lines, ...errors].join("\n") };
}

/** Every secret of this file decrypts to its value with exactly this keyring. */
async function expectAllReadable(keyring: Keyring) {
  const rows = await db().secret.findMany({ where: { id: { in: [...values.keys()] } } });
  expect(rows).toHaveLength(values.size);
  for (const row of rows) expect(decryptSecret(keyring, { workspaceId: row.workspaceId, secretId: row.id }, row)).toBe(values.get(row.id));
}

async function versionsOfMine(): Promise<Set<string>> {
  const rows = await db().secret.findMany({ where: { id: { in: [...values.keys()] } }, select: { keyVersion: true } });
  return new Set(rows.map((r) => r.keyVersion));
}

describe("rotateMasterKey", () => {
  it("re-wraps every data key (all workspaces) under the new key; values decrypt; the old key is then not needed", async () => {
    const before = await db().secret.findMany({ where: { id: { in: [...values.keys()] } }, orderBy: { id: "asc" } });
    const newKey = randomBytes(32);
    const logged = [vi.spyOn(logger, "info"), vi.spyOn(logger, "error"), vi.spyOn(logger, "warn")];

    const result = await rotateMasterKey(newKey, { keyring: live, batchSize: 3 });
    expect(result.failed).toEqual([]);
    expect(result.newVersion).toBe(keyVersionOf(newKey));
    expect(result.total).toBe(await db().secret.count());
    expect(result.rewrapped + result.alreadyCurrent).toBe(result.total);
    expect(await vaultKeyStatus(result.keyring)).toEqual([{ keyVersion: result.newVersion, count: result.total, status: "current" }]);

    // only wrappedKey and keyVersion changed
    const after = await db().secret.findMany({ where: { id: { in: [...values.keys()] } }, orderBy: { id: "asc" } });
    for (const [i, row] of after.entries()) {
      const old = before[i]!;
      expect(Buffer.from(row.ciphertext).equals(Buffer.from(old.ciphertext))).toBe(true);
      expect(Buffer.from(row.iv).equals(Buffer.from(old.iv))).toBe(true);
      expect(Buffer.from(row.authTag).equals(Buffer.from(old.authTag))).toBe(true);
      expect(Buffer.from(row.wrappedKey).equals(Buffer.from(old.wrappedKey))).toBe(false);
      expect(row.keyVersion).toBe(result.newVersion);
      expect(row.updatedAt.getTime()).toBe(old.updatedAt.getTime());
      expect({ name: row.name, last4: row.last4, lastUsedAt: row.lastUsedAt }).toEqual({ name: old.name, last4: old.last4, lastUsedAt: old.lastUsedAt });
    }

    // the new key alone opens everything; the old key alone opens nothing
    await expectAllReadable(makeKeyring(newKey));
    const oldOnly = makeKeyring(testKey);
    for (const row of after) expect(() => decryptSecret(oldOnly, { workspaceId: row.workspaceId, secretId: row.id }, row)).toThrow();
    use(makeKeyring(newKey));
    for (const [id, value] of values) expect(await revealSecret(owners.get(id)!, id, { purpose: "test" })).toBe(value);

    // the rotation never logged key or value material
    const logText = JSON.stringify(logged.flatMap((s) => s.mock.calls));
    for (const value of values.values()) expect(logText).not.toContain(value);
    expect(logText).not.toContain(b64(newKey));
    expect(logText).not.toContain(b64(testKey));
    logged.forEach((s) => s.mockRestore());
  });

  it("re-wraps an organisation's SSO client secret too, which the new key alone then opens", async () => {
    const org = await makeOrg("rot-sso");
    const secret = `sso-secret-${uniq()}`;
    await upsertSsoConnection(
      org.ctx("admin"),
      ssoConnectionInputSchema.parse({ issuer: "https://idp.example", clientId: "c", clientSecret: secret }),
      "http://localhost:3000",
    );
    const newKey = randomBytes(32);
    const result = await rotateMasterKey(newKey, { keyring: live });
    expect(result.failed).toEqual([]);
    expect(result.orgSecretsRewrapped).toBeGreaterThanOrEqual(1);
    use(makeKeyring(newKey));
    const row = await findConnection(org.id, { kind: "system", path: "vault-rotation" });
    expect(row?.secretKeyVersion).toBe(result.newVersion);
    expect(revealClientSecret(row!)).toBe(secret);
  });

  it("mid-rotation (interrupted after one batch) every secret stays readable with the previous key in the keyring; resuming completes it", async () => {
    const from = live;
    const newKey = randomBytes(32);
    let batches = 0;
    await expect(
      rotateMasterKey(newKey, {
        keyring: from,
        batchSize: 2,
        onBatch: () => {
          if (++batches === 1) throw new Error("simulated crash after the first batch");
        },
      }),
    ).rejects.toThrow("simulated crash");
    const total = await db().secret.count();
    const status = await vaultKeyStatus(makeKeyring(newKey, [from.current.key]));
    expect(status.find((v) => v.keyVersion === keyVersionOf(newKey))?.count).toBe(2);
    expect(status.reduce((n, v) => n + v.count, 0)).toBe(total);
    expect(status.every((v) => v.status !== "unknown")).toBe(true);

    // mixed versions: readable with the new key current and the old one previous
    const mixed = makeKeyring(newKey, [from.current.key]);
    await expectAllReadable(mixed);
    // new values written meanwhile go under the new key
    use(mixed);
    const fresh = await createSecret(ctx, { name: `ROT_MID_${uniq()}`, value: `mid-rotation-${uniq()}` });
    values.set(fresh.id, await revealSecret(ctx, fresh.id, { purpose: "test" }));
    expect(fresh.keyVersion).toBe(keyVersionOf(newKey));

    // resume (same new key): only what is left gets re-wrapped
    const resumed = await rotateMasterKey(newKey, { keyring: mixed });
    expect(resumed.failed).toEqual([]);
    expect(resumed.alreadyCurrent).toBeGreaterThanOrEqual(3);
    expect(resumed.rewrapped).toBe(total + 1 - resumed.alreadyCurrent);
    use(makeKeyring(newKey));
    await expectAllReadable(makeKeyring(newKey));
  });

  it("reports rows no key can unwrap (ids only) and leaves them and everything else intact", async () => {
    const broken = await createSecret(ctx, { name: `ROT_BROKEN_${uniq()}`, value: `broken-${uniq()}` });
    await db().secret.update({ where: { id: broken.id }, data: { keyVersion: "ffffffffffffffff" } });
    const newKey = randomBytes(32);
    const result = await rotateMasterKey(newKey, { keyring: live });
    expect(result.failed).toEqual([{ secretId: broken.id, workspaceId: ctx.workspaceId, keyVersion: "ffffffffffffffff", reason: "unknown_key_version" }]);
    use(result.keyring);
    await expectAllReadable(result.keyring);
    await db().secret.delete({ where: { id: broken.id } });
  });

  it("a value replaced while a rotation runs (by a server still on the old key) survives, and --finish-style catch-up moves it", async () => {
    const s = await createSecret(ctx, { name: `ROT_RACE_${uniq()}`, value: `race-before-${uniq()}` });
    const newKey = randomBytes(32);
    const mixed = makeKeyring(
      newKey,
      [...live.byVersion.values()].map((k) => k.key),
    );
    let replaced = false;
    const result = await rotateMasterKey(newKey, {
      keyring: live,
      batchSize: 1,
      onBatch: async () => {
        if (replaced) return;
        replaced = true;
        // a server still on the old key writes a new value of s while the rotation runs
        const { updateSecret } = await import("./service");
        setVaultKeyring(live);
        await updateSecret(ctx, s.id, { value: "race-after-value-1234" });
      },
    });
    expect(result.failed).toEqual([]);
    use(mixed);
    expect(await revealSecret(ctx, s.id, { purpose: "test" })).toBe("race-after-value-1234");
    // finish: whatever is left under an older key moves to the new one
    const finish = await rotateMasterKey(newKey, { keyring: mixed });
    expect(finish.failed).toEqual([]);
    use(makeKeyring(newKey));
    expect(await revealSecret(ctx, s.id, { purpose: "test" })).toBe("race-after-value-1234");
    await expectAllReadable(makeKeyring(newKey));
    await db().secret.delete({ where: { id: s.id } });
  });
});

describe("rotateMasterKey: a row changed between its read and its write", () => {
  it("is re-read and re-wrapped from its new state, never overwritten with a stale wrapped key", async () => {
    const s = await createSecret(ctx, { name: `ROT_CAS_${uniq()}`, value: `cas-before-${uniq()}` });
    const newKey = randomBytes(32);
    const from = live;
    // the rotation's own client (the privileged path it runs on)
    const delegate = systemDb("vault-rotation").secret;
    const original = delegate.updateMany.bind(delegate);
    let interfered = false;
    const spy = vi.spyOn(delegate, "updateMany").mockImplementation((async (args: Parameters<typeof original>[0]) => {
      if (!interfered && (args.where as { id?: string }).id === s.id) {
        interfered = true;
        // a server still on the old key replaces the value right between the rotation's read and write
        const { updateSecret } = await import("./service");
        await updateSecret(ctx, s.id, { value: "cas-after-value-5678" });
      }
      return original(args);
    }) as never);
    const result = await rotateMasterKey(newKey, { keyring: from });
    spy.mockRestore();
    expect(interfered).toBe(true);
    expect(result.failed).toEqual([]);
    use(makeKeyring(newKey));
    expect(await revealSecret(ctx, s.id, { purpose: "test" })).toBe("cas-after-value-5678");
    expect((await db().secret.findUniqueOrThrow({ where: { id: s.id } })).keyVersion).toBe(keyVersionOf(newKey));
    await expectAllReadable(live);
    await db().secret.delete({ where: { id: s.id } });
  });
});

describe("CLI: npm run cadre -- vault ...", () => {
  it("parses its arguments and prints help", async () => {
    expect(parseArgs([])).toEqual({ command: "help" });
    expect(parseArgs(["vault", "status"])).toEqual({ command: "vault status" });
    expect(parseArgs(["vault", "rotate", "--new-key", "abc", "--batch-size=5"])).toEqual({ command: "vault rotate", newKey: "abc", batchSize: 5 });
    expect(parseArgs(["vault", "rotate", "--finish"])).toEqual({ command: "vault rotate", finish: true });
    expect(() => parseArgs(["vault", "rotate", "--new-key"])).toThrow(/needs a value/);
    expect(() => parseArgs(["vault", "spin"])).toThrow(/Unknown vault command/);

    const io = capture();
    expect(await runCadre(["help"], io)).toBe(0);
    expect(io.text()).toMatch(/vault status/);
    expect(io.text()).toMatch(/vault rotate/);
    expect(io.text()).toMatch(/--new-key <base64>/);
    const bad = capture();
    expect(await runCadre(["frobnicate"], bad)).toBe(2);
    expect(bad.errors.join("\n")).toContain('Unknown command "frobnicate"');
  });

  it("embedded mode: replaces master.key (keeping master.key.previous until done), never prints a key", async () => {
    const dataDir = tempDir();
    const oldKey = live.current.key;
    writeFileSync(path.join(dataDir, MASTER_KEY_FILE), `${b64(oldKey)}\n`, { mode: 0o600 });
    const io = capture();
    let previousSeenMidway = false;
    const spy = vi.spyOn(io, "out").mockImplementation((line: string) => {
      if (line.includes("processed")) previousSeenMidway ||= existsSync(path.join(dataDir, PREVIOUS_KEYS_FILE));
      io.lines.push(line);
    });
    const outcome = await vaultRotate({ sources: { embedded: true, dataDir }, io, batchSize: 2 });
    spy.mockRestore();
    expect(outcome.exitCode).toBe(0);
    expect(outcome.source).toBe("file");
    expect(previousSeenMidway).toBe(true);
    expect(existsSync(path.join(dataDir, PREVIOUS_KEYS_FILE))).toBe(false);
    const newKey = parseMasterKey(readFileSync(path.join(dataDir, MASTER_KEY_FILE), "utf8"), "file");
    expect(newKey.equals(oldKey)).toBe(false);
    expect(outcome.result!.newVersion).toBe(keyVersionOf(newKey));
    expect(io.text()).not.toContain(b64(newKey));
    expect(io.text()).not.toContain(b64(oldKey));
    expect(io.text()).toMatch(/rotation complete/);
    use(makeKeyring(newKey));
    await expectAllReadable(makeKeyring(newKey));
    expect(await versionsOfMine()).toEqual(new Set([keyVersionOf(newKey)]));
  });

  it("embedded mode: a failed row keeps master.key.previous and exits 1; --finish completes once it is fixed", async () => {
    const dataDir = tempDir();
    const oldKey = live.current.key;
    writeFileSync(path.join(dataDir, MASTER_KEY_FILE), `${b64(oldKey)}\n`, { mode: 0o600 });
    const broken = await createSecret(ctx, { name: `CLI_BROKEN_${uniq()}`, value: `cli-broken-${uniq()}` });
    await db().secret.update({ where: { id: broken.id }, data: { keyVersion: "eeeeeeeeeeeeeeee" } });

    const io = capture();
    const first = await vaultRotate({ sources: { embedded: true, dataDir }, io });
    expect(first.exitCode).toBe(1);
    expect(io.errors.join("\n")).toContain(broken.id);
    expect(io.errors.join("\n")).toMatch(/NOT complete/);
    expect(existsSync(path.join(dataDir, PREVIOUS_KEYS_FILE))).toBe(true);
    const newKey = parseMasterKey(readFileSync(path.join(dataDir, MASTER_KEY_FILE), "utf8"), "file");
    use(makeKeyring(newKey, [oldKey]));
    await expectAllReadable(live);

    const status = capture();
    expect(await vaultStatus({ sources: { embedded: true, dataDir }, io: status })).toBe(1);
    expect(status.text()).toMatch(/eeeeeeeeeeeeeeee\s+1\s+NO KEY/);
    expect(status.text()).toContain(keyVersionOf(newKey));

    await db().secret.delete({ where: { id: broken.id } });
    const io2 = capture();
    const finish = await vaultRotate({ sources: { embedded: true, dataDir }, io: io2, finish: true });
    expect(finish.exitCode).toBe(0);
    expect(existsSync(path.join(dataDir, PREVIOUS_KEYS_FILE))).toBe(false);
    expect(parseMasterKey(readFileSync(path.join(dataDir, MASTER_KEY_FILE), "utf8"), "file").equals(newKey)).toBe(true);
    use(makeKeyring(newKey));
    await expectAllReadable(live);
  });

  it("server mode: prints a generated key exactly once with instructions; --finish later catches up", async () => {
    const oldKey = live.current.key;
    const io = capture();
    const outcome = await vaultRotate({ sources: { masterKey: b64(oldKey), embedded: false, dataDir: "/nonexistent" }, io });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.source).toBe("env");
    const printed = /CADRE_MASTER_KEY=([A-Za-z0-9+/=]{44})/.exec(io.text());
    expect(printed).not.toBeNull();
    const newKey = parseMasterKey(printed![1]!, "printed");
    expect(io.text().split(printed![1]!).length - 1).toBe(1);
    expect(io.text()).not.toContain(b64(oldKey));
    expect(io.text()).toContain("CADRE_MASTER_KEY_PREVIOUS");
    expect(io.text()).toMatch(/every server has restarted/);
    use(makeKeyring(newKey));
    await expectAllReadable(live);

    // a server still on the old key wrote a secret meanwhile; after the restart, --finish re-wraps it
    use(makeKeyring(oldKey));
    const late = await createSecret(ctx, { name: `ROT_LATE_${uniq()}`, value: `late-${uniq()}` });
    values.set(late.id, await revealSecret(ctx, late.id, { purpose: "test" }));
    const io2 = capture();
    const finish = await vaultRotate({
      sources: { masterKey: b64(newKey), previousKeys: b64(oldKey), embedded: false, dataDir: "/nonexistent" },
      io: io2,
      finish: true,
    });
    expect(finish.exitCode).toBe(0);
    expect(finish.result!.rewrapped).toBe(1);
    expect(io2.text()).not.toMatch(/CADRE_MASTER_KEY=/);
    use(makeKeyring(newKey));
    await expectAllReadable(live);
  });

  it("server mode with --new-key: uses that key and does not echo it; a bad key is refused", async () => {
    const oldKey = live.current.key;
    const chosen = randomBytes(32);
    const io = capture();
    const outcome = await vaultRotate({ sources: { masterKey: b64(oldKey), embedded: false, dataDir: "/nonexistent" }, io, newKey: b64(chosen) });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.result!.newVersion).toBe(keyVersionOf(chosen));
    expect(io.text()).not.toContain(b64(chosen));
    use(makeKeyring(chosen));
    await expectAllReadable(live);

    const bad = capture();
    expect((await vaultRotate({ sources: { masterKey: b64(chosen), embedded: false, dataDir: "/nonexistent" }, io: bad, newKey: "c2hvcnQ=" })).exitCode).toBe(
      2,
    );
    expect(bad.errors.join("\n")).toMatch(/--new-key must be 32 bytes/);
    const noKey = capture();
    expect((await vaultRotate({ sources: { embedded: false, dataDir: "/nonexistent" }, io: noKey })).exitCode).toBe(2);
    expect(noKey.errors.join("\n")).toMatch(/openssl rand -base64 32/);
  });

  it("runCadre: vault status and vault rotate run against DATABASE_URL with the env keyring", async () => {
    // the CLI resolves the key from the environment, which holds the test key: bring the data back to it first
    const back = await rotateMasterKey(testKey, { keyring: live });
    expect(back.failed).toEqual([]);
    use(makeKeyring(testKey));

    const io = capture();
    expect(await runCadre(["vault", "status"], io)).toBe(0);
    expect(io.text()).toContain("database: PostgreSQL server from DATABASE_URL");
    expect(io.text()).toMatch(new RegExp(`${keyVersionOf(testKey)}\\s+\\d+\\s+current`));

    const chosen = randomBytes(32);
    const io2 = capture();
    expect(await runCadre(["vault", "rotate", "--new-key", b64(chosen), "--batch-size", "4"], io2)).toBe(0);
    expect(io2.text()).not.toContain(b64(chosen));
    use(makeKeyring(chosen));
    await expectAllReadable(live);
    expect(await db().secret.count({ where: { keyVersion: { not: keyVersionOf(chosen) } } })).toBe(0);
  });
});

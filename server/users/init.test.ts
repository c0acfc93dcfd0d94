import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { logger } from "@/server/logger";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { initProvidersFromEnv } from "@/server/users/init-providers";
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
    expect(await initialise(s)).toEqual({ createdUser: true, createdWorkspace: true, createdKey: true, providers: [] });

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
      providers: [],
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
    expect(await initialise({ ...s, apiKey: next })).toEqual({ createdUser: false, createdWorkspace: false, createdKey: true, providers: [] });
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

describe("headless init: providers from the environment", () => {
  let stub: LlmStub;
  beforeAll(async () => {
    stub = await startLlmStub();
  });
  afterAll(async () => {
    await stub.close();
  });

  it("reads the provider variables: a key per cloud kind (base URL optional), an OpenAI-compatible server by its URL", () => {
    expect(
      initProvidersFromEnv({
        CADRE_INIT_OPENAI_API_KEY: "sk-1",
        CADRE_INIT_OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
        CADRE_INIT_ANTHROPIC_API_KEY: " ",
        CADRE_INIT_MISTRAL_BASE_URL: "http://127.0.0.1:9/v1",
        CADRE_INIT_OPENAI_COMPATIBLE_BASE_URL: "http://127.0.0.1:11434/v1",
      }),
    ).toEqual([
      { kind: "openai", apiKey: "sk-1", baseUrl: "http://127.0.0.1:9/v1" },
      { kind: "openai_compatible", baseUrl: "http://127.0.0.1:11434/v1" },
    ]);
  });

  it("stores the key in the vault once, creates the provider with its known models (the simulator steps aside), and never again", async () => {
    const KEY = "sk-env-ONLYONCE-0123456789abcdef0123";
    stub.reset();
    stub.modelList({ ids: ["gpt-4o-mini", "gpt-4.1-nano", "text-embedding-3-small"] });
    const s = { ...spec(), providers: initProvidersFromEnv({ CADRE_INIT_OPENAI_API_KEY: KEY, CADRE_INIT_OPENAI_BASE_URL: stub.url }) };
    const logged: string[] = [];
    const spies = (["info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
        logged.push(JSON.stringify(args));
      }) as never),
    );
    let first: Awaited<ReturnType<typeof initialise>>;
    try {
      first = await initialise(s);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(first.providers).toEqual([{ kind: "openai", status: "created", provider: "OpenAI", models: 2 }]);
    expect(stub.calls).toEqual([expect.objectContaining({ path: "/v1/models", apiKey: KEY })]);
    const workspace = await db().workspace.findUniqueOrThrow({ where: { slug: s.workspaceSlug } });
    const secret = await db().secret.findFirstOrThrow({ where: { workspaceId: workspace.id, name: "CADRE_INIT_OPENAI_API_KEY" } });
    expect(JSON.stringify(secret)).not.toContain("ONLYONCE");
    const provider = await db().provider.findFirstOrThrow({ where: { workspaceId: workspace.id, kind: "openai" }, include: { models: true } });
    expect(provider.secretId).toBe(secret.id);
    expect(provider.models.map((m) => [m.modelId, Number(m.inputPrice)]).sort()).toEqual([
      ["gpt-4.1-nano", 0.1],
      ["gpt-4o-mini", 0.15],
    ]);
    expect(logged.join("\n")).not.toContain("ONLYONCE");

    // renamed since, and the environment still holds a (different) key: left alone, nothing read or created
    await db().provider.update({ where: { id: provider.id }, data: { name: "Renamed" } });
    stub.reset();
    const again = await initialise({ ...s, providers: initProvidersFromEnv({ CADRE_INIT_OPENAI_API_KEY: "sk-env-OTHER-0123456789abcdef0123" }) });
    expect(again.providers).toEqual([{ kind: "openai", status: "exists", models: 0 }]);
    expect(stub.calls).toHaveLength(0);
    expect(await db().provider.count({ where: { workspaceId: workspace.id, kind: "openai" } })).toBe(1);
    expect(await db().secret.count({ where: { workspaceId: workspace.id } })).toBe(1);
  });

  it("a local OpenAI-compatible server (no key): every model it lists, free", async () => {
    stub.reset();
    stub.modelList({ ids: ["llama3.1:8b"] });
    const s = { ...spec(), providers: initProvidersFromEnv({ CADRE_INIT_OPENAI_COMPATIBLE_BASE_URL: stub.url }) };
    expect((await initialise(s)).providers).toEqual([{ kind: "openai_compatible", status: "created", provider: "OpenAI-compatible server", models: 4 }]);
    const workspace = await db().workspace.findUniqueOrThrow({ where: { slug: s.workspaceSlug } });
    const models = await db().model.findMany({ where: { workspaceId: workspace.id, provider: { kind: "openai_compatible" } } });
    expect(models.map((m) => m.modelId).sort()).toEqual(["llama3.1:8b", "stub-embed", "stub-large", "stub-small"]);
    expect(models.every((m) => Number(m.inputPrice) === 0 && Number(m.outputPrice) === 0)).toBe(true);
    expect((await initialise(s)).providers).toEqual([{ kind: "openai_compatible", status: "exists", models: 0 }]);
  });

  it("a model list that cannot be read leaves the provider in place with a warning, not a failed start", async () => {
    stub.reset();
    stub.modelList({ status: 500 });
    const s = {
      ...spec(),
      providers: initProvidersFromEnv({ CADRE_INIT_ANTHROPIC_API_KEY: "sk-ant-0123456789abcdef", CADRE_INIT_ANTHROPIC_BASE_URL: stub.url }),
    };
    const [result] = (await initialise(s)).providers;
    expect(result).toMatchObject({ kind: "anthropic", status: "created", provider: "Anthropic", models: 0 });
    expect(result!.warning).toMatch(/answered 500/);
  });
});

/**
 * The tool registry through its service, tRPC and REST, against the real database: the built-ins and their
 * settings rows, custom HTTP tools and the checks of their definitions, the agents granted each tool, grants on
 * agents (tools:grant), conflicts on delete and rename, the vault's "used by", audit rows, roles.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import type { z } from "zod";
import { BUILTIN_TOOL_NAMES, type createToolInputSchema } from "@/lib/schemas/tools";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { createSecret, deleteSecret, getSecret } from "@/server/vault/service";
import { archiveAgent, createAgent, updateAgent } from "@/server/agents/service";
import { appErrorOf, auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { createTool, deleteTool, getTool, listTools, updateTool } from "./service";
import { resolveTools } from "./registry";

type CreateToolInput = z.input<typeof createToolInputSchema>;
type Role = "owner" | "admin" | "member" | "viewer";
const as = (ws: TestWorkspace, role: Role = "owner") => callerFor(ws.users[role], ws.slug);
const ctxOf = (ws: TestWorkspace, role: Role = "owner"): Promise<TenantContext> => resolveUserTenant(ws.users[role], ws.slug, `req_test${uniq()}`);

const lookup = (name = `lookup_${uniq()}`): CreateToolInput => ({
  name,
  description: "Looks up an order",
  inputSchema: { type: "object", properties: { orderId: { type: "string" } }, required: ["orderId"] },
  config: { method: "GET", urlTemplate: "https://api.example.com/orders/{{orderId}}", headers: {}, bodyTemplate: null },
});

let ws: TestWorkspace;
let other: TestWorkspace;
let owner: TenantContext;
let member: TenantContext;
beforeAll(async () => {
  ws = await makeWorkspace("tools");
  other = await makeWorkspace("tools-other");
  owner = await ctxOf(ws, "owner");
  member = await ctxOf(ws, "member");
});

describe("the registry", () => {
  it("lists every built-in with the platform's defaults (no row yet), then custom tools", async () => {
    const fresh = await makeWorkspace("tools-fresh");
    const ctx = await ctxOf(fresh);
    const before = await listTools(ctx);
    expect(before.map((t) => t.name)).toEqual([...BUILTIN_TOOL_NAMES]);
    expect(before.every((t) => t.kind === "builtin" && t.id === null && t.grantedTo.length === 0 && t.config === null)).toBe(true);
    expect(before.find((t) => t.name === "http_request")?.approval).toEqual({ mode: "rule", methodsExcept: ["GET"] });

    const created = await createTool(ctx, lookup("orders"));
    const after = await listTools(ctx);
    expect(after.map((t) => t.name)).toEqual([...BUILTIN_TOOL_NAMES, "orders"]);
    expect(after.at(-1)).toMatchObject({ id: created.id, kind: "http", enabled: true, timeoutMs: 30_000, approval: { mode: "never" } });
    // by name (a built-in without a row, a custom tool) and by id
    expect(await getTool(ctx, "calculator")).toMatchObject({ id: null, kind: "builtin", name: "calculator" });
    expect(await getTool(ctx, created.id!)).toMatchObject({ name: "orders" });
    expect(await getTool(ctx, "orders")).toMatchObject({ id: created.id });
    expect((await appErrorOf(getTool(ctx, "nope"))).code).toBe("NOT_FOUND");
    expect((await appErrorOf(getTool(ctx, "tool_doesnotexist1"))).code).toBe("NOT_FOUND");
  });

  it("creates a custom HTTP tool with a bound secret: audited, the secret named but never its value", async () => {
    const secret = await createSecret(owner, { name: `ORDERS_${uniq()}`, value: "sk-super-secret-value-123456" });
    const tool = await createTool(member, {
      ...lookup(),
      config: { method: "GET", urlTemplate: "https://api.example.com/orders/{{orderId}}", headers: { Authorization: "Bearer {{secret}}" }, bodyTemplate: null },
      secretId: secret.id,
      secretHost: "api.example.com",
    });
    expect(tool).toMatchObject({ kind: "http", secretId: secret.id, secretName: secret.name, secretHost: "api.example.com" });
    expect(JSON.stringify(tool)).not.toContain("sk-super-secret");
    const [entry] = await auditRows(ws.id, "tool.create");
    expect(entry).toMatchObject({ targetType: "tool", targetId: tool.id });
    expect(entry!.metadata).toMatchObject({ name: tool.name, kind: "http", secretId: secret.id });
    expect(JSON.stringify(entry)).not.toContain("sk-super-secret");

    // the vault says who uses the secret, and will not delete it while the tool does
    expect((await getSecret(owner, secret.id)).usedBy).toEqual([{ type: "tool", id: tool.id, name: tool.name }]);
    const refused = await appErrorOf(deleteSecret(owner, secret.id));
    expect(refused.code).toBe("CONFLICT");
    expect(refused.message).toContain(`tool "${tool.name}"`);
    await deleteTool(owner, tool.id!);
    await expect(deleteSecret(owner, secret.id)).resolves.toEqual({ deleted: true });
  });

  it("refuses a bad definition with a message naming the field", async () => {
    const foreign = await createSecret(await ctxOf(other), { name: `THEIRS_${uniq()}`, value: "their-secret-value-123" });
    const problem = async (input: Partial<CreateToolInput>, config: Partial<CreateToolInput["config"]> = {}) => {
      const base = lookup();
      const error = await appErrorOf(createTool(owner, { ...base, ...input, config: { ...base.config, ...config } }));
      return { code: error.code, message: error.message, paths: ((error.details?.issues ?? []) as { path: string }[]).map((i) => i.path) };
    };
    expect(await problem({ name: "calculator" })).toMatchObject({ code: "VALIDATION_FAILED", message: expect.stringContaining("built-in"), paths: ["name"] });
    expect(await problem({ name: "tool_abcdef123" })).toMatchObject({ code: "VALIDATION_FAILED", paths: ["name"] });
    expect(await problem({}, { urlTemplate: "ftp://files.example.com/{{orderId}}" })).toMatchObject({
      message: expect.stringContaining("http:// or https://"),
      paths: ["config.urlTemplate"],
    });
    expect(await problem({}, { urlTemplate: "orders/{{orderId}}" })).toMatchObject({ message: expect.stringContaining("not a valid URL") });
    expect(await problem({}, { urlTemplate: "https://user:pw@example.com/" })).toMatchObject({ message: expect.stringContaining("credentials") });
    expect(await problem({}, { urlTemplate: "https://example.com/{{order}}" })).toMatchObject({
      message: expect.stringContaining("{{order}} is not a property"),
      paths: ["config.urlTemplate"],
    });
    expect(await problem({}, { bodyTemplate: '{"q": {{query}}}' })).toMatchObject({ paths: ["config.bodyTemplate"] });
    expect(await problem({}, { urlTemplate: "https://example.com/?key={{secret}}" })).toMatchObject({
      message: expect.stringContaining("only be used in a header value"),
    });
    expect(await problem({}, { headers: { Authorization: "Bearer {{secret}}" } })).toMatchObject({
      message: expect.stringContaining("needs a bound secret"),
      paths: ["config.headers.Authorization"],
    });
    expect(await problem({}, { headers: { "X-{{orderId}}": "1" } })).toMatchObject({ paths: ["config.headers.X-{{orderId}}"] });
    expect(await problem({}, { headers: { Host: "evil.example" } })).toMatchObject({ message: expect.stringContaining("set by Cadre") });
    expect(await problem({ secretHost: "api.example.com" })).toMatchObject({ paths: ["secretId"] });
    expect(await problem({ secretId: foreign.id })).toMatchObject({ paths: ["secretHost", "secretId"] });
    expect(await problem({ secretId: foreign.id, secretHost: "api.example.com" })).toMatchObject({
      message: expect.stringContaining("No secret with this id"),
      paths: ["secretId"],
    });
    expect(await problem({ secretId: foreign.id, secretHost: "https://api.example.com/x" })).toMatchObject({ paths: expect.arrayContaining(["secretHost"]) });
    expect(await problem({ inputSchema: { type: "object", properties: { secret: { type: "string" } } } })).toMatchObject({
      paths: ["inputSchema.properties.secret"],
    });
    // a duplicate name
    const first = await createTool(owner, lookup());
    expect(await problem({ name: first.name })).toMatchObject({ code: "CONFLICT", message: expect.stringContaining(`"${first.name}" already exists`) });
  });
});

describe("updates", () => {
  it("a built-in takes only its settings: the first change writes its row, identical updates write nothing, delete resets it", async () => {
    const refused = await appErrorOf(updateTool(member, "web_fetch", { description: "mine now", timeoutMs: 5_000 }));
    expect(refused.code).toBe("VALIDATION_FAILED");
    expect(refused.message).toContain("description cannot be changed");

    const updated = await updateTool(member, "web_fetch", { timeoutMs: 5_000, approval: { mode: "always" }, costPerCallUsd: 0.01 });
    expect(updated).toMatchObject({ kind: "builtin", name: "web_fetch", timeoutMs: 5_000, approval: { mode: "always" }, costPerCallUsd: 0.01 });
    expect(updated.id).toMatch(/^tool_/);
    expect(updated.maxResponseBytes).toBe(2 * 1024 * 1024); // the default carried into the row
    expect((await resolveTools(owner, ["web_fetch"])).get("web_fetch")).toMatchObject({ id: updated.id, timeoutMs: 5_000, approval: { mode: "always" } });
    const [entry] = await auditRows(ws.id, "tool.update");
    expect(entry!.metadata).toMatchObject({ name: "web_fetch", kind: "builtin", changed: ["timeoutMs", "costPerCallUsd", "approval"], timeoutMs: 5_000 });

    const audits = (await auditRows(ws.id, "tool.update")).length;
    const same = await updateTool(member, updated.id!, { timeoutMs: 5_000, enabled: true });
    expect(same.updatedAt).toEqual(updated.updatedAt);
    expect(await auditRows(ws.id, "tool.update")).toHaveLength(audits);

    // members cannot delete; an admin's delete of a built-in resets it to the defaults
    expect(await outcome(as(ws, "member").tools.delete({ tool: "web_fetch" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await as(ws, "admin").tools.delete({ tool: "web_fetch" })).toEqual({ deleted: true });
    expect(await getTool(owner, "web_fetch")).toMatchObject({ id: null, timeoutMs: 30_000, approval: { mode: "never" } });
    expect(await auditRows(ws.id, "tool.delete")).toEqual(expect.arrayContaining([expect.objectContaining({ targetId: updated.id })]));
  });

  it("an HTTP tool takes any field, checked as on create; a rename to a taken name is a CONFLICT", async () => {
    const tool = await createTool(owner, lookup());
    const renamed = await updateTool(owner, tool.id!, { name: `${tool.name}_v2`, config: { ...tool.config!, method: "POST" }, enabled: false });
    expect(renamed).toMatchObject({ id: tool.id, name: `${tool.name}_v2`, enabled: false, config: { method: "POST" } });
    const [entry] = await auditRows(ws.id, "tool.update");
    expect(entry!.metadata).toMatchObject({ name: `${tool.name}_v2`, previousName: tool.name, changed: ["name", "config", "enabled"] });

    const bad = await appErrorOf(updateTool(owner, tool.id!, { config: { ...tool.config!, urlTemplate: "https://example.com/{{nope}}" } }));
    expect(bad).toMatchObject({ code: "VALIDATION_FAILED", message: expect.stringContaining("{{nope}}") });
    const other = await createTool(owner, lookup());
    expect((await appErrorOf(updateTool(owner, tool.id!, { name: other.name }))).code).toBe("CONFLICT");
    expect((await appErrorOf(updateTool(owner, tool.id!, { name: "current_time" }))).code).toBe("VALIDATION_FAILED");
  });
});

describe("grants", () => {
  it("granting needs tools:grant and a tool of the workspace; taking away does not; grantedTo follows current versions", async () => {
    const tool = await createTool(owner, lookup());
    const slug = `agent-${uniq()}`;
    // a member lacks tools:grant
    const forbidden = await appErrorOf(createAgent(member, { slug, name: "A", allowedTools: ["calculator"] }));
    expect(forbidden.code).toBe("FORBIDDEN");
    expect(forbidden.message).toContain("tools:grant");
    const unknown = await appErrorOf(createAgent(owner, { slug, name: "A", allowedTools: ["calculator", "not_a_tool"] }));
    expect(unknown).toMatchObject({ code: "VALIDATION_FAILED", message: expect.stringContaining('"not_a_tool"') });
    // another workspace's tool is no tool here
    const theirs = await createTool(await ctxOf(other), lookup());
    expect((await appErrorOf(createAgent(owner, { slug, name: "A", allowedTools: [theirs.name] }))).code).toBe("VALIDATION_FAILED");

    const agent = await createAgent(owner, { slug, name: "A", allowedTools: ["calculator", tool.name] });
    expect((await auditRows(ws.id, "agent.create"))[0]!.metadata).toMatchObject({ slug, toolsGranted: ["calculator", tool.name] });
    expect((await getTool(owner, "calculator")).grantedTo).toEqual([{ agentId: agent.id, slug, name: "A" }]);
    expect((await listTools(owner)).find((t) => t.name === tool.name)?.grantedTo).toEqual([{ agentId: agent.id, slug, name: "A" }]);

    // a member may edit the agent (its grants carried over) and take a tool away, not add one
    await updateAgent(member, slug, { instructions: "be brief" });
    expect((await appErrorOf(updateAgent(member, slug, { allowedTools: ["calculator", tool.name, "current_time"] }))).code).toBe("FORBIDDEN");
    await updateAgent(member, slug, { allowedTools: [tool.name] });
    expect((await auditRows(ws.id, "agent.update"))[0]!.metadata).toMatchObject({ slug, toolsRevoked: ["calculator"] });
    expect((await getTool(owner, "calculator")).grantedTo).toEqual([]);

    // deleting or renaming a granted tool names the agent
    const del = await appErrorOf(deleteTool(owner, tool.name));
    expect(del.code).toBe("CONFLICT");
    expect(del.message).toContain(`"${slug}"`);
    expect((await appErrorOf(updateTool(owner, tool.name, { name: `${tool.name}_x` }))).message).toContain(`"${slug}"`);
    // an archived agent grants nothing
    await archiveAgent(owner, slug);
    expect((await getTool(owner, tool.name)).grantedTo).toEqual([]);
    await expect(deleteTool(owner, tool.name)).resolves.toEqual({ deleted: true });
    expect((await auditRows(ws.id, "tool.delete"))[0]).toMatchObject({ targetId: tool.id, metadata: { name: tool.name, kind: "http" } });
    expect(await db().tool.count({ where: { id: tool.id! } })).toBe(0);
  });
});

describe("tRPC and REST", () => {
  it("tRPC: list, get, create, update, delete; a viewer reads and is FORBIDDEN to write", async () => {
    const created = await as(ws, "member").tools.create(lookup());
    expect(created.kind).toBe("http");
    expect((await as(ws, "viewer").tools.list()).map((t) => t.name)).toContain(created.name);
    expect(await as(ws, "viewer").tools.get({ tool: created.name })).toMatchObject({ id: created.id });
    expect(await outcome(as(ws, "viewer").tools.create(lookup()))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(as(ws, "viewer").tools.update({ tool: created.name, enabled: false }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await as(ws, "member").tools.update({ tool: created.name, rateLimitPerMinute: 10 })).toMatchObject({ rateLimitPerMinute: 10 });
    expect(await as(ws, "owner").tools.delete({ tool: created.id! })).toEqual({ deleted: true });
  });

  it("REST: the same with API keys; a viewer's key gets 403 on create", async () => {
    const key = (await makeApiKey(ws, "member")).raw;
    const viewerKey = (await makeApiKey(ws, "viewer")).raw;
    const adminKey = (await makeApiKey(ws, "admin")).raw;
    const body = lookup();
    const created = await rest("POST", "/api/v1/tools", { key, body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: body.name, kind: "http", secretName: null, grantedTo: [] });
    const list = await rest("GET", "/api/v1/tools", { key: viewerKey });
    expect(list.status).toBe(200);
    expect(list.body.data.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining([...BUILTIN_TOOL_NAMES, body.name]));
    expect((await rest("GET", "/api/v1/tools/{toolId}", { key: viewerKey, params: { toolId: created.body.id } })).body.name).toBe(body.name);
    expect((await rest("GET", "/api/v1/tools/{toolId}", { key: viewerKey, params: { toolId: "web_fetch" } })).body).toMatchObject({ kind: "builtin" });

    const patched = await rest("PATCH", "/api/v1/tools/{toolId}", {
      key,
      params: { toolId: body.name },
      body: { approval: { mode: "rule", hostsExcept: ["api.example.com"] } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.approval).toEqual({ mode: "rule", hostsExcept: ["api.example.com"] });
    const builtin = await rest("PATCH", "/api/v1/tools/{toolId}", { key, params: { toolId: "calculator" }, body: { inputSchema: { type: "object" } } });
    expect(builtin.status).toBe(422);
    expect(builtin.body.error.issues).toEqual([{ path: "inputSchema", message: expect.stringContaining("cannot be changed") }]);

    const viewerCreate = await rest("POST", "/api/v1/tools", { key: viewerKey, body: lookup() });
    expect(viewerCreate.status).toBe(403);
    expect((await rest("DELETE", "/api/v1/tools/{toolId}", { key, params: { toolId: body.name } })).status).toBe(403);
    expect((await rest("DELETE", "/api/v1/tools/{toolId}", { key: adminKey, params: { toolId: body.name } })).body).toEqual({ deleted: true });
    expect((await rest("GET", "/api/v1/tools/{toolId}", { key, params: { toolId: body.name } })).status).toBe(404);
  });
});

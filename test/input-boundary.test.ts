/**
 * Every string that enters through an API is checked at the boundary: each tRPC procedure and each REST route gets
 * NUL and an unpaired surrogate in every string field of its input schema (found by walking the schema), and must
 * answer a validation error naming that field, never a 5xx, with nothing written. The schemas themselves refuse
 * such text at each string field (`text()` in lib/schemas/text.ts), and objects refuse unknown keys.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ZodError, type z } from "zod";
import { AppError } from "@/lib/errors";
import { UNSAFE_TEXT_MESSAGE } from "@/lib/schemas/text";
import { appRouter } from "@/server/api/root";
import { testDb } from "@/test/db";
import { executeRoute, type AnyRestRoute } from "@/server/rest/define";
import { restRoutes } from "@/server/rest/routes";
import { callerFor, makeApiKey, procedureAt } from "@/test/helpers";
import { forgetApiRateLimit } from "@/server/http/rate-limit";
import { addAgent, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { leaves, OMIT, sample, setAt, type Leaf, type Path } from "@/test/zod-walk";

const BAD = { nul: "bad\u0000value", surrogate: "bad\uD800value" } as const;

/** Well-formed provider settings (each field has a format of its own). */
const PROVIDER_SETTINGS = { "settings.apiVersion": "v1", "settings.region": "us-east-1", "settings.project": "cadre-test", "settings.location": "us-central1" };

/** Fields a valid sample needs beyond the schema's required ones (cross-field rules, strong passwords...). */
function overridesFor(name: string, target?: Path): Record<string, unknown> {
  const at = target?.join(".");
  switch (name) {
    case "evaluations.create":
    case "POST /api/v1/evaluations":
      return at === "team" ? {} : { agent: "writer" };
    case "runs.start":
    case "POST /api/v1/runs":
    case "sessions.create":
    case "POST /api/v1/sessions":
    case "triggers.create":
    case "POST /api/v1/webhook-triggers":
      return at === "team" ? {} : { agent: "writer" };
    case "schedules.create":
    case "POST /api/v1/schedules":
      // exactly one target; a cron expression and a time zone have formats of their own
      return { ...(at === "team" ? {} : { agent: "writer" }), cron: "0 9 * * *", timezone: "UTC" };
    case "schedules.update":
    case "PATCH /api/v1/schedules/{scheduleId}":
      return { cron: "0 9 * * *", timezone: "UTC" };
    case "pii.update":
    case "PUT /api/v1/workspace/pii":
      // a country code from libphonenumber-js's list
      return { phoneRegion: "GB" };
    case "pii.preview":
    case "POST /api/v1/workspace/pii/preview":
      return { "policy.phoneRegion": "GB" };
    case "audit.list":
    case "audit.export":
    case "GET /api/v1/audit":
    case "GET /api/v1/audit/export":
      return { action: "agent." };
    case "auth.signUp":
      return { password: "Correct-horse-battery-9" };
    case "account.changePassword":
      return { currentPassword: "Old-horse-battery-1", newPassword: "Correct-horse-battery-9" };
    case "providers.create":
    case "POST /api/v1/providers":
      return at?.startsWith("settings.") ? PROVIDER_SETTINGS : {};
    case "providers.update":
    case "PATCH /api/v1/providers/{providerId}":
      return at === "enabled" ? {} : { enabled: true, ...(at?.startsWith("settings.") ? PROVIDER_SETTINGS : {}) };
    case "models.update":
    case "PATCH /api/v1/models/{modelId}":
      return at === "enabled" ? {} : { enabled: true };
    case "secrets.update":
    case "PATCH /api/v1/secrets/{secretId}":
      return at === "description" ? {} : { description: "d" };
    case "memories.create":
    case "POST /api/v1/memories":
      // a scope with an id is not the workspace scope
      return at === "scope.id" ? { "scope.type": "subject" } : {};
    case "memories.recall":
    case "POST /api/v1/memories/recall":
      return at === "scopes.0.id" ? { "scopes.0.type": "subject" } : {};
    case "memoryModels.set":
    case "PUT /api/v1/memory-models":
      // a scope id names a scope of a type (not the workspace's); the policy is required (null removes the setting)
      return { ...(at === "scopeId" ? { scopeType: "subject" } : {}), ...(at?.startsWith("policy") ? {} : { policy: { type: "preset", preset: "fast" } }) };
    case "memoryModels.reembeds":
    case "GET /api/v1/memory-reembeds":
      return at === "scopeId" ? { scopeType: "subject" } : {};
    case "memoryDocuments.create":
    case "POST /api/v1/memory-documents":
      // the document is `text` or `contentBase64`, one of them
      return { ...(at === "scope.id" ? { "scope.type": "subject" } : {}), ...(at === "contentBase64" ? {} : { text: "t" }) };
    case "memories.updateSettings":
    case "PUT /api/v1/memory-settings body":
    case "PUT /api/v1/memory-settings":
      // PUT is the whole settings: the nullable fields too
      return { decayHalfLifeDays: null, maxMemories: null, ...(at === "ttl.0.scopeId" ? { "ttl.0.scopeType": "subject" } : {}) };
    default:
      return {};
  }
}

const procedures = Object.entries(appRouter._def.procedures).flatMap(([path, procedure]) => {
  const inputs = (procedure as unknown as { _def: { inputs: z.ZodType[] } })._def.inputs;
  return inputs.length === 1 ? [{ name: path, schema: inputs[0]! }] : [];
});

const restSchemas = restRoutes.flatMap((route) =>
  (["params", "query", "body"] as const).flatMap((part) =>
    route[part] ? [{ name: `${route.method} ${route.path}`, part, route, schema: route[part] as z.ZodType }] : [],
  ),
);

const valueAt = (root: unknown, path: Path) => path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], root);

function valid(name: string, schema: z.ZodType, leaf?: Leaf): unknown {
  const overrides = overridesFor(name, leaf?.path);
  const base = sample(schema, undefined, overrides);
  if (!leaf) return base;
  const own = overrides[leaf.path.join(".")] ?? valueAt(sample(schema, { path: leaf.path, value: sample(leaf.schema) }, overrides), leaf.path);
  return setAt(sample(schema, { path: leaf.path, value: own }, overrides), leaf.path, own);
}

function issuesOf(error: unknown): { path: string; message: string }[] {
  let e: unknown = error;
  for (let i = 0; i < 3 && e; i++) {
    if (e instanceof ZodError) return e.issues.map((x) => ({ path: x.path.join("."), message: x.message }));
    if (e instanceof AppError) return (e.details?.issues as { path: string; message: string }[] | undefined) ?? [{ path: "", message: e.message }];
    e = (e as { cause?: unknown }).cause;
  }
  return [];
}

describe("the input schemas", () => {
  it("cover every procedure with input and every REST params/query/body", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(50);
    expect(restSchemas.length).toBeGreaterThanOrEqual(40);
  });

  const all = [
    ...procedures.map((p) => ({ ...p, label: p.name })),
    ...restSchemas.map((r) => ({ name: r.name, schema: r.schema, label: `${r.name} ${r.part}` })),
  ];
  it.each(all)("$label: every string field refuses NUL and unpaired surrogates at its path", ({ name, schema }) => {
    for (const leaf of leaves(schema).filter((l) => l.kind === "string")) {
      const at = leaf.path.join(".");
      const control = valid(name, schema, leaf);
      const controlIssues = schema.safeParse(control).error?.issues ?? [];
      expect(controlIssues, `${name} ${at}: the control sample must be valid`).toEqual([]);
      for (const bad of Object.values(BAD)) {
        const result = schema.safeParse(setAt(control, leaf.path, bad));
        expect(result.success, `${name} ${at} accepted ${JSON.stringify(bad)}`).toBe(false);
        const issues = result.error!.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
        expect(issues, `${name} ${at}`).toContainEqual({ path: at, message: UNSAFE_TEXT_MESSAGE });
      }
    }
  });

  it.each(all)("$label: objects refuse unknown keys, naming them", ({ name, schema }) => {
    const base = valid(name, schema);
    if (base === OMIT || base === null || typeof base !== "object" || Array.isArray(base)) return;
    const result = schema.safeParse({ ...base, sneaky_extra: 1 });
    expect(result.success, `${name} accepted an unknown key`).toBe(false);
    expect(
      result.error!.issues.some((i) => i.code === "unrecognized_keys" && i.message.includes("sneaky_extra")),
      name,
    ).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// End to end: through the tRPC middlewares and the REST executor, against the database

let rw: RunWorkspace;
let ownerKey: string;
beforeAll(async () => {
  rw = await makeRunWorkspace("boundary");
  await addAgent(rw.ctx, "writer");
  ownerKey = (await makeApiKey(rw.ws, "owner")).raw;
  // one key sends a request per route and field, more than the default rate limit allows in a minute
  await testDb().workspace.update({ where: { id: rw.ws.id }, data: { apiRateLimitPerMinute: 1_000_000 } });
  forgetApiRateLimit(rw.ws.id);
});

let fingerprintSql: string | undefined;

/**
 * A fingerprint of everything the workspace owns (every table with a workspaceId), plus the global users and
 * workspaces: one statement (a query per table was most of this file's time).
 */
async function fingerprint(): Promise<Record<string, string>> {
  if (!fingerprintSql) {
    const tables = await testDb().$queryRaw<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.columns WHERE column_name = 'workspaceId' AND table_schema = current_schema() ORDER BY table_name`;
    const parts = tables.map(
      ({ table_name: t }) =>
        // an API key's lastUsedAt moves with every REST call: that is not a write of the input
        `SELECT '${t}' AS t, md5(coalesce(string_agg((to_jsonb(x) - 'lastUsedAt')::text, '|' ORDER BY x::text), '')) AS h FROM "${t}" x WHERE "workspaceId" = $1`,
    );
    parts.push(`SELECT 'users', count(*)::text FROM "User"`, `SELECT 'workspaces', count(*)::text FROM "Workspace"`);
    fingerprintSql = parts.join("\nUNION ALL ");
  }
  const rows = await testDb().$queryRawUnsafe<{ t: string; h: string }[]>(fingerprintSql, rw.ws.id);
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
}

describe("tRPC: every procedure, every string field", () => {
  it.each(procedures)("$name", async ({ name, schema }) => {
    const caller = callerFor(rw.ws.users.owner, rw.ws.slug);
    const before = await fingerprint();
    for (const leaf of leaves(schema)) {
      const at = leaf.path.join(".");
      for (const bad of Object.values(BAD)) {
        const input = setAt(valid(name, schema, leaf), leaf.path, bad);
        let error: unknown;
        try {
          await procedureAt(caller, name)(input);
        } catch (e) {
          error = e;
        }
        expect(error, `${name} ${at}: accepted ${JSON.stringify(bad)}`).toBeDefined();
        const code = (error as { code?: string }).code;
        expect(code, `${name} ${at}: ${String(error)}`).toBe("UNPROCESSABLE_CONTENT");
        expect(
          issuesOf(error).map((i) => i.path),
          `${name} ${at}`,
        ).toContain(at);
      }
    }
    expect(await fingerprint(), `${name} wrote something`).toEqual(before);
  });
});

function placeholderParams(route: AnyRestRoute): Record<string, string> {
  return route.params ? (valid(`${route.method} ${route.path}`, route.params) as Record<string, string>) : {};
}

async function callRest(route: AnyRestRoute, parts: { params?: unknown; query?: unknown; body?: unknown }) {
  const params = (parts.params ?? placeholderParams(route)) as Record<string, string>;
  let url = `http://localhost:3000${route.path}`;
  for (const [k, v] of Object.entries(params)) url = url.replace(`{${k}}`, encodeURIComponent(v));
  const query = parts.query as Record<string, unknown> | undefined;
  if (query) url += `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`;
  const body = parts.body === undefined ? undefined : JSON.stringify(parts.body);
  const res = await executeRoute(
    route,
    new Request(url, { method: route.method, headers: { authorization: `Bearer ${ownerKey}`, "content-type": "application/json" }, body }),
    params,
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe("REST: every route, every string field of its params, query and body", () => {
  it.each(restRoutes.map((route) => ({ route, name: `${route.method} ${route.path}` })))("$name", async ({ route, name }) => {
    const before = await fingerprint();
    for (const part of ["params", "query", "body"] as const) {
      const schema = route[part] as z.ZodType | undefined;
      if (!schema) continue;
      for (const leaf of leaves(schema)) {
        const at = leaf.path.join(".");
        // a URL cannot carry an unpaired surrogate (it arrives as U+FFFD): only NUL there
        for (const bad of part === "body" ? Object.values(BAD) : [BAD.nul]) {
          const value = setAt(valid(name, schema, leaf), leaf.path, bad);
          const parts = {
            params: undefined as unknown,
            query: route.query ? valid(name, route.query) : undefined,
            body: route.body ? valid(name, route.body) : undefined,
            [part]: value,
          };
          const res = await callRest(route, parts);
          // the OpenAI-compatible routes answer OpenAI's 400, with Cadre's code as `cadre_code`
          expect(res.status, `${name} ${part}.${at}: ${JSON.stringify(res.body)}`).toBe(route.errorFormat ? 400 : 422);
          expect(res.body.error.cadre_code ?? res.body.error.code).toBe("VALIDATION_FAILED");
          expect(
            (res.body.error.issues as { path: string }[]).map((i) => i.path),
            `${name} ${part}.${at}`,
          ).toContain(at);
        }
      }
    }
    expect(await fingerprint(), `${name} wrote something`).toEqual(before);
  });
});

import { describe, expect, it } from "vitest";
import { errorStatusesOf, openApiDocument, openApiJson } from "@/server/rest/openapi";
import { GET as serveOpenApi } from "@/app/api/v1/openapi.json/route";
import { orgRoutes, restRoutes } from "@/server/rest/routes";

type Operation = {
  operationId?: string;
  "x-cadre-requires"?: string;
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
  requestBody?: unknown;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Record<string, unknown> }[];
};

describe("OpenAPI document", () => {
  const doc = openApiDocument();
  const paths = doc.paths as Record<string, Record<string, Operation>>;

  it("is OpenAPI 3.1.0 with bearer-key security", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Cadre API");
    expect(doc.components?.securitySchemes?.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("has an operation for every REST route, with its method, permission, parameters and error responses", () => {
    for (const route of restRoutes) {
      const op = paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op!["x-cadre-requires"]).toBe(route.requires);
      const also = route.kind !== "stream" && route.alsoAnswers ? Object.keys(route.alsoAnswers) : [];
      expect(Object.keys(op!.responses ?? {}).sort()).toEqual([String(route.status ?? 200), ...also, ...[...errorStatusesOf(route).keys()].map(String)].sort());
      expect(Object.keys(op!.responses ?? {})).toEqual(expect.arrayContaining(["401", "429"]));
      for (const name of route.path.matchAll(/\{(\w+)\}/g)) {
        expect(
          op!.parameters?.some((p) => p.in === "path" && p.name === name[1]),
          `${route.path} declares ${name[1]}`,
        ).toBe(true);
      }
      expect(Boolean(op!.requestBody), `${route.method} ${route.path} body`).toBe(Boolean(route.body));
    }
    const operationCount = Object.values(paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(operationCount).toBe(restRoutes.length + orgRoutes.length);
  });

  it("names the shared schemas, Member among them", () => {
    const schemas = doc.components?.schemas as Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(["Member", "Invitation", "ApiKey", "AuditEntry", "Error", "Me", "Role"]));
    expect(Object.keys(schemas.Member!.properties!).sort()).toEqual(["email", "id", "joinedAt", "name", "role", "userId"]);
    expect(JSON.stringify(paths["/api/v1/members"]!.get!.responses)).toContain("#/components/schemas/Member");
    // never documents a stored secret
    expect(JSON.stringify(doc)).not.toMatch(/keyHash|passwordHash|tokenHash/);
  });

  it("lists the event streams as text/event-stream (with their JSON page), and not the web app's session streams", () => {
    const op = paths["/api/v1/runs/{runId}/events"]!.get as Operation & {
      "x-cadre-stream"?: boolean;
      responses: Record<string, { content: Record<string, unknown> }>;
    };
    expect(op["x-cadre-stream"]).toBe(true);
    expect(op["x-cadre-requires"]).toBe("runs:read");
    expect(Object.keys(op.responses["200"]!.content).sort()).toEqual(["application/json", "text/event-stream"]);
    expect(op.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual(["path:runId", "query:after", "query:limit"]);
    expect(paths["/api/runs/{runId}/events"]).toBeUndefined();
  });

  it("has a unique, camelCase operationId on every operation, stable for the main routes", () => {
    const ids = Object.values(paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids).toHaveLength(restRoutes.length + orgRoutes.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    const idOf = (method: string, path: string) => paths[path]![method]!.operationId;
    expect([
      idOf("post", "/api/v1/runs"),
      idOf("get", "/api/v1/runs"),
      idOf("get", "/api/v1/runs/{runId}"),
      idOf("post", "/api/v1/runs/{runId}/cancel"),
      idOf("get", "/api/v1/runs/{runId}/events"),
      idOf("get", "/api/v1/agents/{agentId}/versions"),
      idOf("patch", "/api/v1/teams/{teamId}"),
      idOf("delete", "/api/v1/api-keys/{keyId}"),
      idOf("get", "/api/v1/me"),
      idOf("post", "/api/v1/models/route"),
    ]).toEqual(["startRun", "listRuns", "getRun", "cancelRun", "listRunEvents", "listAgentVersions", "updateTeam", "revokeApiKey", "getMe", "explainRoute"]);
  });

  it("documents the error statuses each route really answers, not one list for all", () => {
    const statuses = (method: string, path: string) => Object.keys(paths[path]![method]!.responses!).sort();
    // starting a run: 200/202 with `wait`; the body, the idempotency key, the budget, the team or agent, Inngest
    expect(statuses("post", "/api/v1/runs")).toEqual(["200", "201", "202", "400", "401", "402", "403", "404", "409", "413", "422", "429", "502"]);
    // who am I: only authentication and the rate limit can fail
    expect(statuses("get", "/api/v1/me")).toEqual(["200", "401", "429"]);
    // a list has no 404 and pages with a cursor (400 INVALID_CURSOR, 422 for a bad limit); a read by id has no 413
    expect(statuses("get", "/api/v1/members")).toEqual(["200", "400", "401", "403", "422", "429"]);
    expect(paths["/api/v1/members"]!.get!.responses!["400"]!.description).toMatch(/INVALID_CURSOR/);
    expect(statuses("get", "/api/v1/runs/{runId}")).toEqual(["200", "401", "403", "404", "422", "429"]);
    expect(statuses("post", "/api/v1/runs/{runId}/cancel")).toEqual(["200", "401", "403", "404", "409", "422", "429"]);
    expect(new Set(Object.values(paths).flatMap((ops) => Object.values(ops).map((op) => Object.keys(op.responses!).sort().join(",")))).size).toBeGreaterThan(5);
    const runs = paths["/api/v1/runs"]!.post!.responses!;
    expect(runs["402"]!.description).toMatch(/budget/);
    expect(runs["409"]!.description).toMatch(/IDEMPOTENCY_KEY_IN_FLIGHT/);
    expect(runs["422"]!.description).toMatch(/IDEMPOTENCY_KEY_REUSED/);
  });

  it("documents the Idempotency-Key header on every idempotent route, and only there", () => {
    for (const route of restRoutes) {
      const op = paths[route.path]![route.method.toLowerCase()]!;
      const header = op.parameters?.find((p) => p.in === "header" && p.name === "Idempotency-Key");
      const idempotent = route.kind !== "stream" && route.idempotent === true;
      expect(Boolean(header), `${route.method} ${route.path}`).toBe(idempotent);
      if (header) expect(header).toMatchObject({ required: false, schema: { type: "string", minLength: 1, maxLength: 255 } });
    }
    const header = paths["/api/v1/runs"]!.post!.parameters!.find((p) => p.name === "Idempotency-Key")!;
    expect(header.description).toMatch(/24 hours/);
    expect(header.description).toMatch(/422/);
    expect(header.description).toMatch(/409/);
  });

  it("is built once per process: the same object every time, and the served JSON is that document", async () => {
    expect(openApiDocument()).toBe(doc);
    expect(openApiJson()).toBe(openApiJson());
    const res = serveOpenApi();
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

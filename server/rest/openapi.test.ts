import { describe, expect, it } from "vitest";
import { openApiDocument } from "@/server/rest/openapi";
import { restRoutes } from "@/server/rest/routes";

type Operation = { "x-cadre-requires"?: string; responses?: Record<string, unknown>; requestBody?: unknown; parameters?: { name: string; in: string }[] };

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
      expect(Object.keys(op!.responses ?? {})).toEqual(expect.arrayContaining([String(route.status ?? 200), "401", "403", "404", "422"]));
      for (const name of route.path.matchAll(/\{(\w+)\}/g)) {
        expect(op!.parameters?.some((p) => p.in === "path" && p.name === name[1]), `${route.path} declares ${name[1]}`).toBe(true);
      }
      expect(Boolean(op!.requestBody), `${route.method} ${route.path} body`).toBe(Boolean(route.body));
    }
    const operationCount = Object.values(paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(operationCount).toBe(restRoutes.length);
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
    const op = paths["/api/v1/runs/{runId}/events"]!.get as Operation & { "x-cadre-stream"?: boolean; responses: Record<string, { content: Record<string, unknown> }> };
    expect(op["x-cadre-stream"]).toBe(true);
    expect(op["x-cadre-requires"]).toBe("runs:read");
    expect(Object.keys(op.responses["200"]!.content).sort()).toEqual(["application/json", "text/event-stream"]);
    expect(op.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual(["path:runId", "query:after", "query:limit"]);
    expect(paths["/api/runs/{runId}/events"]).toBeUndefined();
  });
});

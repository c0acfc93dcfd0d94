/**
 * The committed SDK files are what the current OpenAPI document generates (so the SDKs cannot drift from the API: after
 * a route or schema change, run `npm run sdk:generate`), and the emitters' type mapping on the shapes the document uses.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "@/server/rest/openapi";
import { sdkFiles } from "./files";
import type { OpenApiDoc } from "./openapi-model";
import { pyType, snake } from "./python";
import { tsType } from "./typescript";

const root = path.resolve(import.meta.dirname, "../..");

describe("generated SDK files", () => {
  const files = sdkFiles(openApiDocument() as unknown as OpenApiDoc);

  it.each(Object.keys(files))("%s is up to date (else run `npm run sdk:generate`)", (file) => {
    const committed = readFileSync(path.join(root, file), "utf8");
    expect(committed === files[file], `${file} differs from what the OpenAPI document generates: run \`npm run sdk:generate\``).toBe(true);
  });

  it("has one Python method and one typed operation per operationId", () => {
    const operations = Object.values(openApiDocument().paths ?? {}).flatMap((item) =>
      Object.values(item as Record<string, { operationId?: string }>).flatMap((op) => (op.operationId ? [op.operationId] : [])),
    );
    const python = files["packages/sdk-python/cadre_sdk/client.py"]!;
    const ts = files["packages/sdk-ts/src/generated/openapi.ts"]!;
    for (const id of operations) {
      expect(python, id).toContain(`    def ${snake(id)}(self`);
      expect(ts, id).toContain(`  ${id}: {\n    parameters:`);
    }
  });
});

describe("type mapping", () => {
  it("TypeScript: refs, nullable unions, enums, consts, arrays, records and objects", () => {
    expect(tsType({ $ref: "#/components/schemas/Run" })).toBe('components["schemas"]["Run"]');
    expect(tsType({ type: ["string", "null"] })).toBe("string | null");
    expect(tsType({ anyOf: [{ type: "integer" }, { type: "null" }] })).toBe("number | null");
    expect(tsType({ type: "string", enum: ["a", "b"] })).toBe('"a" | "b"');
    expect(tsType({ const: "pinned" })).toBe('"pinned"');
    expect(tsType({ type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } })).toBe("(string | number)[]");
    expect(tsType({ type: "object", propertyNames: { type: "string" }, additionalProperties: { type: "number" } })).toBe("{\n  [key: string]: number;\n}");
    expect(
      tsType({
        type: "object",
        properties: { "a-b": { type: "string", description: "x" }, c: { type: "boolean" } },
        required: ["c"],
        additionalProperties: false,
      }),
    ).toBe('{\n  /** x */\n  "a-b"?: string;\n  c: boolean;\n}');
  });

  it("Python: forward references, Optional, Literal, List and Dict", () => {
    expect(pyType({ $ref: "#/components/schemas/Run" })).toBe('"Run"');
    expect(pyType({ type: ["string", "null"] })).toBe("Optional[str]");
    expect(pyType({ anyOf: [{ $ref: "#/components/schemas/A" }, { type: "null" }] })).toBe('Optional["A"]');
    expect(pyType({ enum: ["x", "y"] })).toBe('Literal["x", "y"]');
    expect(pyType({ type: "array", items: { type: "integer" } })).toBe("List[int]");
    expect(pyType({ type: "object", additionalProperties: { type: "boolean" } })).toBe("Dict[str, bool]");
    expect(pyType({})).toBe("Any");
    expect(snake("listAgentVersions")).toBe("list_agent_versions");
  });
});

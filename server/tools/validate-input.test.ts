import { describe, expect, it } from "vitest";
import { BUILTIN_DEFINITIONS } from "./builtin/definitions";
import { validateInput } from "./validate-input";

const http = BUILTIN_DEFINITIONS.http_request.inputSchema;
const custom = {
  type: "object",
  properties: {
    query: { type: "string", maxLength: 10 },
    limit: { type: "integer" },
    ratio: { type: "number" },
    exact: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
    sort: { type: "string", enum: ["asc", "desc"] },
  },
  required: ["query"],
  additionalProperties: false,
};

describe("validateInput", () => {
  it("accepts what the schema allows", () => {
    expect(validateInput(http, { url: "https://example.com", method: "POST", headers: { a: "b" }, body: "{}" })).toEqual({
      ok: true,
      value: { url: "https://example.com", method: "POST", headers: { a: "b" }, body: "{}" },
    });
    expect(validateInput(custom, { query: "abc", limit: 3, ratio: 0.5, exact: true, tags: ["x"], sort: "asc" }).ok).toBe(true);
    expect(validateInput({ type: "object" }, { anything: 1 }).ok).toBe(true);
  });

  it.each([
    ["a missing required argument", http, { method: "GET" }, "at url"],
    ["a value outside an enum", http, { url: "https://x.test", method: "TRACE" }, "at method"],
    ["a header value that is not a string", http, { url: "https://x.test", headers: { a: 1 } }, "at headers.a"],
    ["an unknown argument", custom, { query: "a", extra: 1 }, "extra"],
    ["a string over maxLength", custom, { query: "x".repeat(11) }, "at query"],
    ["a fraction for an integer", custom, { query: "a", limit: 1.5 }, "at limit"],
    ["a string for a number", custom, { query: "a", ratio: "1" }, "at ratio"],
    ["a string for a boolean", custom, { query: "a", exact: "yes" }, "at exact"],
    ["an array item of the wrong type", custom, { query: "a", tags: [1] }, "at tags[0]"],
    ["not an object", custom, "query", "expected object"],
  ])("refuses %s with a readable message", (_name, schema, input, says) => {
    const check = validateInput(schema, input);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.message).toMatch(/^invalid arguments:\n/);
      expect(check.message).toContain(says);
    }
  });

  it("a schema it cannot read fails closed", () => {
    const check = validateInput({ type: "object", properties: { a: { $ref: "#/definitions/missing" } } }, { a: 1 });
    expect(check).toMatchObject({ ok: false, message: expect.stringContaining("cannot be checked") });
  });
});

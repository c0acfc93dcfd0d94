import { z } from "zod";
import { hasUnsafeText } from "./text";

/**
 * A team's output schema: a JSON Schema object the final answer must match (server/topologies/output-check.ts).
 * Checked when the team is saved, with no dependency beyond zod: bounded size and depth, the common keywords with
 * well-formed values (a `type` JSON Schema knows, `properties` an object of schemas, `required` a list of names,
 * a `pattern` that compiles...), and zod's `z.fromJSONSchema` able to build a validator from it (unsupported
 * types, unresolvable `$ref`s). Unknown keywords are allowed, as JSON Schema ignores them.
 */
export const OUTPUT_SCHEMA_MAX_CHARS = 16_000;
export const OUTPUT_SCHEMA_MAX_DEPTH = 16;

const TYPES = ["string", "number", "integer", "boolean", "object", "array", "null"] as const;
const SCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;
const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions"] as const;
const SCHEMA_ONES = ["not", "if", "then", "else", "contains", "propertyNames"] as const;
const MAYBE_BOOLEAN_SCHEMAS = ["items", "additionalProperties", "unevaluatedProperties"] as const;
const COUNTS = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"] as const;
const NUMBERS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"] as const;

type Problem = { path: (string | number)[]; message: string };

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function compiles(pattern: unknown): boolean {
  if (typeof pattern !== "string") return false;
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}

/** Every structural problem of a JSON Schema (sub)schema, with its path inside the schema. */
function schemaProblems(node: unknown, path: (string | number)[], depth: number, out: Problem[]): void {
  if (typeof node === "boolean") return;
  if (!isPlainObject(node)) return void out.push({ path, message: "A schema must be an object (or true/false)" });
  if (depth > OUTPUT_SCHEMA_MAX_DEPTH) return void out.push({ path, message: `Nested deeper than ${OUTPUT_SCHEMA_MAX_DEPTH} levels` });
  const at = (key: string | number) => [...path, key];
  if ("type" in node) {
    const types = Array.isArray(node.type) ? node.type : [node.type];
    if (types.length === 0 || !types.every((t) => (TYPES as readonly unknown[]).includes(t)))
      out.push({ path: at("type"), message: `Unknown type: use ${TYPES.join(", ")}` });
  }
  if ("required" in node && !(Array.isArray(node.required) && node.required.every((r) => typeof r === "string")))
    out.push({ path: at("required"), message: "required must be a list of property names" });
  if ("enum" in node && !Array.isArray(node.enum)) out.push({ path: at("enum"), message: "enum must be a list" });
  if ("pattern" in node && !compiles(node.pattern)) out.push({ path: at("pattern"), message: "pattern must be a valid regular expression" });
  for (const key of COUNTS)
    if (key in node && !(Number.isInteger(node[key]) && (node[key] as number) >= 0))
      out.push({ path: at(key), message: `${key} must be a non-negative integer` });
  for (const key of NUMBERS) if (key in node && typeof node[key] !== "number") out.push({ path: at(key), message: `${key} must be a number` });
  for (const key of SCHEMA_MAPS) {
    if (!(key in node)) continue;
    const map = node[key];
    if (!isPlainObject(map)) out.push({ path: at(key), message: `${key} must be an object of schemas` });
    else for (const [name, sub] of Object.entries(map)) schemaProblems(sub, [...at(key), name], depth + 1, out);
  }
  for (const key of SCHEMA_LISTS) {
    if (!(key in node)) continue;
    const list = node[key];
    if (!Array.isArray(list) || list.length === 0) out.push({ path: at(key), message: `${key} must be a non-empty list of schemas` });
    else list.forEach((sub, i) => schemaProblems(sub, [...at(key), i], depth + 1, out));
  }
  for (const key of [...SCHEMA_ONES, ...MAYBE_BOOLEAN_SCHEMAS]) if (key in node) schemaProblems(node[key], at(key), depth + 1, out);
}

/** The problems of an output schema (empty: usable). */
export function outputSchemaProblems(schema: Record<string, unknown>): Problem[] {
  const json = JSON.stringify(schema);
  if (json.length > OUTPUT_SCHEMA_MAX_CHARS) return [{ path: [], message: `At most ${OUTPUT_SCHEMA_MAX_CHARS} characters of JSON, got ${json.length}` }];
  if (hasUnsafeText(json)) return [{ path: [], message: "Contains a NUL character or an unpaired UTF-16 surrogate" }];
  const problems: Problem[] = [];
  schemaProblems(schema, [], 0, problems);
  if (problems.length > 0) return problems;
  try {
    z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    problems.push({ path: [], message: `Not a usable JSON Schema: ${error instanceof Error ? error.message : String(error)}` });
  }
  return problems;
}

/** A validator for the final answer, from a schema that passed `outputSchemaProblems`. */
export function outputValidator(schema: Record<string, unknown>): z.ZodType {
  return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
}

export const outputSchemaSchema = z
  .record(z.string(), z.unknown())
  .superRefine((schema, ctx) => {
    for (const p of outputSchemaProblems(schema)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  })
  .describe("a JSON Schema (object) the team's final answer must match; the run fails OUTPUT_INVALID when it does not");

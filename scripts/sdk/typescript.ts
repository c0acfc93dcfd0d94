/**
 * Emits the TypeScript types of the SDK (packages/sdk-ts/src/generated/openapi.ts) from the OpenAPI document, in the
 * shape openapi-typescript gives (`paths`, `components`, `operations`), which is what openapi-fetch's typed client reads.
 * Written here because openapi-typescript does not support TypeScript 7.
 */
import { type JsonSchema, METHODS, type OpenApiDoc, type OperationObject, type Parameter, isIdentifier, operationsOf, refName, typesOf } from "./openapi-model";

const key = (name: string) => (isIdentifier(name) ? name : JSON.stringify(name));

function comment(text: string | undefined, pad: string): string {
  if (!text) return "";
  const lines = text.replaceAll("*/", "*\\/").split("\n");
  return lines.length === 1 ? `${pad}/** ${lines[0]} */\n` : `${pad}/**\n${lines.map((l) => `${pad} * ${l}`.trimEnd()).join("\n")}\n${pad} */\n`;
}

const union = (parts: string[]) => {
  const unique = [...new Set(parts)];
  return unique.length === 1 ? unique[0]! : unique.map((p) => (p.includes(" ") && !p.startsWith("{") && !p.startsWith("(") ? `(${p})` : p)).join(" | ");
};

function objectType(schema: JsonSchema, pad: string): string {
  const inner = `${pad}  `;
  const required = new Set(schema.required ?? []);
  const lines: string[] = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    lines.push(`${comment(prop.description, inner)}${inner}${key(name)}${required.has(name) ? "" : "?"}: ${tsType(prop, inner)};`);
  }
  const extra = schema.additionalProperties;
  const hasProps = lines.length > 0;
  if (extra !== false && (extra !== undefined || !hasProps)) {
    const value = typeof extra === "object" && Object.keys(extra).length > 0 ? tsType(extra, inner) : "unknown";
    lines.push(`${inner}[key: string]: ${hasProps ? "unknown" : value};`);
  }
  return lines.length ? `{\n${lines.join("\n")}\n${pad}}` : "Record<string, never>";
}

/** The TypeScript type of a JSON schema (`pad`: the indentation of the line the type starts on). */
export function tsType(schema: JsonSchema, pad = ""): string {
  if (schema.$ref) return `components["schemas"][${JSON.stringify(refName(schema.$ref))}]`;
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return union(choices.map((s) => tsType(s, pad)));
  if (schema.allOf) return schema.allOf.map((s) => tsType(s, pad)).join(" & ");
  if ("const" in schema) return JSON.stringify(schema.const);
  if (schema.enum) return union(schema.enum.map((v) => JSON.stringify(v)));
  const types = typesOf(schema);
  if (types.length === 0) return schema.properties ? objectType(schema, pad) : "unknown";
  return union(
    types.map((type) => {
      switch (type) {
        case "string":
          return "string";
        case "integer":
        case "number":
          return "number";
        case "boolean":
          return "boolean";
        case "null":
          return "null";
        case "array":
          if (schema.prefixItems) return `[${schema.prefixItems.map((s) => tsType(s, pad)).join(", ")}]`;
          return schema.items ? `${wrap(tsType(schema.items, pad))}[]` : "unknown[]";
        case "object":
          return objectType(schema, pad);
        default:
          return "unknown";
      }
    }),
  );
}

const wrap = (type: string) => (/^[\w"[\]]+$/.test(type) || type.startsWith("{") ? type : `(${type})`);

function parametersType(op: OperationObject, pad: string): string {
  const inner = `${pad}  `;
  const groups = ["query", "header", "path", "cookie"].map((where) => {
    const params = (op.parameters ?? []).filter((p: Parameter) => p.in === where);
    if (params.length === 0) return `${inner}${where}?: never;`;
    const fields = params.map(
      (p) => `${comment(p.description, `${inner}  `)}${inner}  ${key(p.name)}${p.required ? "" : "?"}: ${tsType(p.schema ?? {}, `${inner}  `)};`,
    );
    const optional = params.every((p) => !p.required) ? "?" : "";
    return `${inner}${where}${optional}: {\n${fields.join("\n")}\n${inner}};`;
  });
  return `{\n${groups.join("\n")}\n${pad}}`;
}

function contentType(content: Record<string, { schema?: JsonSchema }> | undefined, pad: string): string {
  const entries = Object.entries(content ?? {});
  if (entries.length === 0) return "never";
  const inner = `${pad}  `;
  return `{\n${entries.map(([media, m]) => `${inner}${JSON.stringify(media)}: ${tsType(m.schema ?? {}, inner)};`).join("\n")}\n${pad}}`;
}

function operationType(op: OperationObject, pad: string): string {
  const inner = `${pad}  `;
  const lines = [`${inner}parameters: ${parametersType(op, inner)};`];
  if (op.requestBody) {
    lines.push(
      `${inner}requestBody${op.requestBody.required ? "" : "?"}: {\n${inner}  content: ${contentType(op.requestBody.content, `${inner}  `)};\n${inner}};`,
    );
  } else {
    lines.push(`${inner}requestBody?: never;`);
  }
  const responses = Object.entries(op.responses).map(([status, response]) => {
    const r = `${inner}  `;
    const media = Object.entries(response.content ?? {});
    if (media.length === 1 && media[0]![0] === "application/json" && media[0]![1].schema?.$ref === "#/components/schemas/Error") {
      return `${comment(response.description, r)}${r}${status}: ErrorResponse;`;
    }
    return `${comment(response.description, r)}${r}${status}: {\n${r}  headers: { [name: string]: unknown };\n${r}  content: ${contentType(response.content, `${r}  `)};\n${r}};`;
  });
  lines.push(`${inner}responses: {\n${responses.join("\n")}\n${inner}};`);
  return `{\n${lines.join("\n")}\n${pad}}`;
}

export function typescriptTypes(doc: OpenApiDoc, header: string): string {
  const out: string[] = [header, ""];
  out.push("export interface paths {");
  for (const [path, item] of Object.entries(doc.paths)) {
    out.push(`  ${JSON.stringify(path)}: {`);
    out.push("    parameters: { query?: never; header?: never; path?: never; cookie?: never };");
    for (const method of METHODS) {
      const op = item[method];
      if (op) out.push(`${comment(op.summary, "    ")}    ${method}: operations[${JSON.stringify(op.operationId)}];`);
      else out.push(`    ${method}?: never;`);
    }
    out.push("  };");
  }
  out.push("}", "");
  out.push("export interface components {", "  schemas: {");
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    out.push(`${comment(schema.description, "    ")}    ${key(name)}: ${tsType(schema, "    ")};`);
  }
  out.push("  };", "  responses: never;", "  parameters: never;", "  requestBodies: never;", "  headers: never;", "  pathItems: never;", "}", "");
  out.push("/** An error answer: `{ error: { code, message, requestId?, issues? } }`. */");
  out.push('export type ErrorResponse = { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Error"] } };', "");
  out.push("export interface operations {");
  for (const { op } of operationsOf(doc)) out.push(`  ${key(op.operationId)}: ${operationType(op, "  ")};`);
  out.push("}", "");
  out.push("/** Each operation's method and path, by operationId. */");
  out.push("export const operationRoutes = {");
  for (const { method, path, op } of operationsOf(doc)) {
    const flags = `${op["x-cadre-idempotent"] ? ", idempotent: true" : ""}${op["x-cadre-stream"] ? ", stream: true" : ""}`;
    out.push(`  ${key(op.operationId)}: { method: ${JSON.stringify(method.toUpperCase())}, path: ${JSON.stringify(path)}${flags} },`);
  }
  out.push("} as const;", "");
  out.push(`/** The version of the API document these types were generated from. */`);
  out.push(`export const API_VERSION = ${JSON.stringify(doc.info.version)};`, "");
  return out.join("\n");
}

/**
 * The parts of an OpenAPI 3.1 document the SDK generators read, and the walk over its operations shared by the
 * TypeScript and Python emitters (scripts/sdk/typescript.ts, scripts/sdk/python.ts).
 */
export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  description?: string;
  default?: unknown;
  [keyword: string]: unknown;
};

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}

interface MediaObject {
  schema?: JsonSchema;
}

export interface OperationObject {
  operationId: string;
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaObject> };
  responses: Record<string, { description?: string; content?: Record<string, MediaObject> }>;
  "x-cadre-stream"?: boolean;
  "x-cadre-idempotent"?: boolean;
}

export interface OpenApiDoc {
  info: { title: string; version: string };
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  op: OperationObject;
}

/** Every operation of the document, in document order. */
export function operationsOf(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) out.push({ method, path, op });
    }
  }
  return out;
}

/** The success status of an operation (its first 2xx response) and that response's JSON schema, if any. */
export function successOf(op: OperationObject): { status: string; schema: JsonSchema | undefined } {
  const status = Object.keys(op.responses).find((s) => s.startsWith("2")) ?? "200";
  return { status, schema: op.responses[status]?.content?.["application/json"]?.schema };
}

/** The name a `$ref` to a component schema points at. */
export function refName(ref: string): string {
  const prefix = "#/components/schemas/";
  if (!ref.startsWith(prefix)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}

/** The schema's own JSON types, whatever the spelling (`type: "x"` or `type: ["x", "null"]`). */
export function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

export const isIdentifier = (name: string) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);

/**
 * Emits the Python client of the SDK (packages/sdk-python/cadre_sdk/client.py) from the OpenAPI document: a TypedDict
 * (or a type alias) per component schema and per inline request body, and one method per operation (named after its
 * operationId in snake_case) with typed path, query and body parameters. Standard library only; Python 3.9+. The
 * transport (auth, errors, SSE) is the hand-written cadre_sdk/_transport.py.
 */
import { type JsonSchema, type OpenApiDoc, type Operation, type Parameter, operationsOf, refName, successOf, typesOf } from "./openapi-model";

const KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);

export const snake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9_]/g, "_")
    .toLowerCase();
const pascal = (name: string) => name[0]!.toUpperCase() + name.slice(1);
const pyName = (name: string) => (KEYWORDS.has(snake(name)) ? `${snake(name)}_` : snake(name));
const isPyField = (name: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name);

function pyUnion(parts: string[]): string {
  const unique = [...new Set(parts)];
  const nullable = unique.includes("None");
  const rest = unique.filter((p) => p !== "None");
  const inner = rest.length === 0 ? "None" : rest.length === 1 ? rest[0]! : `Union[${rest.join(", ")}]`;
  return nullable && rest.length > 0 ? `Optional[${inner}]` : inner;
}

const literal = (values: unknown[]) => {
  const simple = values.filter((v) => v === null || ["string", "number", "boolean"].includes(typeof v));
  if (simple.length !== values.length) return "Any";
  const literals = values.filter((v) => v !== null).map((v) => (typeof v === "boolean" ? (v ? "True" : "False") : JSON.stringify(v)));
  const type = literals.length ? `Literal[${literals.join(", ")}]` : "None";
  return values.includes(null) && literals.length ? `Optional[${type}]` : type;
};

/** The Python annotation of a JSON schema (component references as forward-reference strings). */
export function pyType(schema: JsonSchema): string {
  if (schema.$ref) return JSON.stringify(refName(schema.$ref));
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return pyUnion(choices.map(pyType));
  if (schema.allOf) return schema.allOf.length === 1 ? pyType(schema.allOf[0]!) : "Dict[str, Any]";
  if ("const" in schema) return literal([schema.const]);
  if (schema.enum) return literal(schema.enum);
  const types = typesOf(schema);
  if (types.length === 0) return schema.properties ? "Dict[str, Any]" : "Any";
  return pyUnion(
    types.map((type) => {
      switch (type) {
        case "string":
          return "str";
        case "integer":
          return "int";
        case "number":
          return "float";
        case "boolean":
          return "bool";
        case "null":
          return "None";
        case "array":
          return schema.items ? `List[${pyType(schema.items)}]` : "List[Any]";
        case "object": {
          const extra = schema.additionalProperties;
          if (!schema.properties && typeof extra === "object" && Object.keys(extra).length > 0) return `Dict[str, ${pyType(extra)}]`;
          return "Dict[str, Any]";
        }
        default:
          return "Any";
      }
    }),
  );
}

const docstring = (text: string, pad: string) => `${pad}"""${text.replaceAll("\\", "\\\\").replaceAll('"""', '\\"\\"\\"')}"""`;

/** A TypedDict for an object schema (required keys in a total base class), else a type alias. */
function pyDefinition(name: string, schema: JsonSchema): string {
  const isObject = schema.properties && !schema.anyOf && !schema.oneOf;
  if (!isObject) return `${name} = ${pyType(schema)}\n`;
  const required = new Set(schema.required ?? []);
  const props = Object.entries(schema.properties ?? {});
  const field = ([prop, s]: [string, JsonSchema]) => `${JSON.stringify(prop)}: ${pyType(s)}`;
  if (!props.every(([prop]) => isPyField(prop))) {
    return `${name} = TypedDict(${JSON.stringify(name)}, {${props.map(field).join(", ")}}, total=False)\n`;
  }
  const lines = (entries: [string, JsonSchema][]) => entries.map(([prop, s]) => `    ${prop}: ${pyType(s)}`).join("\n");
  const must = props.filter(([prop]) => required.has(prop));
  const may = props.filter(([prop]) => !required.has(prop));
  const doc = schema.description ? `${docstring(schema.description, "    ")}\n` : "";
  if (must.length === 0) return `class ${name}(TypedDict, total=False):\n${doc}${lines(may) || "    pass"}\n`;
  if (may.length === 0) return `class ${name}(TypedDict):\n${doc}${lines(must)}\n`;
  return `class _${name}Required(TypedDict):\n${lines(must)}\n\n\nclass ${name}(_${name}Required, total=False):\n${doc}${lines(may)}\n`;
}

/**
 * The inline schemas of an operation that get their own named type: the request body (`<OperationId>Body`) and an
 * object answered on success (`<OperationId>Response`, e.g. a page `{ data, nextCursor }`).
 */
function namedInline(operation: Operation, components: Set<string>): { body?: [string, JsonSchema]; response?: [string, JsonSchema] } {
  const named = (suffix: string, schema: JsonSchema | undefined): [string, JsonSchema] | undefined => {
    if (!schema || schema.$ref || !schema.properties || schema.anyOf || schema.oneOf) return undefined;
    const name = `${pascal(operation.op.operationId)}${suffix}`;
    if (components.has(name)) throw new Error(`the generated type ${name} collides with a component schema`);
    return [name, schema];
  };
  return {
    body: named("Body", operation.op.requestBody?.content["application/json"]?.schema),
    response: named("Response", successOf(operation.op).schema),
  };
}

function method(operation: Operation, components: Set<string>): string {
  const { op, path } = operation;
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === "path");
  const queryParams = params.filter((p) => p.in === "query");
  const inline = namedInline(operation, components);
  const bodySchema = op.requestBody?.content["application/json"]?.schema;
  const body = inline.body ? JSON.stringify(inline.body[0]) : bodySchema ? pyType(bodySchema) : undefined;
  const idempotent = op["x-cadre-idempotent"] === true;
  const args = ["self", ...pathParams.map((p) => `${pyName(p.name)}: str`)];
  if (body) args.push(`body: ${body}`);
  const keywordArgs = queryParams.map((p: Parameter) => `${pyName(p.name)}: Optional[${pyType(p.schema ?? {})}] = None`);
  if (idempotent) keywordArgs.push("idempotency_key: Optional[str] = None");
  if (keywordArgs.length) args.push("*", ...keywordArgs);
  const success = successOf(op);
  const returns = inline.response ? JSON.stringify(inline.response[0]) : success.schema ? pyType(success.schema) : "None";
  const summary = `${op.summary ?? op.operationId}\n\n        ${operation.method.toUpperCase()} ${path} (${success.status}).\n        `;
  const dict = (list: Parameter[]) => `{${list.map((p) => `${JSON.stringify(p.name)}: ${pyName(p.name)}`).join(", ")}}`;
  const call = [
    JSON.stringify(operation.method.toUpperCase()),
    JSON.stringify(path),
    ...(pathParams.length ? [`path_params=${dict(pathParams)}`] : []),
    ...(queryParams.length ? [`query=${dict(queryParams)}`] : []),
    ...(body ? ["body=body"] : []),
    ...(idempotent ? ["idempotency_key=idempotency_key", "idempotent=True"] : []),
  ];
  return [
    `    def ${snake(op.operationId)}(${args.join(", ")}) -> ${returns}:`,
    docstring(summary, "        "),
    `        return self._call(${call.join(", ")})  # type: ignore[no-any-return]`,
  ].join("\n");
}

export function pythonClient(doc: OpenApiDoc, header: string): string {
  const schemas = doc.components?.schemas ?? {};
  const components = new Set(Object.keys(schemas));
  const operations = operationsOf(doc);
  const out = [
    header,
    "",
    "from typing import Any, Dict, List, Literal, Optional, TypedDict, Union",
    "",
    "from ._transport import BaseClient",
    "",
    `API_VERSION = ${JSON.stringify(doc.info.version)}`,
    "",
  ];
  for (const [name, schema] of Object.entries(schemas)) out.push("", pyDefinition(name, schema));
  for (const operation of operations) {
    const { body, response } = namedInline(operation, components);
    for (const entry of [body, response]) if (entry) out.push("", pyDefinition(...entry));
  }
  out.push("", "class CadreClient(BaseClient):");
  out.push(docstring("A client of the Cadre REST API: one method per operation of the OpenAPI document.", "    "));
  for (const operation of operations) out.push("", method(operation, components));
  out.push("");
  return out.join("\n");
}

/**
 * What a custom HTTP tool's definition must satisfy beyond its zod schema (lib/schemas/tools.ts), checked on create
 * and on every update: a URL template that is http(s) and parses once its placeholders are filled, placeholders
 * that name the arguments' properties, `{{secret}}` only in header values and only with a bound secret, a secret
 * and its host given together. Each problem is a `{ path, message }` issue of a VALIDATION_FAILED error.
 */
import { AppError } from "@/lib/errors";
import type { HttpToolConfig } from "@/lib/schemas/tools";

export interface ToolIssue {
  path: string;
  message: string;
}

/** The placeholder the bound vault secret fills (header values only). */
export const SECRET_PLACEHOLDER = "secret";

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** an HTTP header name (RFC 9110 token) */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** headers the platform sets itself (the egress guard and the run engine) */
const RESERVED_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "idempotency-key"]);

/** The names of a template's `{{name}}` placeholders, in order of appearance (repeats kept). */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** The arguments' property names of a JSON Schema (type object). */
function propertiesOf(inputSchema: Record<string, unknown>): Set<string> {
  const props = inputSchema.properties;
  return new Set(props && typeof props === "object" && !Array.isArray(props) ? Object.keys(props) : []);
}

export interface HttpToolDefinition {
  inputSchema: Record<string, unknown>;
  config: HttpToolConfig;
  secretId: string | null;
  secretHost: string | null;
}

/** Problems with a placeholder at `path`: not an argument, or the secret where it may not go. */
function placeholderIssues(template: string, path: string, known: Set<string>, secretAllowed: boolean, hasSecret: boolean): ToolIssue[] {
  const issues: ToolIssue[] = [];
  for (const name of new Set(placeholdersOf(template))) {
    if (name === SECRET_PLACEHOLDER) {
      if (!secretAllowed) issues.push({ path, message: "{{secret}} may only be used in a header value (e.g. Authorization: Bearer {{secret}})" });
      else if (!hasSecret) issues.push({ path, message: "{{secret}} needs a bound secret: set secretId and secretHost" });
    } else if (!PLACEHOLDER_NAME.test(name)) {
      issues.push({ path, message: `{{${name}}} is not a valid placeholder: use {{argument}} with a property name of the arguments' schema` });
    } else if (!known.has(name)) {
      issues.push({ path, message: `{{${name}}} is not a property of the arguments' schema (inputSchema.properties)` });
    }
  }
  return issues;
}

function urlIssues(urlTemplate: string): ToolIssue[] {
  const path = "config.urlTemplate";
  let url: URL;
  try {
    url = new URL(urlTemplate.replace(PLACEHOLDER, "sample"));
  } catch {
    return [{ path, message: "The URL template is not a valid URL once its placeholders are filled in" }];
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return [{ path, message: "The URL must start with http:// or https://" }];
  if (url.username || url.password) return [{ path, message: "The URL may not contain credentials: send them in a header with a bound secret ({{secret}})" }];
  return [];
}

function secretHostIssues(secretId: string | null, secretHost: string | null): ToolIssue[] {
  if (secretId !== null && secretHost === null) return [{ path: "secretHost", message: "A bound secret needs the one host it is sent to (secretHost)" }];
  if (secretId === null && secretHost !== null) return [{ path: "secretId", message: "secretHost is only meaningful with a bound secret (secretId)" }];
  if (secretHost === null) return [];
  let hostname = "";
  try {
    const url = new URL(`http://${secretHost}/`);
    hostname = url.port === "" && url.pathname === "/" && !url.search && !url.username ? url.hostname : "";
  } catch {
    // not a host
  }
  return hostname === secretHost ? [] : [{ path: "secretHost", message: "secretHost is a host name only (e.g. api.example.com: no scheme, port or path)" }];
}

/** Every problem of a custom HTTP tool's definition (empty: it is sound). */
export function httpToolIssues(def: HttpToolDefinition): ToolIssue[] {
  const known = propertiesOf(def.inputSchema);
  if (known.has(SECRET_PLACEHOLDER))
    return [{ path: "inputSchema.properties.secret", message: '"secret" is reserved for the bound vault secret: rename the argument' }];
  const hasSecret = def.secretId !== null;
  const issues: ToolIssue[] = [
    ...urlIssues(def.config.urlTemplate),
    ...placeholderIssues(def.config.urlTemplate, "config.urlTemplate", known, false, hasSecret),
    ...secretHostIssues(def.secretId, def.secretHost),
  ];
  for (const [name, value] of Object.entries(def.config.headers)) {
    const path = `config.headers.${name}`;
    if (placeholdersOf(name).length > 0) issues.push({ path, message: "A header name cannot contain placeholders" });
    else if (!HEADER_NAME.test(name)) issues.push({ path, message: `"${name}" is not a valid header name` });
    else if (RESERVED_HEADERS.has(name.toLowerCase())) issues.push({ path, message: `The ${name} header is set by Cadre` });
    issues.push(...placeholderIssues(value, path, known, true, hasSecret));
  }
  if (def.config.bodyTemplate !== null) issues.push(...placeholderIssues(def.config.bodyTemplate, "config.bodyTemplate", known, false, hasSecret));
  return issues;
}

/** The VALIDATION_FAILED error of a tool's problems (`details.issues` for forms and REST). */
export function toolValidationError(issues: ToolIssue[]): AppError {
  const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return new AppError("VALIDATION_FAILED", list, { issues });
}

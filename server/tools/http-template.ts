/**
 * A custom HTTP tool's request from its templates and a call's arguments. `{{name}}` takes an argument: URL-encoded in
 * the URL, as text in header values, JSON-encoded in the body. `{{secret}}` is the bound secret, in header values only;
 * it is filled in the same pass as the arguments, so an argument whose value is "{{secret}}" stays that text.
 */
import type { HttpToolConfig } from "@/lib/schemas/tools";

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const SECRET = "secret";

export class TemplateError extends Error {}

type Args = Record<string, unknown>;

const asText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

export function argsOf(input: unknown): Args {
  return input && typeof input === "object" && !Array.isArray(input) ? (input as Args) : {};
}

function fill(template: string, args: Args, where: string, encode: (value: unknown) => string, secret?: string): string {
  return template.replace(PLACEHOLDER, (_whole, name: string) => {
    if (name === SECRET) {
      if (secret === undefined) throw new TemplateError(`{{secret}} is allowed only in header values, not in the ${where}`);
      return secret;
    }
    const value = args[name];
    if (value === undefined || value === null) throw new TemplateError(`the argument "${name}" is needed for the ${where}`);
    return encode(value);
  });
}

export function usesSecret(template: string): boolean {
  return [...template.matchAll(PLACEHOLDER)].some((m) => m[1] === SECRET);
}

export function renderUrl(config: HttpToolConfig, input: unknown): string {
  return fill(config.urlTemplate, argsOf(input), "URL", (v) => encodeURIComponent(asText(v)));
}

/**
 * Header values with the arguments and, where a header asks for it, the secret. `secret` null: the request does not
 * go to the bound host, and headers that ask for the secret are left out.
 */
export function renderHeaders(config: HttpToolConfig, input: unknown, secret: string | null): { headers: Record<string, string>; secretHeaders: string[] } {
  const headers: Record<string, string> = {};
  const secretHeaders: string[] = [];
  for (const [name, template] of Object.entries(config.headers)) {
    const withSecret = usesSecret(template);
    if (withSecret && secret === null) continue;
    const value = fill(template, argsOf(input), `header ${name}`, asText, secret ?? "");
    if (/[\r\n\0]/.test(value)) throw new TemplateError(`the header ${name} would hold a line break`);
    headers[name] = value;
    if (withSecret) secretHeaders.push(name);
  }
  return { headers, secretHeaders };
}

/** The body: the template with JSON-encoded arguments, or the arguments as JSON; none for GET. */
export function renderBody(config: HttpToolConfig, input: unknown): string | null {
  if (config.method === "GET") return null;
  if (config.bodyTemplate === null) return JSON.stringify(argsOf(input));
  return fill(config.bodyTemplate, argsOf(input), "body", (v) => JSON.stringify(v));
}

/** The host a URL goes to (lowercase, no trailing dot), or null when it is not a URL. */
export function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return null;
  }
}

/**
 * The template of a webhook trigger (issue 15): how a delivery becomes a run's input. Text with placeholders
 * `{{ payload.issue.title }}`, `{{ payload.items[0].id }}`, `{{ payload }}` (the whole parsed JSON body), `{{ body }}` (the
 * raw body text) and `{{ webhook.id }}` / `{{ webhook.timestamp }}`. A placeholder is a path, never code: there are no
 * expressions, filters, calls or loops, so a template cannot run anything. A string renders as itself, another value
 * as JSON text (objects indented). A path the delivery does not have is an error naming it (the sender gets a 422 and
 * no run starts). Isomorphic: the form checks a template with the same parser.
 */
export const DEFAULT_TRIGGER_TEMPLATE = "{{ payload }}";
export const TRIGGER_TEMPLATE_MAX = 10_000;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const ROOTS = ["payload", "body", "webhook"] as const;
const SEGMENT = /^(?:\.([A-Za-z0-9_-]+)|\[(\d{1,6})\])/;

export class TriggerTemplateError extends Error {
  override name = "TriggerTemplateError";
}

type Segment = string | number;
interface Placeholder {
  source: string;
  root: (typeof ROOTS)[number];
  path: Segment[];
}

function parsePath(source: string): Placeholder {
  const root = ROOTS.find((r) => source === r || source.startsWith(`${r}.`) || source.startsWith(`${r}[`));
  if (!root) throw new TriggerTemplateError(`"{{ ${source} }}" is not a path: start it with payload, body or webhook`);
  const path: Segment[] = [];
  let rest = source.slice(root.length);
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m) throw new TriggerTemplateError(`"{{ ${source} }}" is not a path: use names (.name) and indexes ([0]) only`);
    path.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  if (root === "body" && path.length > 0) throw new TriggerTemplateError(`"{{ ${source} }}": body is the raw text, it has no fields (use payload.…)`);
  if (root === "webhook" && !(path.length === 1 && (path[0] === "id" || path[0] === "timestamp")))
    throw new TriggerTemplateError(`"{{ ${source} }}": webhook has only id and timestamp`);
  return { source, root, path };
}

/** The placeholders of a template; throws TriggerTemplateError for one that is not a path. */
export function parseTriggerTemplate(template: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) out.push(parsePath(m[1] ?? ""));
  return out;
}

/** Why a template is refused, or null (for the schemas' refinement). */
export function triggerTemplateProblem(template: string): string | null {
  try {
    parseTriggerTemplate(template);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export interface TriggerDelivery {
  /** the raw body text */
  body: string;
  /** the body parsed as JSON, or undefined when it is not JSON */
  payload: unknown;
  webhook: { id: string; timestamp: string };
}

const asText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value, null, 2));

function lookup(value: unknown, path: Segment[]): unknown {
  let at = value;
  for (const segment of path) {
    if (at === null || typeof at !== "object") return undefined;
    if (typeof segment === "number") {
      if (!Array.isArray(at)) return undefined;
      at = at[segment];
    } else {
      if (Array.isArray(at) || !Object.hasOwn(at, segment)) return undefined;
      at = (at as Record<string, unknown>)[segment];
    }
  }
  return at;
}

/** The run's input for a delivery; throws TriggerTemplateError naming a path the delivery does not have. */
export function renderTriggerTemplate(template: string, delivery: TriggerDelivery): string {
  parseTriggerTemplate(template);
  return template.replace(PLACEHOLDER, (_whole, inner: string) => {
    const p = parsePath(inner);
    if (p.root === "body") return delivery.body;
    if (p.root === "webhook") return p.path[0] === "id" ? delivery.webhook.id : delivery.webhook.timestamp;
    if (delivery.payload === undefined) throw new TriggerTemplateError(`{{ ${p.source} }}: the body is not JSON`);
    const value = lookup(delivery.payload, p.path);
    if (value === undefined) throw new TriggerTemplateError(`The payload has no value at ${p.source}`);
    return asText(value);
  });
}

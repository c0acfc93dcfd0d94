/**
 * What the HTTP-speaking tools share: a request through the egress guard with the tool's limits, its answer read up
 * to the tool's byte limit (the rest is cancelled: a cut answer, not a refusal), and failures as outcomes the agent
 * hears about (a refused URL names the guard's rule; a timeout or a network failure says so) rather than throws.
 */
import { egress, findEgressError, type RedirectHop } from "@/server/egress";
import { callNeedsApproval } from "./approval-policy";
import { hostOf } from "./http-template";
import type { ToolCallContext, ToolOutcome } from "./types";

type FetchInit = NonNullable<Parameters<typeof fetch>[1]>;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** the final URL, after redirects */
  url: string;
  bytes: Uint8Array;
  truncated: boolean;
}

/** The response headers worth showing an agent. */
const SHOWN_HEADERS = ["content-type", "location", "retry-after", "etag", "last-modified", "content-disposition"];

/**
 * A redirect of a call nobody approved to a host (or with a method) the tool's approval policy would have asked a
 * person about: it is not followed, and the call ends with this as its error (the agent may call that URL itself,
 * which then asks for approval).
 */
export class RedirectNeedsApprovalError extends Error {
  constructor(hop: RedirectHop) {
    super(
      `the answer redirected from ${hop.from.host} to ${hop.to.host}, which this tool's approval policy does not allow without a person's approval; the redirect was not followed (call ${hop.to.origin} directly to ask for approval)`,
    );
    this.name = "RedirectNeedsApprovalError";
  }
}

/**
 * Sends one request for a tool call: the call's Idempotency-Key, its abort signal, the tool's time bound and the
 * workspace's egress lists. The guard's own size check is not used (it would refuse an answer whose declared length
 * is over the limit); the body is read here up to `maxResponseBytes` and the rest cancelled. Each redirect is judged
 * by the tool's approval policy as the first URL was (unless a person approved the call): one that would need
 * approval is not followed (RedirectNeedsApprovalError).
 */
export async function toolFetch(url: string, init: FetchInit, call: ToolCallContext, onRedirect?: (hop: RedirectHop) => void): Promise<HttpAnswer> {
  const headers = new Headers(init.headers);
  headers.set("idempotency-key", call.idempotencyKey);
  let finalUrl = url;
  const response = await egress().fetch(
    url,
    { ...init, headers, signal: call.abortSignal },
    {
      timeoutMs: call.tool.timeoutMs,
      maxResponseBytes: Number.MAX_SAFE_INTEGER,
      workspace: call.egressLists,
      onRedirect: (hop) => {
        const host = hostOf(hop.to.href);
        if (!call.approved && callNeedsApproval(call.tool.approval, call.grantApproval, { method: hop.method, ...(host === null ? {} : { host }) })) {
          throw new RedirectNeedsApprovalError(hop);
        }
        finalUrl = hop.to.href;
        onRedirect?.(hop);
      },
    },
  );
  const { bytes, truncated } = await readCapped(response, call.tool.maxResponseBytes);
  return { status: response.status, headers: response.headers, url: finalUrl, bytes, truncated };
}

/** Reads an answer's body up to `maxBytes` (the rest is cancelled): the bytes and whether it was cut. */
export async function readCapped(response: Response, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - size;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      size += room;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, truncated };
}

/** UTF-8 text of (possibly cut) bytes: a character split by the cut is dropped rather than shown as U+FFFD. */
export function decodeText(bytes: Uint8Array, truncated: boolean): string {
  return new TextDecoder("utf-8").decode(bytes, { stream: truncated });
}

/** Whether a content type is text an agent can read (no content type: assumed text). */
export function isTextual(contentType: string | null): boolean {
  if (!contentType) return true;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return (
    type.startsWith("text/") ||
    /[/+](json|xml)$/.test(type) ||
    ["application/javascript", "application/x-www-form-urlencoded", "application/x-ndjson", "application/yaml"].includes(type)
  );
}

export function shownHeaders(headers: Headers): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const name of SHOWN_HEADERS) {
    const value = headers.get(name);
    if (value !== null) shown[name] = value;
  }
  return shown;
}

/** The body as the agent sees it: text, or a note for a binary answer. */
export function bodyText(answer: HttpAnswer): string {
  const type = answer.headers.get("content-type");
  if (!isTextual(type)) return `[${answer.bytes.byteLength} bytes of ${type} not shown]`;
  return decodeText(answer.bytes, answer.truncated);
}

export function answerMeta(answer: HttpAnswer): Record<string, unknown> {
  return { status: answer.status, bytes: answer.bytes.byteLength, truncated: answer.truncated, url: answer.url };
}

/** A failed request as an outcome: the guard's refusal (its reason and rule), a cancelled call, or a network failure. */
export function failureOutcome(error: unknown, call: ToolCallContext): ToolOutcome {
  const refused = findEgressError(error);
  if (refused) return { isError: true, output: refused.message, meta: { refused: refused.rule } };
  if (error instanceof RedirectNeedsApprovalError) return { isError: true, output: error.message, meta: { refused: "redirect_needs_approval" } };
  if (call.abortSignal.aborted) return { isError: true, output: "the call was cancelled or ran out of time", meta: { aborted: true } };
  const code = networkCode(error);
  return { isError: true, output: `the request failed${code ? ` (${code})` : ""}`, meta: { network: code ?? "unknown" } };
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

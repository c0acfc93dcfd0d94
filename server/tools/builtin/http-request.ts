/**
 * http_request: one request the agent describes (method, URL, headers, body) through the egress guard. The agent may
 * not set headers that frame or route the request (Host, Content-Length, Transfer-Encoding, hop-by-hop headers) nor
 * the Idempotency-Key Cadre sends; Cookie and Authorization are allowed: they carry only what the agent already has.
 */
import { answerMeta, bodyText, failureOutcome, shownHeaders, toolFetch } from "../http-outcome";
import type { ToolExecutor } from "../types";

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);
const REFUSED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "proxy-authorization",
  "proxy-connection",
  "idempotency-key",
]);

interface HttpRequestInput {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A reason the request cannot be sent as given, or null. */
export function refusedHeader(headers: Record<string, unknown>): string | null {
  for (const [name, value] of Object.entries(headers)) {
    if (REFUSED_HEADERS.has(name.trim().toLowerCase())) return `the header ${name} is set by Cadre and cannot be given`;
    if (typeof value !== "string" || /[\r\n\0]/.test(value)) return `the header ${name} must be a one-line string`;
  }
  return null;
}

export const httpRequest: ToolExecutor = async (input, call) => {
  const { method: rawMethod, url, headers = {}, body } = input as HttpRequestInput;
  const method = (rawMethod ?? "GET").toUpperCase();
  if (!METHODS.has(method)) return { isError: true, output: `the method ${method} is not allowed` };
  const refused = refusedHeader(headers);
  if (refused) return { isError: true, output: refused };
  if (body !== undefined && (method === "GET" || method === "HEAD")) return { isError: true, output: `a ${method} request has no body` };
  let answer: Awaited<ReturnType<typeof toolFetch>>;
  try {
    answer = await toolFetch(url, { method, headers, body }, call);
  } catch (error) {
    if (error instanceof TypeError && /header/i.test(error.message)) return { isError: true, output: "a header name or value is not valid" };
    return failureOutcome(error, call);
  }
  const output = { status: answer.status, headers: shownHeaders(answer.headers), body: bodyText(answer), truncated: answer.truncated };
  const ok = answer.status >= 200 && answer.status < 300;
  return { output, ...(ok ? {} : { isError: true }), meta: answerMeta(answer) };
};

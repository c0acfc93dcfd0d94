/**
 * The executor of custom HTTP tools (kind "http"): the request rendered from the tool's templates, sent through the
 * egress guard with the call's Idempotency-Key. The tool's vault secret goes only into requests to the bound host: it
 * is revealed only when the rendered URL's host is that host, and the headers holding it are dropped before a redirect
 * to any other host. It never leaves this function: every string of the outcome is scrubbed of it (a server may echo
 * it back), and failures name only the guard's rule or a network code.
 */
import { revealSecret } from "@/server/vault/service";
import { answerMeta, bodyText, failureOutcome, shownHeaders, toolFetch } from "./http-outcome";
import { hostOf, renderBody, renderHeaders, renderUrl, TemplateError, usesSecret } from "./http-template";
import type { ToolCallContext, ToolExecutor, ToolOutcome } from "./types";

const REDACTED = "[secret]";

/** Every string inside `value` with the secret (and its URL- and JSON-escaped forms) replaced. */
function scrub<T>(value: T, secret: string): T {
  const forms = [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])].filter((f) => f.length > 0);
  const clean = (v: unknown): unknown => {
    if (typeof v === "string") return forms.reduce((s, form) => s.split(form).join(REDACTED), v);
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x)]));
    return v;
  };
  return clean(value) as T;
}

async function secretFor(call: ToolCallContext, host: string | null): Promise<string | null> {
  const http = call.tool.http!;
  if (!http.secretId || !http.secretHost || host === null || host !== http.secretHost.toLowerCase()) return null;
  if (!Object.values(http.config.headers).some(usesSecret)) return null;
  return revealSecret(call.ctx, http.secretId, { purpose: `tool:${call.tool.name}`, runId: call.runId });
}

export const httpToolExecutor: ToolExecutor = async (input, call) => {
  const http = call.tool.http;
  if (!http) return { isError: true, output: `the tool ${call.tool.name} has no HTTP configuration` };
  const config = http.config;
  let url: string;
  let secret: string | null;
  let rendered: ReturnType<typeof renderHeaders>;
  let body: string | null;
  try {
    url = renderUrl(config, input);
    try {
      secret = await secretFor(call, hostOf(url));
    } catch {
      return { isError: true, output: `the secret of the tool ${call.tool.name} is not available` };
    }
    rendered = renderHeaders(config, input, secret);
    body = renderBody(config, input);
  } catch (error) {
    if (error instanceof TemplateError) return { isError: true, output: error.message };
    throw error;
  }
  let headers: Headers;
  try {
    headers = new Headers(rendered.headers);
  } catch {
    // the runtime's message may quote the value (the secret): say only which rule failed
    return { isError: true, output: `a header of the tool ${call.tool.name} has an invalid name or value` };
  }
  if (body !== null && !headers.has("content-type")) headers.set("content-type", "application/json");
  const bound = http.secretHost?.toLowerCase() ?? null;
  let outcome: ToolOutcome;
  try {
    const answer = await toolFetch(url, { method: config.method, headers, body }, call, (hop) => {
      if (hostOf(hop.to.href) !== bound) for (const name of rendered.secretHeaders) hop.headers.delete(name);
    });
    const output = { status: answer.status, headers: shownHeaders(answer.headers), body: bodyText(answer), truncated: answer.truncated };
    const ok = answer.status >= 200 && answer.status < 300;
    outcome = { output, ...(ok ? {} : { isError: true }), meta: answerMeta(answer) };
  } catch (error) {
    outcome = failureOutcome(error, call);
  }
  if (secret === null && rendered.secretHeaders.length === 0 && Object.values(config.headers).some(usesSecret)) {
    outcome.meta = { ...outcome.meta, secretWithheld: true };
  }
  return secret ? scrub(outcome, secret) : outcome;
};

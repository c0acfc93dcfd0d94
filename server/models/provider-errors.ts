/**
 * Safe, short messages for failed provider calls: what a person can act on (status, the fault's class, the provider's
 * machine code, unreachable host, timeout), never key material and never the provider's own words: a base URL can
 * point at any server, and its error text would otherwise travel into step errors, routing attempts, usage rows and
 * model statistics. Also decides whether a base URL is "local".
 */
import { APICallError } from "@ai-sdk/provider";
import { isIP } from "node:net";
import { isAppError } from "@/lib/errors";

const MAX_MESSAGE = 300;

/** Things that look like credentials in provider messages ("Incorrect API key provided: sk-proj-abc…"). */
const KEY_LIKE = [
  /\b(?:sk|pk|rk|sess)-[A-Za-z0-9_*.-]{6,}/g,
  /\bsk-ant-[A-Za-z0-9_*.-]{6,}/g,
  /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=*-]{8,}/gi,
  /\b(?:api[_-]?key|x-api-key|token)\s*[:=]\s*["']?[^\s"',;]{6,}/gi,
];

/** Removes the given secrets (and anything key-shaped) from a text. */
export function redactSecrets(text: string, secrets: (string | undefined | null)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join("[redacted]");
    // providers often echo a masked form: the first and last characters of the key
    if (secret.length >= 12) {
      out = out.split(secret.slice(0, 8)).join("[redacted]");
      out = out.split(secret.slice(-6)).join("[redacted]");
    }
  }
  for (const pattern of KEY_LIKE) out = out.replace(pattern, "[redacted]");
  return out;
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
};

/** Whether an error is a timeout or abort (ours or the caller's). */
export function isTimeoutError(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  if (name === "TimeoutError" || name === "AbortError") return true;
  const cause = (error as { cause?: unknown })?.cause;
  return cause !== undefined && cause !== error && isTimeoutError(cause);
}

/** The last underlying error of an AI SDK RetryError (or the error itself). */
export function unwrapRetry(error: unknown): unknown {
  const e = error as { name?: unknown; lastError?: unknown };
  return e && e.name === "AI_RetryError" && e.lastError !== undefined ? e.lastError : error;
}

/** A provider's machine code is kept only in this shape: a word of lower-case letters and underscores, no free text. */
const MACHINE_CODE = /^[a-z_]{1,64}$/;
/** Codes that say nothing beyond the status. */
const UNINFORMATIVE_CODES = new Set(["error", "null", "undefined"]);

function machineCode(value: unknown): string | undefined {
  return typeof value === "string" && MACHINE_CODE.test(value) && !UNINFORMATIVE_CODES.has(value) ? value : undefined;
}

/**
 * The provider's well-known machine code for a failure, if it sent one: OpenAI's (and Mistral's, Azure's) `error.code`
 * or `error.type` (`context_length_exceeded`, `insufficient_quota`, `invalid_request_error`), Anthropic's `error.type`
 * (`overloaded_error`). Only a value of /^[a-z_]{1,64}$/ is kept: never the message or any other free text.
 */
export function providerMachineCode(error: unknown): string | undefined {
  let body: unknown = (error as { data?: unknown })?.data;
  const raw = (error as { responseBody?: unknown })?.responseBody;
  if (typeof raw === "string" && raw.length <= 64_000) {
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      // not JSON: only the parsed `data` (if any) is looked at
    }
  }
  if (!body || typeof body !== "object") return undefined;
  const top = body as { error?: unknown; code?: unknown; type?: unknown };
  const inner = top.error && typeof top.error === "object" ? (top.error as { code?: unknown; type?: unknown }) : undefined;
  return machineCode(inner?.code) ?? machineCode(inner?.type) ?? machineCode(top.code) ?? machineCode(top.type);
}

/** The class of an HTTP failure, in Cadre's words (the gateway's classification of the same error: ./gateway.ts). */
function httpFaultClass(error: APICallError, status: number): string {
  if (status >= 400 && isQuotaExhausted(error)) return "out of credit or quota";
  if (status === 429) return "rate limited";
  if (status === 408) return "the provider timed out";
  if (status === 409) return "a conflict at the provider";
  if (status >= 500) return "the provider failed";
  if (status === 401) return "check the API key";
  if (status === 403) return "check the API key and its permissions";
  if (status === 404) return "check the model id and base URL";
  if (status >= 400 && isContextLengthError(error)) return "the prompt does not fit the model's context window";
  if (status >= 400 && isStructuredOutputUnsupported(error)) return "the model does not support structured output";
  if (status >= 400) return "the provider refused the request";
  return "not a completion";
}

/** `HTTP <status> (<class>[; code <machine code>])`: nothing the remote server wrote but a vetted machine code. */
function httpFailureSentence(error: APICallError): string {
  const status = error.statusCode!;
  const code = providerMachineCode(error);
  return `HTTP ${status} (${httpFaultClass(error, status)}${code ? `; code ${code}` : ""})`;
}

/**
 * The AI SDK's errors whose message quotes what the provider sent (an unparsable chunk, a value that failed
 * validation, a stream's error event): a fixed sentence each.
 */
const SDK_ERROR_SENTENCES: Record<string, string> = {
  AI_JSONParseError: "The answer was not valid JSON",
  AI_TypeValidationError: "The answer did not have the expected shape",
  AI_InvalidResponseDataError: "The answer did not have the expected shape",
  AI_EmptyResponseBodyError: "The answer was empty",
  AI_NoContentGeneratedError: "The answer had no content",
  AI_NoOutputGeneratedError: "The answer had no output",
  AI_NoObjectGeneratedError: "The answer held no usable object",
  AI_InvalidToolInputError: "The answer called a tool with input that does not fit it",
  AI_NoSuchToolError: "The answer called a tool that was not offered",
};

/**
 * A failure that is neither an HTTP status nor a network error: a fixed sentence for the SDK's errors, the provider's
 * machine code for an error event in a stream (a plain object, not an Error), and a runtime error's own message
 * (raised in this process, not received).
 */
function nonHttpFailureSentence(error: unknown): string {
  const name = (error as { name?: unknown })?.name;
  if (typeof name === "string" && name.startsWith("AI_")) {
    const cause = (error as { cause?: unknown }).cause;
    if (name === "AI_NoContentGeneratedError" || name === "AI_NoOutputGeneratedError") {
      if (cause && cause !== error && APICallError.isInstance(cause) && cause.statusCode !== undefined) return httpFailureSentence(cause);
    }
    return SDK_ERROR_SENTENCES[name] ?? `The call failed (${name.slice(3).replace(/[^A-Za-z]/g, "")})`;
  }
  if (error instanceof Error) {
    const raw = error.message;
    return raw ? raw : "The call failed";
  }
  if (error && typeof error === "object") {
    // a stream's error event: { message, type, code } as the provider sent it
    const code = providerMachineCode({ data: { error } });
    return `The provider reported an error during the answer${code ? ` (code ${code})` : ""}`;
  }
  return "The call failed";
}

/**
 * A message about a failed call that is safe to store and show. `secrets` are removed wherever they appear;
 * key-shaped strings are removed too.
 */
export function safeProviderError(
  errorIn: unknown,
  secrets: (string | undefined | null)[] = [],
  context: { baseUrl?: string | null; timeoutMs?: number } = {},
): string {
  const error = unwrapRetry(errorIn);
  let message: string;
  if (isTimeoutError(error)) {
    message = context.timeoutMs ? `No answer within ${Math.round(context.timeoutMs / 1000)} s (timed out)` : "The call timed out";
  } else if (APICallError.isInstance(error)) {
    const code = networkCode(error);
    if (error.statusCode === undefined) {
      const where = originOf(error.url) ?? originOf(context.baseUrl ?? undefined) ?? "the provider";
      message = `Could not reach ${where}${code ? ` (${NETWORK_WORDS[code] ?? code})` : ""}`;
    } else {
      message = httpFailureSentence(error);
    }
  } else if (isAppError(error)) {
    // Cadre's own words (configuration, egress guard)
    message = error.message;
  } else {
    const code = networkCode(error);
    if (code && NETWORK_WORDS[code]) {
      message = `Could not reach ${originOf(context.baseUrl ?? undefined) ?? "the provider"} (${NETWORK_WORDS[code]})`;
    } else {
      message = nonHttpFailureSentence(error);
    }
  }
  const clean = redactSecrets(message.replace(/\s+/g, " ").trim(), secrets);
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE - 1)}…` : clean;
}

/**
 * The outcome of a failed "Test connection" as one of a few fixed sentences: a status class, unreachable, timed out,
 * not a completion. Nothing the remote server wrote reaches the caller (it could be any server on a reachable
 * network), only what Cadre observed about the exchange.
 */
export function classifyTestFailure(errorIn: unknown, context: { baseUrl?: string | null; timeoutMs?: number } = {}): string {
  const error = unwrapRetry(errorIn);
  const where = originOf(context.baseUrl ?? undefined) ?? "the provider";
  if (isTimeoutError(error)) return context.timeoutMs ? `No answer within ${Math.round(context.timeoutMs / 1000)} s (timed out)` : "The call timed out";
  const status = APICallError.isInstance(error) ? error.statusCode : undefined;
  if (status !== undefined && status >= 300) {
    if (status === 401) return "HTTP 401 (check the API key)";
    if (status === 403) return "HTTP 403 (the key is not allowed to do this: check the API key and its permissions)";
    if (status === 404) return "HTTP 404 (check the model id and base URL)";
    if (status === 408) return "HTTP 408 (the provider timed out)";
    if (status === 429) return "HTTP 429 (rate limited or out of quota)";
    if (status >= 500) return `HTTP ${status} (the provider failed)`;
    if (status >= 400) return `HTTP ${status} (the provider refused the request)`;
    return `HTTP ${status} (not a completion)`;
  }
  const code = networkCode(error);
  if (code || (APICallError.isInstance(error) && status === undefined)) {
    return `Could not reach ${where}${code ? ` (${NETWORK_WORDS[code] ?? "network error"})` : ""}`;
  }
  const name = (error as { name?: unknown })?.name;
  if (typeof name === "string" && name.startsWith("AI_")) return "The answer was not a valid completion";
  return "The call failed";
}

// ---------------------------------------------------------------------------------------------------
// Local addresses

function ipv4Private(ip: string): boolean {
  const [a, b] = ip.split(".").map(Number) as [number, number];
  return (
    a === 127 ||
    a === 10 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

function ipv6Private(ip: string): boolean {
  const lower = ip.toLowerCase();
  if (lower === "::1" || lower === "::") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return ipv4Private(mapped[1]!);
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mappedHex) {
    const hi = parseInt(mappedHex[1]!, 16);
    const lo = parseInt(mappedHex[2]!, 16);
    return ipv4Private(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  return /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
}

/**
 * Whether a base URL points at infrastructure the workspace controls: localhost, a loopback or private
 * address, a single-label host (a container name such as "ollama") or *.local / *.internal / *.localhost.
 * Only a default: the person adding the provider can change it.
 */
export function isLocalBaseUrl(baseUrl: string | null | undefined): boolean {
  if (!baseUrl) return false;
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (isIP(host) === 4) return ipv4Private(host);
  if (isIP(host) === 6) return ipv6Private(host);
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal") || host.endsWith(".lan")) return true;
  return !host.includes(".");
}

// ---------------------------------------------------------------------------------------------------
// Provider error codes that change what the gateway does next

/** The provider's own words about a failed call: its message and response body (lower case), "" when none. */
function providerText(error: unknown): string {
  if (!APICallError.isInstance(error)) return "";
  return `${error.message} ${error.responseBody ?? ""}`.toLowerCase();
}

/**
 * The account is out of credit: OpenAI's `insufficient_quota` 429, Anthropic's "credit balance is too low" (a 400),
 * and the like. Waiting does not help: terminal, unlike a rate limit.
 */
export function isQuotaExhausted(error: unknown): boolean {
  const text = providerText(error);
  return /insufficient_quota|exceeded your current quota|credit balance is too low|billing_hard_limit|out of credits?/.test(text);
}

/** The prompt does not fit the model's context window (OpenAI `context_length_exceeded`, Anthropic "prompt is too long"). */
export function isContextLengthError(error: unknown): boolean {
  const text = providerText(error);
  return /context_length_exceeded|maximum context length|prompt is too long|context window|too many tokens|input is too long/.test(text);
}

/** The model refuses a structured (JSON schema) output: `response_format` / `output_config.format` not supported. */
export function isStructuredOutputUnsupported(error: unknown): boolean {
  const text = providerText(error);
  return /(response_format|json_schema|output_config|structured output|json mode)[^.]{0,80}not supported|not supported[^.]{0,80}(response_format|json_schema|structured output)/.test(
    text,
  );
}

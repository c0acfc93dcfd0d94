import { AppError } from "@/lib/errors";

/** Which rule of the guard refused: stable names for logs, tests and the API's `details.rule`. */
export type EgressRule =
  | "url" // not a URL, or credentials in it
  | "scheme" // not http(s)
  | "address" // a special-purpose address (the message names the range)
  | "resolve" // the name resolved to nothing usable
  | "workspace_deny" // the workspace's deny list names the host
  | "workspace_allow" // the workspace's allow list does not name the host
  | "redirect_scheme" // a redirect to another scheme
  | "redirect_limit" // more redirects than allowed
  | "redirect_body" // a redirect that would need a streamed body sent again
  | "response_size" // the answer was larger than allowed
  | "timeout"; // no complete answer in time

/** Every refusal of the guard: an AppError (403, or 502 for a remote that answered too much or too slowly). */
export class EgressError extends AppError {
  readonly rule: EgressRule;

  constructor(rule: EgressRule, message: string) {
    const upstream = rule === "response_size" || rule === "timeout";
    super(upstream ? "UPSTREAM_ERROR" : "EGRESS_REFUSED", `egress refused: ${message}`, { rule });
    this.name = "EgressError";
    this.rule = rule;
  }
}

export function isEgressError(error: unknown): error is EgressError {
  return error instanceof EgressError;
}

/** An EgressError anywhere in an error's cause chain (undici wraps connector errors in "fetch failed"). */
export function findEgressError(error: unknown): EgressError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (current instanceof EgressError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

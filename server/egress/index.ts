/**
 * The process-wide egress guard, configured from the environment. Every outbound request goes through it:
 * `egress().fetch(url, init, options)`, or `egress().fetchWith(options)` for a library that takes a `fetch`.
 */
import { env } from "@/server/env";
import { createEgressGuard, type EgressGuard } from "./guard";

export { createEgressGuard, EGRESS_DEFAULTS, systemResolver } from "./guard";
export type { EgressCallOptions, EgressGuard, EgressGuardOptions, RedirectHop, Resolver, WorkspaceEgressLists } from "./guard";
export { EgressError, findEgressError, isEgressError, type EgressRule } from "./errors";

let shared: EgressGuard | undefined;

export function egress(): EgressGuard {
  shared ??= createEgressGuard({ allow: env().CADRE_EGRESS_ALLOW });
  return shared;
}

/** Tests: swap the shared guard (e.g. for one with an empty allowlist); `undefined` rebuilds it from the environment. */
export function setEgressGuard(guard: EgressGuard | undefined): void {
  shared = guard;
}

import { env } from "@/server/env";
import { logger } from "@/server/logger";

/**
 * Security events: denied accesses (a permission refused, another workspace's resource asked for), logged with the
 * request id, the actor and the route, never a secret or an input value. Limited per actor: at most
 * CADRE_SECURITY_LOG_PER_MINUTE lines a minute; what is over is counted and reported in one summary line when the
 * actor's next minute starts (or at the latest SUMMARY_MS later), so that a probe cannot flood the log.
 */
export type SecurityEventKind = "permission_denied" | "cross_workspace" | "not_found" | "rate_limited" | "invalid_credentials" | "origin_refused";

export interface SecurityEvent {
  kind: SecurityEventKind;
  /** who: `user:usr_…`, `api_key:key_…`, `ip:1.2.3.4`, `anonymous` */
  actor: string;
  requestId?: string;
  /** the tRPC path or `METHOD /api/v1/...` (the route pattern, not the URL) */
  route?: string;
  workspaceId?: string;
  workspaceSlug?: string;
  permission?: string;
  clientIp?: string;
  reason?: string;
}

const WINDOW_MS = 60_000;

interface ActorWindow {
  start: number;
  logged: number;
  suppressed: number;
  kinds: Set<string>;
  timer: NodeJS.Timeout | null;
}

const windows = new Map<string, ActorWindow>();

function summarize(actor: string, w: ActorWindow): void {
  if (w.suppressed > 0) {
    logger.warn(
      { security: "suppressed", actor, suppressed: w.suppressed, kinds: [...w.kinds], since: new Date(w.start).toISOString() },
      "security events suppressed",
    );
  }
  w.suppressed = 0;
  w.kinds.clear();
}

export function logSecurityEvent(event: SecurityEvent, now = Date.now()): void {
  const max = env().CADRE_SECURITY_LOG_PER_MINUTE;
  let w = windows.get(event.actor);
  if (w && now - w.start >= WINDOW_MS) {
    if (w.timer) clearTimeout(w.timer);
    summarize(event.actor, w);
    windows.delete(event.actor);
    w = undefined;
  }
  if (!w) {
    if (windows.size >= 10_000) flushSecuritySummaries();
    w = { start: now, logged: 0, suppressed: 0, kinds: new Set(), timer: null };
    windows.set(event.actor, w);
  }
  if (w.logged < max) {
    w.logged++;
    const { kind, ...rest } = event;
    logger.warn({ security: kind, ...rest }, `security: ${kind.replace("_", " ")}`);
    return;
  }
  w.suppressed++;
  w.kinds.add(event.kind);
  if (!w.timer) {
    const actor = event.actor;
    const current = w;
    current.timer = setTimeout(
      () => {
        current.timer = null;
        summarize(actor, current);
        if (windows.get(actor) === current) windows.delete(actor);
      },
      Math.max(0, current.start + WINDOW_MS - now),
    );
    current.timer.unref?.();
  }
}

/** Writes the pending summaries and forgets every window (tests; a full table). */
export function flushSecuritySummaries(): void {
  for (const [actor, w] of windows) {
    if (w.timer) clearTimeout(w.timer);
    summarize(actor, w);
  }
  windows.clear();
}

/** Whether the actor's next event would be logged in full (callers skip costly classification otherwise). */
export function securityLogHasRoom(actor: string, now = Date.now()): boolean {
  const w = windows.get(actor);
  return !w || now - w.start >= WINDOW_MS || w.logged < env().CADRE_SECURITY_LOG_PER_MINUTE;
}

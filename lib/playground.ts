/**
 * The playground's pure parts (issue 14: the playground is a session chat, its history kept on the server): what a
 * target value means, the session a URL names, the title a new chat gets, and where the last target is remembered.
 */
import { sessionIdSchema, SESSION_TITLE_MAX } from "@/lib/schemas/sessions";

/** The select's value: "agent:<slug>" or "team:<slug>". */
export type TargetRef = { agent: string } | { team: string };

export function parseTarget(value: string): TargetRef | null {
  const at = value.indexOf(":");
  const [kind, slug] = [value.slice(0, at), value.slice(at + 1)];
  if (at < 0 || !slug) return null;
  return kind === "team" ? { team: slug } : kind === "agent" ? { agent: slug } : null;
}

/** The select's value for a session's target. */
export function sessionTarget(session: { agent: { slug: string } | null; team: { slug: string } | null }): string {
  return session.team ? `team:${session.team.slug}` : `agent:${session.agent?.slug ?? ""}`;
}

/** The session a URL's `?session=` names, or null when it is missing or not a session id (a hand-edited link). */
export function sessionFromUrl(value: string | null): string | null {
  return value && sessionIdSchema.safeParse(value).success ? value : null;
}

/** The URL of the page showing `sessionId` (or none), other parameters kept; `?target=` gives way to a session. */
export function urlWithSession(href: string, sessionId: string | null): string {
  const url = new URL(href);
  if (sessionId) {
    url.searchParams.set("session", sessionId);
    url.searchParams.delete("target");
  } else url.searchParams.delete("session");
  return `${url.pathname}${url.search}${url.hash}`;
}

export const CHAT_TITLE_CHARS = 80;

/** A new chat's title: its first message's first line, cut to a list's width. */
export function chatTitle(message: string): string {
  const line = message.trim().split("\n")[0]!.trim().replace(/\s+/g, " ");
  const max = Math.min(CHAT_TITLE_CHARS, SESSION_TITLE_MAX);
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/** An answer's stored status as the run's (a message is ok | failed | cancelled). */
export function answerStatus(status: "ok" | "failed" | "cancelled"): "succeeded" | "failed" | "cancelled" {
  return status === "ok" ? "succeeded" : status;
}

/** Where the person's last target is kept (the page opens on it). */
export function lastTargetKey(userId: string, workspace: string): string {
  return `cadre.playground.${userId}.${workspace}:last`;
}

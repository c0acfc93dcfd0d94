import Link from "next/link";
import { formatTimestamp } from "@/components/ui/format";

const LABELS: Record<string, string> = {
  "auth.sign_in": "Signed in",
  "auth.sign_in_failed": "Failed sign-in",
  "auth.sign_in_limited": "Sign-in refused (too many attempts)",
  "auth.sign_up": "Account created",
  "auth.oauth_link": "Sign-in provider linked",
  "auth.session_revoke": "Sessions revoked",
};

export interface AuthEventView {
  id: string;
  action: string;
  clientIp: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/** The signed-in person's own authentication events (server-rendered, newest first). */
export function AuthEventList({ events, nextCursor }: { events: AuthEventView[]; nextCursor: string | null }) {
  if (events.length === 0)
    return (
      <p className="muted" data-testid="auth-events-empty">
        No sign-in activity recorded yet.
      </p>
    );
  return (
    <>
      <div className="table-wrap">
        <table className="table table-compact" data-testid="auth-events">
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>From</th>
              <th>Browser or client</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id} data-testid="auth-event-row" data-action={e.action}>
                <td className="nowrap" title={e.createdAt.toISOString()}>
                  {formatTimestamp(e.createdAt)}
                </td>
                <td>
                  {LABELS[e.action] ?? e.action}
                  {typeof e.metadata.method === "string" && e.metadata.method !== "password" ? <span className="muted"> ({e.metadata.method})</span> : null}
                  {typeof e.metadata.provider === "string" ? <span className="muted"> ({e.metadata.provider})</span> : null}
                </td>
                <td className="nowrap">{e.clientIp ?? <span className="muted">unknown</span>}</td>
                <td className="metadata" title={e.userAgent ?? undefined}>
                  {e.userAgent ?? <span className="muted">unknown</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {nextCursor ? (
        <div className="load-more">
          <Link className="btn btn-secondary" href={`/account/activity?cursor=${encodeURIComponent(nextCursor)}`}>
            Older
          </Link>
        </div>
      ) : null}
    </>
  );
}

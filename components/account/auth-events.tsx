import Link from "next/link";
import { formatTimestamp } from "@/components/ui/format";
import { buttonVariants } from "@/components/ui/button";

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
      <p className="text-muted-foreground" data-testid="auth-events-empty">
        No sign-in activity recorded yet.
      </p>
    );
  return (
    <>
      <div className="overflow-x-auto rounded-md border">
        <table
          className="w-full text-sm [&_td]:px-3 [&_td]:py-2 [&_td]:align-top [&_th]:h-9 [&_th]:px-3 [&_th]:text-left [&_th]:font-medium [&_th]:text-muted-foreground [&_thead_tr]:border-b [&_tbody_tr]:border-b [&_tbody_tr:last-child]:border-0"
          data-testid="auth-events"
        >
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
                <td className="whitespace-nowrap" title={e.createdAt.toISOString()}>
                  {formatTimestamp(e.createdAt)}
                </td>
                <td>
                  {LABELS[e.action] ?? e.action}
                  {typeof e.metadata.method === "string" && e.metadata.method !== "password" ? (
                    <span className="text-muted-foreground"> ({e.metadata.method})</span>
                  ) : null}
                  {typeof e.metadata.provider === "string" ? <span className="text-muted-foreground"> ({e.metadata.provider})</span> : null}
                </td>
                <td className="whitespace-nowrap">{e.clientIp ?? <span className="text-muted-foreground">unknown</span>}</td>
                <td title={e.userAgent ?? undefined}>{e.userAgent ?? <span className="text-muted-foreground">unknown</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {nextCursor ? (
        <div className="flex justify-center">
          <Link className={buttonVariants({ variant: "outline" })} href={`/account/activity?cursor=${encodeURIComponent(nextCursor)}`}>
            Older
          </Link>
        </div>
      ) : null}
    </>
  );
}

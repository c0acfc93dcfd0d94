import type { Metadata } from "next";
import { AuthCard } from "@/components/auth/auth-card";
import { firstParam } from "@/components/auth/callback-url";
import { SsoTicketSignIn } from "@/components/auth/sso-ticket-sign-in";
import { safeCallbackUrl } from "@/lib/callback-url";
import { SSO_ERRORS } from "@/lib/schemas/sso";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Single sign-on", referrer: "no-referrer" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Where an organisation's SSO callback sends the browser with its single-use ticket. */
export default async function SsoSignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const ticket = firstParam(params.ticket) ?? "";
  return (
    <AuthCard title="Single sign-on" subtitle="Finishing your sign-in.">
      {ticket ? <SsoTicketSignIn ticket={ticket} callbackUrl={safeCallbackUrl(params.callbackUrl)} /> : <p role="alert">{SSO_ERRORS.sso_ticket}</p>}
    </AuthCard>
  );
}

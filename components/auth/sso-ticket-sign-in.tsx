"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { signIn } from "next-auth/react";
import { SSO_ERRORS } from "@/lib/schemas/sso";

/**
 * The last step of an SSO sign-in: the callback's single-use ticket is handed to next-auth (the "sso" provider), then
 * the page the person was going to is loaded in full.
 */
export function SsoTicketSignIn({ ticket, callbackUrl }: { ticket: string; callbackUrl: string }) {
  const [failed, setFailed] = useState(false);
  // the ticket works once: React's development double effects must not spend it twice
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void signIn("sso", { ticket, redirect: false })
      .then((result) => {
        if (!result || result.error) return setFailed(true);
        window.location.assign(callbackUrl);
      })
      .catch(() => setFailed(true));
  }, [ticket, callbackUrl]);
  if (!failed) return <p className="text-sm text-muted-foreground">Signing you in…</p>;
  return (
    <p role="alert" className="text-sm">
      {SSO_ERRORS.sso_ticket} <Link href="/sign-in">Back to sign-in</Link>
    </p>
  );
}

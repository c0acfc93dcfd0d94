"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { SSO_ERRORS } from "@/lib/schemas/sso";
import { Button } from "@/components/ui/button";

export interface SsoRoute {
  sso: boolean;
  organization: string | null;
  forced: boolean;
  startUrl: string | null;
}

/** Whether an address signs in with its organisation's SSO (asked once the email field is left); null: not at all. */
export function useSsoRoute(email: string): SsoRoute | null {
  const trpc = useTRPC();
  const enabled = /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email);
  const query = useQuery({ ...trpc.auth.ssoFor.queryOptions({ email }), enabled, staleTime: 60_000, retry: false });
  const route = enabled ? query.data : undefined;
  return route && (route.sso || route.forced) ? route : null;
}

export function ssoStartHref(startUrl: string, callbackUrl: string): string {
  return callbackUrl === "/" ? startUrl : `${startUrl}?callbackUrl=${encodeURIComponent(callbackUrl)}`;
}

/** "Continue with SSO", and why the password is gone when the organisation forces it. */
export function SsoChoice({ route, callbackUrl }: { route: SsoRoute; callbackUrl: string }) {
  return (
    <div className="grid gap-2 rounded-lg border bg-muted/40 px-4 py-3 text-sm" data-testid="signin-sso">
      {route.forced ? <p>{route.organization ? `${route.organization} requires signing in with its single sign-on.` : SSO_ERRORS.sso_required}</p> : null}
      {route.startUrl ? (
        <Button asChild className="w-full">
          <a href={ssoStartHref(route.startUrl, callbackUrl)} data-testid="signin-sso-continue">
            Continue with SSO{route.organization ? ` (${route.organization})` : ""}
          </a>
        </Button>
      ) : (
        <p>Its single sign-on is not available right now: contact your administrator.</p>
      )}
    </div>
  );
}

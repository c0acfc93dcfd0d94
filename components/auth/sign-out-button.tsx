"use client";

import { useState } from "react";
import { signOut } from "next-auth/react";
import { buttonVariants } from "@/components/ui/button";

export function SignOutButton({
  className = buttonVariants({ variant: "ghost", size: "sm" }),
  redirectTo = "/sign-in",
  label = "Sign out",
}: {
  className?: string;
  /** where to land afterwards (a path on this site) */
  redirectTo?: string;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      className={className}
      data-testid="sign-out"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await signOut({ redirect: false });
        } finally {
          // a full load drops every cached query of the previous user
          window.location.assign(redirectTo);
        }
      }}
    >
      {busy ? "Signing out…" : label}
    </button>
  );
}

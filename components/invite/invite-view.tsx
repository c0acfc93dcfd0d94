"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { authHref } from "@/components/auth/callback-url";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { RoleBadge, StatusBadge } from "@/components/ui/badge";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { formatDateTime } from "@/components/ui/format";
import { Button, buttonVariants } from "@/components/ui/button";

const STATUS_EXPLAINED: Record<string, string> = {
  accepted: "This invitation has already been used. Each link works once.",
  revoked: "This invitation was revoked. Ask for a new one.",
  expired: "This invitation has expired. Ask for a new one.",
};

export function InviteView({ token, signedInAs }: { token: string; signedInAs: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const here = `/invite/${token}`;
  const preview = useQuery(trpc.invitations.preview.queryOptions({ token }));
  const accept = useMutation(
    trpc.invitations.accept.mutationOptions({
      onSuccess: async (result) => {
        await queryClient.invalidateQueries();
        router.push(`/w/${result.workspace.slug}`);
      },
    }),
  );

  if (preview.isPending) return <Loading label="Loading the invitation…" />;
  if (preview.isError) {
    return (
      <>
        <FormError message={errorMessage(preview.error, "This invitation link is not valid")} />
        <p className="text-muted-foreground">Check that you copied the whole link, or ask for a new invitation.</p>
        <Link href="/" className={buttonVariants({ variant: "outline" })}>
          Go home
        </Link>
      </>
    );
  }

  const inv = preview.data;
  const wrongUser = signedInAs !== null && signedInAs.toLowerCase() !== inv.email.toLowerCase();
  return (
    <>
      <p className="text-base">
        <strong>{inv.invitedBy}</strong> invited you to join <strong>{inv.workspaceName}</strong> as <RoleBadge role={inv.role} />.
      </p>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm [&_dt]:text-muted-foreground">
        <dt>Workspace</dt>
        <dd data-testid="invite-workspace">{inv.workspaceName}</dd>
        <dt>Invited email</dt>
        <dd data-testid="invite-email-shown">{inv.email}</dd>
        <dt>Role</dt>
        <dd>{inv.role}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={inv.status} testId="invite-status" />
        </dd>
        <dt>{inv.status === "expired" ? "Expired" : "Expires"}</dt>
        <dd>{formatDateTime(inv.expiresAt)}</dd>
      </dl>

      {inv.status !== "pending" ? (
        <p className="rounded-lg border bg-muted/40 px-4 py-3 text-sm border-warning/40 bg-warning/10">{STATUS_EXPLAINED[inv.status]}</p>
      ) : null}

      {signedInAs === null ? (
        <div className="grid gap-3">
          <p className="text-muted-foreground">
            Sign in or create an account as <strong>{inv.email}</strong> to accept.
          </p>
          <div className="flex flex-wrap items-center gap-2">
            <Link className={buttonVariants()} href={authHref("/sign-in", { callbackUrl: here, email: inv.email })}>
              Sign in
            </Link>
            <Link className={buttonVariants({ variant: "outline" })} href={authHref("/sign-up", { callbackUrl: here, email: inv.email })}>
              Sign up
            </Link>
          </div>
        </div>
      ) : (
        <div className="grid gap-3">
          <p className="text-muted-foreground">
            Signed in as <strong>{signedInAs}</strong>.
          </p>
          {wrongUser && !accept.error ? (
            <p className="rounded-lg border bg-muted/40 px-4 py-3 text-sm border-warning/40 bg-warning/10">
              This invitation is for {inv.email}. Sign in with that address to accept it.
            </p>
          ) : null}
          <FormError message={accept.error ? errorMessage(accept.error) : null} />
          <div className="flex flex-wrap items-center gap-2">
            <Button data-testid="invite-accept" disabled={accept.isPending || accept.isSuccess} onClick={() => accept.mutate({ token })}>
              {accept.isPending || accept.isSuccess ? "Joining…" : `Accept and join ${inv.workspaceName}`}
            </Button>
            {wrongUser ? (
              <SignOutButton
                className={buttonVariants({ variant: "outline" })}
                label={`Sign in as ${inv.email}`}
                redirectTo={authHref("/sign-in", { callbackUrl: here, email: inv.email })}
              />
            ) : null}
          </div>
        </div>
      )}
    </>
  );
}

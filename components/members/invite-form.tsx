"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { Role } from "@/lib/permissions";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { FormError } from "@/components/ui/form-error";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { grantableRoles, ROLE_LABELS } from "./roles";

export function InviteForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { role: myRole } = useWorkspace();
  const roles = grantableRoles(myRole);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>(roles.includes("member") ? "member" : (roles[0] ?? "viewer"));
  const create = useMutation(
    trpc.invitations.create.mutationOptions({
      onSuccess: async () => {
        setEmail("");
        await queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey() });
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate({ email: email.trim(), role });
  }

  const result = create.data;
  return (
    <Card title="Invite people" description="They get a link that adds them to this workspace with the role you choose." testId="invite-form">
      <form className="form form-inline" onSubmit={onSubmit} noValidate>
        <div className="field grow">
          <label htmlFor="invite-email">Email</label>
          <input
            id="invite-email"
            data-testid="invite-email"
            type="email"
            autoComplete="off"
            placeholder="name@company.com"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" data-testid="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-submit">
          <button type="submit" className="btn btn-primary" data-testid="invite-submit" disabled={create.isPending || !email.trim()}>
            {create.isPending ? "Inviting…" : "Invite"}
          </button>
        </div>
      </form>
      <FormError message={create.error ? errorMessage(create.error) : null} />
      {result ? (
        <div className="invite-result" data-testid="invite-result">
          <p>
            Share this link: it works once, only for <strong>{result.invitation.email}</strong>, until {formatDateTime(result.invitation.expiresAt)}.
            {result.emailed ? " Also emailed." : ""}
          </p>
          <div className="copy-row">
            <input readOnly data-testid="invite-url" aria-label="Invitation link" value={result.url} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={result.url} testId="invite-copy" />
          </div>
        </div>
      ) : null}
    </Card>
  );
}

"use client";

import { CopyButton } from "@/components/ui/copy-button";
import { formatDateTime } from "@/components/ui/format";
import { Input } from "@/components/ui/input";

export interface IssuedInvitation {
  invitation: { email: string; expiresAt: Date };
  url: string;
  emailed: boolean;
}

/** A just-issued invitation link (shown once: the server keeps only its hash) with a copy button. */
export function InvitationLink({ result, testIds }: { result: IssuedInvitation; testIds: { box: string; url: string; copy: string } }) {
  return (
    <div className="grid gap-2 rounded-md border bg-muted/40 p-3 text-sm" data-testid={testIds.box} role="status">
      <p>
        Share this link: it works once, only for <strong>{result.invitation.email}</strong>, until {formatDateTime(result.invitation.expiresAt)}.
        {result.emailed ? " Also emailed." : ""}
      </p>
      <div className="flex items-center gap-2">
        <Input
          readOnly
          data-testid={testIds.url}
          aria-label="Invitation link"
          value={result.url}
          onFocus={(e) => e.currentTarget.select()}
          className="font-mono text-xs"
        />
        <CopyButton text={result.url} testId={testIds.copy} />
      </div>
    </div>
  );
}

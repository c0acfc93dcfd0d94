"use client";

import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";

/** A webhook's signing secret, shown once (after creation or a rotation), with how to verify it. */
export function ShownSecret({ secret, rotated, onDone }: { secret: string; rotated: boolean; onDone: () => void }) {
  return (
    <div className="grid gap-3" data-testid="webhook-secret-box">
      <div role="status" className="rounded-md border border-warning/50 bg-warning/10 px-3 py-2 text-sm">
        {rotated ? "The new signing secret. The previous one keeps signing for 24 hours. " : "The signing secret of the webhook. "}
        Copy it now: <strong>you will not see it again.</strong>
      </div>
      <div className="flex items-center gap-2">
        <code className="min-w-0 flex-1 rounded-md border bg-muted px-3 py-2 font-mono text-xs break-all" data-testid="webhook-secret">
          {secret}
        </code>
        <CopyButton text={secret} testId="webhook-secret-copy" />
      </div>
      <p className="text-sm text-muted-foreground">
        Verify each request with a Standard Webhooks library (webhook-id, webhook-timestamp and webhook-signature headers).
      </p>
      <div className="flex justify-end">
        <Button onClick={onDone} data-testid="webhook-secret-done">
          I have stored it
        </Button>
      </div>
    </div>
  );
}

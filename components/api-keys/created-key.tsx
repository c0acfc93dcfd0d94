"use client";

import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";

/** The full key, shown once right after creation, with a ready-to-run curl line and the `cadre` CLI's login line. */
export function CreatedKey({ name, apiKey, onDone }: { name: string; apiKey: string; onDone: () => void }) {
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const curl = `curl -H "Authorization: Bearer ${apiKey}" ${origin}/api/v1/me`;
  const cli = `cadre login --url ${origin} --api-key ${apiKey}`;
  return (
    <div className="grid gap-3" data-testid="apikey-created-box">
      <div role="status" className="rounded-md border border-warning/50 bg-warning/10 px-3 py-2 text-sm">
        API key <strong>{name}</strong> created. Copy it now: <strong>you will not see it again.</strong>
      </div>
      <div className="flex items-center gap-2">
        <code className="min-w-0 flex-1 rounded-md border bg-muted px-3 py-2 font-mono text-xs break-all" data-testid="apikey-created">
          {apiKey}
        </code>
        <CopyButton text={apiKey} testId="apikey-copy" />
      </div>
      <p className="text-sm text-muted-foreground">Try it:</p>
      <div className="flex items-start gap-2">
        <pre className="min-w-0 flex-1 overflow-x-auto rounded-md border bg-muted px-3 py-2 font-mono text-xs" data-testid="apikey-curl">
          {curl}
        </pre>
        <CopyButton text={curl} label="Copy command" />
      </div>
      <p className="text-sm text-muted-foreground">Or with the command line (packages/cli):</p>
      <div className="flex items-start gap-2">
        <pre className="min-w-0 flex-1 overflow-x-auto rounded-md border bg-muted px-3 py-2 font-mono text-xs" data-testid="apikey-cli">
          {cli}
        </pre>
        <CopyButton text={cli} label="Copy CLI command" />
      </div>
      <div className="flex justify-end">
        <Button onClick={onDone} data-testid="apikey-done">
          I have stored it
        </Button>
      </div>
    </div>
  );
}

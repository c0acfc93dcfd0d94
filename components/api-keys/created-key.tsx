"use client";

import { CopyButton } from "@/components/ui/copy-button";

/** The full key, shown once right after creation, with a ready-to-run curl line. */
export function CreatedKey({ name, apiKey, onDone }: { name: string; apiKey: string; onDone: () => void }) {
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const curl = `curl -H "Authorization: Bearer ${apiKey}" ${origin}/api/v1/me`;
  return (
    <div className="secret-box" data-testid="apikey-created-box">
      <p className="secret-title">
        API key <strong>{name}</strong> created. Copy it now: <strong>you will not see it again.</strong>
      </p>
      <div className="copy-row">
        <code className="secret-value" data-testid="apikey-created">
          {apiKey}
        </code>
        <CopyButton text={apiKey} testId="apikey-copy" />
      </div>
      <p className="muted">Try it:</p>
      <div className="copy-row">
        <pre className="code-block" data-testid="apikey-curl">
          {curl}
        </pre>
        <CopyButton text={curl} label="Copy command" />
      </div>
      <button type="button" className="btn btn-ghost btn-sm" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}

"use client";

import { useEffect, useState, type ReactNode } from "react";
import { CopyButton } from "@/components/ui/copy-button";

/** A fenced code block: language label, copy button, highlighting once ./highlight.ts has loaded (plain until then). */
export function CodeBlock({ code, language }: { code: string; language?: string }) {
  const [highlighted, setHighlighted] = useState<ReactNode | null>(null);
  useEffect(() => {
    let live = true;
    setHighlighted(null);
    if (!language) return;
    void import("./highlight").then(({ highlight }) => {
      const out = highlight(code, language);
      if (live && out) setHighlighted(out);
    });
    return () => {
      live = false;
    };
  }, [code, language]);
  return (
    <div className="my-3 overflow-hidden rounded-md border border-border bg-muted" data-testid="md-code-block">
      <div className="flex items-center justify-between border-b border-border px-3 py-1 text-xs text-muted-foreground">
        <span>{language ?? "text"}</span>
        <CopyButton text={code} label="Copy code" testId="md-code-copy" />
      </div>
      <pre className="overflow-x-auto p-3 text-[0.85em] leading-snug">
        <code className={language ? `hljs language-${language}` : undefined}>{highlighted ?? code}</code>
      </pre>
    </div>
  );
}

"use client";

import type { ReactNode } from "react";
import { Button } from "./button";
import { CopyButton } from "./copy-button";

/** A value in a code box with its copy button (a token, a URL to paste elsewhere). */
export function CopyableCode({ value, testId }: { value: string; testId: string }) {
  return (
    <div className="flex items-center gap-2">
      <code className="min-w-0 flex-1 rounded-md border bg-muted px-3 py-2 font-mono text-xs break-all" data-testid={testId}>
        {value}
      </code>
      <CopyButton text={value} testId={`${testId}-copy`} />
    </div>
  );
}

/** A secret shown once right after it was made: the warning, the value with copy, and "I have stored it". */
export function ShownOnce({
  notice,
  value,
  testId,
  onDone,
  children,
}: {
  notice: ReactNode;
  value: string;
  testId: string;
  onDone: () => void;
  children?: ReactNode;
}) {
  return (
    <div className="grid gap-3" data-testid={`${testId}-box`}>
      <div role="status" className="rounded-md border border-warning/50 bg-warning/10 px-3 py-2 text-sm">
        {notice} Copy it now: <strong>you will not see it again.</strong>
      </div>
      <CopyableCode value={value} testId={testId} />
      {children}
      <div className="flex justify-end">
        <Button onClick={onDone} data-testid={`${testId}-done`}>
          I have stored it
        </Button>
      </div>
    </div>
  );
}

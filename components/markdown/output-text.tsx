"use client";

import { useState } from "react";
import { Markdown } from "./markdown";

/**
 * A model's output: rendered as Markdown (./markdown.tsx), with a switch to its exact raw text (what the API returns,
 * e.g. to copy JSON or see the HTML the renderer dropped). `testId` names the element that holds the text.
 */
export function OutputText({ text, testId }: { text: string; testId?: string }) {
  const [raw, setRaw] = useState(false);
  return (
    <div className="flex flex-col gap-1">
      <div className="flex justify-end">
        <button
          type="button"
          className="text-xs text-muted-foreground underline-offset-2 hover:underline"
          aria-pressed={raw}
          data-testid={testId ? `${testId}-raw` : undefined}
          onClick={() => setRaw((r) => !r)}
        >
          {raw ? "Show formatted" : "Show raw text"}
        </button>
      </div>
      {raw ? (
        <pre className="max-h-[32rem] overflow-auto rounded-md border p-3 font-mono text-xs whitespace-pre-wrap break-words" data-testid={testId}>
          {text}
        </pre>
      ) : (
        <Markdown text={text} testId={testId} />
      )}
    </div>
  );
}

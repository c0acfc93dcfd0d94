"use client";

import { lazy, Suspense } from "react";

const OutputTextImpl = lazy(() => import("./output-text").then((m) => ({ default: m.OutputText })));

/**
 * ./output-text.tsx loaded after the page (the Markdown renderer is ~75 kB compressed): until then the text shows as
 * it is, under the same test id.
 */
export function OutputText({ text, testId }: { text: string; testId?: string }) {
  return (
    <Suspense
      fallback={
        <pre className="max-h-[32rem] overflow-auto rounded-md border p-3 font-mono text-xs whitespace-pre-wrap break-words" data-testid={testId}>
          {text}
        </pre>
      }
    >
      <OutputTextImpl text={text} testId={testId} />
    </Suspense>
  );
}

"use client";

import { lazy, Suspense, useDeferredValue } from "react";
import { cn } from "@/lib/cn";

// a blinking block after the text: more is coming
const CURSOR = "after:ml-px after:inline-block after:animate-pulse after:text-primary after:content-['▍']";

const Markdown = lazy(() => import("./markdown").then((m) => ({ default: m.Markdown })));

/**
 * Text a model is still writing, rendered as Markdown as it arrives (./markdown.tsx renders a half-written document as
 * far as it parses, and re-renders only its last block), with a cursor at the end. The deferred value keeps typing
 * and scrolling responsive when deltas come fast. Until the renderer has loaded, the text shows as it is.
 */
export function LiveText({ text, testId, className }: { text: string; testId?: string; className?: string }) {
  const shown = useDeferredValue(text);
  return (
    <div className={cn(CURSOR, className)} data-testid={testId} data-streaming="">
      <Suspense fallback={<pre className="whitespace-pre-wrap font-sans text-sm">{shown}</pre>}>
        <Markdown text={shown} className="inline-block w-full" />
      </Suspense>
    </div>
  );
}

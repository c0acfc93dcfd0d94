"use client";

import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { formatDateTime } from "@/components/ui/format";
import type { MemoryOutput } from "@/lib/schemas/memory";
import { isLexicalModel, sourceRefOf } from "./memory-format";

/** Who created a memory: "you", a member's email (when the page could read the members), an API key, or an id. */
export type CreatorName = (memory: Pick<MemoryOutput, "createdByType" | "createdById">) => string;

/** The model that embedded a memory (or a recall's query), and a badge when it is the simulator's lexical one. */
export function EmbeddingModel({ model }: { model: string }) {
  const lexical = isLexicalModel(model);
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <code className="font-mono text-xs break-all" data-testid="memory-embedding-model">
        {model}
      </code>
      {lexical ? (
        <Badge
          tone="warning"
          testId="memory-lexical"
          title="The offline simulator embedded this: its vectors are a hashed bag of words, so recall matches shared words, not meaning. Add a provider with an embedding model for semantic recall."
        >
          lexical, not semantic
        </Badge>
      ) : null}
    </span>
  );
}

/**
 * Where a memory came from: its source, the run (a link to the run's page) and step, the document, the note; who
 * created it and when; the embedding model.
 */
export function Provenance({ memory, slug, creator }: { memory: MemoryOutput; slug: string; creator: CreatorName }) {
  const ref = sourceRefOf(memory);
  return (
    <div className="grid gap-1 text-xs text-muted-foreground" data-testid="memory-provenance">
      <span className="flex flex-wrap items-center gap-1">
        <Badge tone="neutral" testId="memory-source">
          {memory.source}
        </Badge>
        <span data-testid="memory-created-by">by {creator(memory)}</span>
        <span title={memory.createdAt.toISOString()}>· {formatDateTime(memory.createdAt)}</span>
      </span>
      {ref.runId ? (
        <span>
          Run{" "}
          <Link href={`/w/${slug}/runs/${encodeURIComponent(ref.runId)}`} className="font-mono text-primary hover:underline" data-testid="memory-run-link">
            {ref.runId}
          </Link>
          {ref.stepId ? (
            <>
              , step <code className="font-mono">{ref.stepId}</code>
            </>
          ) : null}
        </span>
      ) : ref.stepId ? (
        <span>
          Step <code className="font-mono">{ref.stepId}</code>
        </span>
      ) : null}
      {ref.documentId ? (
        <span data-testid="memory-document">
          Document <code className="font-mono">{ref.documentId}</code>
        </span>
      ) : null}
      {ref.note ? (
        <span className="line-clamp-2" data-testid="memory-note-text">
          “{ref.note}”
        </span>
      ) : null}
      <EmbeddingModel model={memory.embeddingModel} />
    </div>
  );
}

"use client";

import { useState } from "react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { LoadMore, type PagedList } from "@/components/ui/paged-list";
import { DiffView, VersionHistory, type FieldChange } from "./version-history";

interface QueryState<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
}

/** The versions loaded so far; more come with "Load more" (versions page newest first). */
type VersionPages<V> = QueryState<V[]> & Pick<PagedList<V>, "hasNextPage" | "isFetchingNextPage" | "fetchNextPage">;

export interface ComparePair {
  from: number;
  to: number;
  compare: (from: number, to: number) => void;
}

/** The two versions to compare: the pair picked, else the latest change, else v1 with itself. */
export function useComparePair(current: number): ComparePair {
  const [pair, setPair] = useState<[number, number] | null>(null);
  const [from, to] = pair ?? (current > 1 ? [current - 1, current] : [1, 1]);
  return { from, to, compare: (f, t) => setPair([f, t]) };
}

/** The History card of an agent or a team: its versions, and the diff of the pair being compared. */
export function HistoryCard<V extends { version: number; name: string; createdAt: Date; releasedAt: Date | null }>({
  versions,
  summary,
  diff,
  current,
  pair,
  rowTestId,
  diffTestId,
  labels,
  restore,
}: {
  versions: VersionPages<V>;
  summary: (version: V) => string;
  diff: QueryState<{ from: number; to: number; changes: FieldChange[] }>;
  current: number;
  pair: ComparePair;
  rowTestId: string;
  diffTestId: string;
  labels?: Record<string, string>;
  /** "Restore" on released versions (absent without the permission to save) */
  restore?: { onRestore: (version: number) => void; pending: boolean; error: unknown; restored: number | null };
}) {
  return (
    <Card title="History" description="Every save is a version; runs pin the version they started with.">
      <FormError
        message={
          versions.isError ? errorMessage(versions.error) : diff.isError ? errorMessage(diff.error) : restore?.error ? errorMessage(restore.error) : null
        }
      />
      {restore?.restored ? (
        <p className="text-muted-foreground text-sm" role="status" data-testid="version-restored">
          Restored as version {restore.restored}.
        </p>
      ) : null}
      {versions.isPending ? (
        <Loading />
      ) : (
        <VersionHistory
          versions={(versions.data ?? []).map((v) => ({
            version: v.version,
            name: v.name,
            createdAt: v.createdAt,
            summary: summary(v),
            released: v.releasedAt !== null,
          }))}
          current={current}
          rowTestId={rowTestId}
          from={pair.from}
          to={pair.to}
          onCompare={pair.compare}
          onRestore={restore?.onRestore}
          restoring={restore?.pending}
        />
      )}
      <LoadMore list={versions} testId={`${rowTestId}-load-more`} />
      {diff.data ? <DiffView from={diff.data.from} to={diff.data.to} changes={diff.data.changes} testId={diffTestId} labels={labels} /> : null}
    </Card>
  );
}

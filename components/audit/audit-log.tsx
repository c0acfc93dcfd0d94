"use client";

import { useEffect, useState, type FormEvent } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { formatTimestamp } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";

const PAGE_SIZE = 50;

function compactJson(value: Record<string, unknown>): string {
  const text = JSON.stringify(value);
  return text === "{}" ? "" : text;
}

function AuditTable() {
  const trpc = useTRPC();
  const [draft, setDraft] = useState("");
  const [action, setAction] = useState("");

  // filter as you type, a moment after the last keystroke
  useEffect(() => {
    const timer = setTimeout(() => setAction(draft.trim()), 350);
    return () => clearTimeout(timer);
  }, [draft]);

  const log = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: PAGE_SIZE, action: action || undefined },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
  );
  const entries = log.data?.pages.flatMap((p) => p.items) ?? [];

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setAction(draft.trim());
  }

  return (
    <Card
      title="Events"
      description="Who did what in this workspace, newest first."
      actions={
        <form className="filter" onSubmit={onSubmit} role="search">
          <label className="visually-hidden" htmlFor="audit-filter">Filter by action prefix</label>
          <input
            id="audit-filter"
            data-testid="audit-filter"
            placeholder="Action prefix, e.g. member."
            maxLength={64}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <button type="submit" className="btn btn-secondary btn-sm" data-testid="audit-filter-submit">Filter</button>
          {draft ? (
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => { setDraft(""); setAction(""); }}>
              Clear
            </button>
          ) : null}
        </form>
      }
    >
      <FormError message={log.isError ? errorMessage(log.error) : null} />
      {log.isPending ? (
        <Loading />
      ) : entries.length === 0 ? (
        <p className="muted" data-testid="audit-empty">{action ? `No entries whose action starts with "${action}".` : "Nothing recorded yet."}</p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact table-audit">
            <colgroup>
              <col className="col-when" />
              <col className="col-actor" />
              <col className="col-action" />
              <col className="col-target" />
              <col />
            </colgroup>
            <thead>
              <tr>
                <th>When</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => {
                const meta = compactJson(e.metadata);
                return (
                  <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                    <td className="nowrap" title={e.createdAt.toISOString()}>{formatTimestamp(e.createdAt)}</td>
                    <td className="nowrap" title={e.actorLabel ?? undefined}>{e.actorLabel ?? <span className="muted">{e.actorType}</span>}</td>
                    <td><code className="action">{e.action}</code></td>
                    <td className="target">
                      {e.targetType}
                      {e.targetId ? <span className="muted target-id">{e.targetId}</span> : null}
                    </td>
                    <td className="metadata" title={meta}>{meta ? <code>{meta}</code> : null}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {log.hasNextPage ? (
        <div className="load-more">
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="audit-load-more"
            disabled={log.isFetchingNextPage}
            onClick={() => void log.fetchNextPage()}
          >
            {log.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </div>
      ) : null}
    </Card>
  );
}

export function AuditPage() {
  const { can } = useWorkspace();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Audit log</h1>
      </div>
      {can("audit:read") ? <AuditTable /> : <NoAccess>Your role cannot see the audit log.</NoAccess>}
    </div>
  );
}

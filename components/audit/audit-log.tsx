"use client";

import Link from "next/link";
import { auditTarget } from "./target";
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

/** A date input's value (yyyy-mm-dd, local) as the start of that day; `end` gives the start of the next day. */
function dayBound(value: string, end = false): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, end ? d + 1 : d);
}

function AuditTable() {
  const trpc = useTRPC();
  const { workspace, slug } = useWorkspace();
  const [draft, setDraft] = useState("");
  const [action, setAction] = useState("");
  const [actorDraft, setActorDraft] = useState("");
  const [actor, setActor] = useState("");
  const [fromDay, setFromDay] = useState("");
  const [toDay, setToDay] = useState("");

  // filter as you type, a moment after the last keystroke
  useEffect(() => {
    const timer = setTimeout(() => {
      setAction(draft.trim());
      setActor(actorDraft.trim());
    }, 350);
    return () => clearTimeout(timer);
  }, [draft, actorDraft]);

  const from = dayBound(fromDay);
  const to = dayBound(toDay, true);
  const filter = { action: action || undefined, actor: actor || undefined, from, to };
  const log = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions({ limit: PAGE_SIZE, ...filter }, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
  );
  const filtered = Boolean(action || actor || from || to);

  function exportHref(format: "jsonl" | "csv"): string {
    const params = new URLSearchParams({ workspace: workspace.slug, format });
    if (filter.action) params.set("action", filter.action);
    if (filter.actor) params.set("actor", filter.actor);
    if (from) params.set("from", from.toISOString());
    if (to) params.set("to", to.toISOString());
    return `/api/audit/export?${params}`;
  }
  const entries = log.data?.pages.flatMap((p) => p.items) ?? [];

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setAction(draft.trim());
    setActor(actorDraft.trim());
  }

  return (
    <Card
      title="Events"
      description="Who did what in this workspace, newest first."
      actions={
        // biome-ignore lint/a11y/useSemanticElements: the search landmark is the form itself (a <search> wrapper would change the layout)
        <form className="filter" onSubmit={onSubmit} role="search">
          <label className="visually-hidden" htmlFor="audit-filter">
            Filter by action prefix
          </label>
          <input
            id="audit-filter"
            data-testid="audit-filter"
            placeholder="Action prefix, e.g. member."
            maxLength={64}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <label className="visually-hidden" htmlFor="audit-actor">
            Filter by actor
          </label>
          <input
            id="audit-actor"
            data-testid="audit-actor"
            placeholder="Actor (email, key name or id)"
            maxLength={200}
            value={actorDraft}
            onChange={(e) => setActorDraft(e.target.value)}
          />
          <label className="visually-hidden" htmlFor="audit-from">
            From (date)
          </label>
          <input id="audit-from" data-testid="audit-from" type="date" value={fromDay} onChange={(e) => setFromDay(e.target.value)} title="From" />
          <label className="visually-hidden" htmlFor="audit-to">
            To (date, inclusive)
          </label>
          <input id="audit-to" data-testid="audit-to" type="date" value={toDay} onChange={(e) => setToDay(e.target.value)} title="To (inclusive)" />
          <button type="submit" className="btn btn-secondary btn-sm" data-testid="audit-filter-submit">
            Filter
          </button>
          {draft || actorDraft || fromDay || toDay ? (
            <button
              type="button"
              className="btn btn-ghost btn-sm"
              onClick={() => {
                setDraft("");
                setAction("");
                setActorDraft("");
                setActor("");
                setFromDay("");
                setToDay("");
              }}
            >
              Clear
            </button>
          ) : null}
          <a className="btn btn-secondary btn-sm" data-testid="audit-export-csv" href={exportHref("csv")} download>
            Export CSV
          </a>
          <a className="btn btn-secondary btn-sm" data-testid="audit-export-jsonl" href={exportHref("jsonl")} download>
            Export JSONL
          </a>
        </form>
      }
    >
      <FormError message={log.isError ? errorMessage(log.error) : null} />
      {log.isPending ? (
        <Loading />
      ) : entries.length === 0 ? (
        <p className="muted" data-testid="audit-empty">
          {filtered ? "No entries match these filters." : "Nothing recorded yet."}
        </p>
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
                const target = auditTarget(e);
                return (
                  <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                    <td className="nowrap" title={e.createdAt.toISOString()}>
                      {formatTimestamp(e.createdAt)}
                    </td>
                    <td className="nowrap" title={[e.actorLabel, e.clientIp, e.userAgent].filter(Boolean).join(" · ") || undefined}>
                      {e.actorLabel ?? <span className="muted">{e.actorType}</span>}
                      {e.clientIp ? (
                        <span className="muted target-id" data-testid="audit-ip">
                          {e.clientIp}
                        </span>
                      ) : null}
                    </td>
                    <td>
                      <code className="action">{e.action}</code>
                    </td>
                    <td className="target" title={e.targetId ?? undefined}>
                      {e.targetType}
                      {target.label ? (
                        target.path ? (
                          <Link className="target-id" href={`/w/${slug}${target.path}`} data-testid="audit-target-link">
                            {target.label}
                          </Link>
                        ) : (
                          <span className="target-id">{target.label}</span>
                        )
                      ) : e.targetId ? (
                        <span className="muted target-id">{e.targetId}</span>
                      ) : null}
                    </td>
                    <td className="metadata" title={meta}>
                      {meta ? <code>{meta}</code> : null}
                    </td>
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

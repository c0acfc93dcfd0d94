"use client";

import Link from "next/link";
import type { z } from "zod";
import { type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { formatTimestamp } from "@/components/ui/format";
import type { auditEntrySchema } from "@/lib/schemas/audit";
import { auditTarget } from "./target";

export type AuditEntry = z.infer<typeof auditEntrySchema>;

function compactJson(value: Record<string, unknown>): string {
  const text = JSON.stringify(value);
  return text === "{}" ? "" : text;
}

function Actor({ e }: { e: AuditEntry }) {
  return (
    <span className="grid gap-0.5" title={[e.actorLabel, e.clientIp, e.userAgent].filter(Boolean).join(" · ") || undefined}>
      <span className="whitespace-nowrap">{e.actorLabel ?? <span className="text-muted-foreground">{e.actorType}</span>}</span>
      {e.clientIp ? (
        <span className="font-mono text-xs text-muted-foreground" data-testid="audit-ip">
          {e.clientIp}
        </span>
      ) : null}
    </span>
  );
}

/** The target's type, then its name: a link where it has a page (components/audit/target.ts), else its id. */
function Target({ e, slug }: { e: AuditEntry; slug: string }) {
  const target = auditTarget(e);
  const name = target.label ? (
    target.path ? (
      <Link className="text-primary hover:underline" href={`/w/${slug}${target.path}`} data-testid="audit-target-link">
        {target.label}
      </Link>
    ) : (
      <span>{target.label}</span>
    )
  ) : e.targetId ? (
    <span className="font-mono text-xs text-muted-foreground">{e.targetId}</span>
  ) : null;
  return (
    <span className="grid gap-0.5" title={e.targetId ?? undefined}>
      <span className="text-muted-foreground">{e.targetType}</span>
      {name}
    </span>
  );
}

function Details({ e }: { e: AuditEntry }) {
  const meta = compactJson(e.metadata);
  return meta ? (
    <code className="line-clamp-2 max-w-md font-mono text-xs break-all" title={meta}>
      {meta}
    </code>
  ) : null;
}

const Action = ({ e }: { e: AuditEntry }) => <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs whitespace-nowrap">{e.action}</code>;

const col = dataTableColumns<AuditEntry>();
export const auditColumns = (slug: string): DataTableColumn<AuditEntry>[] => [
  col.accessor("createdAt", {
    id: "when",
    header: "When",
    sortFn: "datetime",
    cell: (c) => (
      <span className="whitespace-nowrap" title={c.getValue().toISOString()}>
        {formatTimestamp(c.getValue())}
      </span>
    ),
  }),
  col.accessor((e) => e.actorLabel ?? e.actorType, { id: "actor", header: "Actor", cell: (c) => <Actor e={c.row.original} /> }),
  col.accessor("action", { header: "Action", cell: (c) => <Action e={c.row.original} /> }),
  col.accessor((e) => `${e.targetType} ${auditTarget(e).label ?? e.targetId ?? ""}`, {
    id: "target",
    header: "Target",
    cell: (c) => <Target e={c.row.original} slug={slug} />,
  }),
  col.display({ id: "details", header: "Details", cell: (c) => <Details e={c.row.original} /> }),
];

/** An entry on a phone: the action and when, who, on what, the details. */
export function AuditCard({ e, slug }: { e: AuditEntry; slug: string }) {
  return (
    <div className="grid gap-2 text-sm">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Action e={e} />
        <span className="text-xs text-muted-foreground" title={e.createdAt.toISOString()}>
          {formatTimestamp(e.createdAt)}
        </span>
      </div>
      <Actor e={e} />
      <Target e={e} slug={slug} />
      <Details e={e} />
    </div>
  );
}

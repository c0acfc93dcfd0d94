"use client";

import { formatDateTime } from "@/components/ui/format";
import { Badge } from "@/components/ui/badge";
import type { DiffLine } from "@/lib/line-diff";
import { Button } from "@/components/ui/button";

export interface VersionRow {
  version: number;
  name: string;
  createdAt: Date;
  summary?: string;
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
  lines?: DiffLine[];
}

/** The versions of an agent or a team, newest first, with a choice of two to compare. */
export function VersionHistory({
  versions,
  current,
  rowTestId,
  from,
  to,
  onCompare,
}: {
  versions: VersionRow[];
  current: number;
  rowTestId: string;
  from: number | null;
  to: number | null;
  onCompare: (from: number, to: number) => void;
}) {
  const numbers = versions.map((v) => v.version);
  return (
    <div className="version-history">
      <div className="overflow-x-auto rounded-md border">
        <table className="w-full text-sm [&_td]:px-3 [&_td]:py-2 [&_td]:align-top [&_th]:h-9 [&_th]:px-3 [&_th]:text-left [&_th]:font-medium [&_th]:text-muted-foreground [&_thead_tr]:border-b [&_tbody_tr]:border-b [&_tbody_tr:last-child]:border-0 table-versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Name</th>
              <th>Saved</th>
              <th>Summary</th>
              <th className="actions-col">
                <span className="sr-only">Compare</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} data-testid={rowTestId} data-version={v.version}>
                <td className="whitespace-nowrap">
                  v{v.version} {v.version === current ? <Badge tone="accent">current</Badge> : null}
                </td>
                <td>{v.name}</td>
                <td className="whitespace-nowrap">{formatDateTime(v.createdAt)}</td>
                <td className="text-muted-foreground text-sm">{v.summary ?? ""}</td>
                <td className="actions-col">
                  {v.version > 1 ? (
                    <Button variant="ghost" size="sm" onClick={() => onCompare(v.version - 1, v.version)}>
                      Changes
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {numbers.length > 1 ? (
        <div className="flex flex-wrap items-end gap-2 version-compare">
          <span className="text-muted-foreground text-sm">Compare</span>
          <select
            aria-label="From version"
            data-testid="version-from"
            className="select-sm"
            value={from ?? ""}
            onChange={(e) => onCompare(Number(e.target.value), to ?? current)}
          >
            {numbers.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
          <span className="text-muted-foreground text-sm">with</span>
          <select
            aria-label="To version"
            data-testid="version-to"
            className="select-sm"
            value={to ?? ""}
            onChange={(e) => onCompare(from ?? 1, Number(e.target.value))}
          >
            {numbers.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
        </div>
      ) : null}
    </div>
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value === "" ? "(empty)" : value;
  return JSON.stringify(value);
}

/** What changed between two versions: each field's before/after, long text as a line diff. */
export function DiffView({
  from,
  to,
  changes,
  testId,
  labels = {},
}: {
  from: number;
  to: number;
  changes: FieldChange[];
  testId: string;
  labels?: Record<string, string>;
}) {
  return (
    <div className="diff-view" data-testid={testId} data-from={from} data-to={to}>
      <p className="text-muted-foreground text-sm">
        From v{from} to v{to}: {changes.length === 0 ? "no differences." : `${changes.length} field${changes.length === 1 ? "" : "s"} changed.`}
      </p>
      {changes.map((c) => (
        <div key={c.field} className="diff-field" data-testid="diff-field" data-field={c.field}>
          <div className="diff-field-name">{labels[c.field] ?? c.field}</div>
          {c.lines ? (
            <pre className="diff-lines">
              {c.lines.map((l, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the lines of a diff, read-only and in order
                <div key={i} className={`diff-line diff-${l.op}`}>
                  <span className="diff-sign" aria-hidden="true">
                    {l.op === "add" ? "+" : l.op === "remove" ? "−" : " "}
                  </span>
                  {l.text || " "}
                </div>
              ))}
            </pre>
          ) : (
            <div className="diff-values">
              <span className="diff-before">{show(c.before)}</span>
              <span aria-hidden="true"> → </span>
              <span className="diff-after">{show(c.after)}</span>
            </div>
          )}
        </div>
      ))}
    </div>
  );
}

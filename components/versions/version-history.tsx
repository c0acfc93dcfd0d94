"use client";

import { formatDateTime } from "@/components/ui/format";
import { Badge } from "@/components/ui/badge";
import type { DiffLine } from "@/lib/line-diff";
import { Button } from "@/components/ui/button";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { cn } from "@/lib/cn";

/** The small version pickers beside "Compare". */
const SMALL_SELECT = cn(SELECT_CLASS, "h-8 w-auto pr-7 pl-2");
/** The background of a diff line by what happened to it. */
const LINE_TONES: Record<DiffLine["op"], string> = { add: "bg-success/10", remove: "bg-destructive/10", equal: "" };

export interface VersionRow {
  version: number;
  name: string;
  createdAt: Date;
  summary?: string;
  /** false: a candidate awaiting its evaluation (never current) */
  released?: boolean;
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
  onRestore,
  restoring,
}: {
  versions: VersionRow[];
  current: number;
  rowTestId: string;
  from: number | null;
  to: number | null;
  onCompare: (from: number, to: number) => void;
  /** makes a released version current again (as a new version); absent without the permission */
  onRestore?: (version: number) => void;
  restoring?: boolean;
}) {
  const numbers = versions.map((v) => v.version);
  return (
    <div className="flex flex-col gap-3">
      <div className="overflow-x-auto rounded-md border">
        <table className="w-full text-sm [&_td]:px-3 [&_td]:py-2 [&_td]:align-top [&_th]:h-9 [&_th]:px-3 [&_th]:text-left [&_th]:font-medium [&_th]:text-muted-foreground [&_thead_tr]:border-b [&_tbody_tr]:border-b [&_tbody_tr:last-child]:border-0">
          <thead>
            <tr>
              <th>Version</th>
              <th>Name</th>
              <th>Saved</th>
              <th>Summary</th>
              <th className="w-px text-right whitespace-nowrap">
                <span className="sr-only">Compare</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} data-testid={rowTestId} data-version={v.version}>
                <td className="whitespace-nowrap">
                  v{v.version} {v.version === current ? <Badge tone="accent">current</Badge> : null}
                  {v.released === false ? <Badge>candidate</Badge> : null}
                </td>
                <td>{v.name}</td>
                <td className="whitespace-nowrap">{formatDateTime(v.createdAt)}</td>
                <td className="text-muted-foreground text-sm">{v.summary ?? ""}</td>
                <td className="w-px text-right whitespace-nowrap">
                  {v.version > 1 ? (
                    <Button variant="ghost" size="sm" onClick={() => onCompare(v.version - 1, v.version)}>
                      Changes
                    </Button>
                  ) : null}
                  {onRestore && v.version !== current && v.released !== false ? (
                    <Button
                      variant="ghost"
                      size="sm"
                      disabled={restoring}
                      data-testid="version-restore"
                      title={`Save version ${v.version}'s fields as a new current version`}
                      onClick={() => onRestore(v.version)}
                    >
                      Restore
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {numbers.length > 1 ? (
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-muted-foreground text-sm">Compare</span>
          <select
            aria-label="From version"
            data-testid="version-from"
            className={SMALL_SELECT}
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
            className={SMALL_SELECT}
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

/** A line diff as text: removed lines marked − on red, added + on green, the rest as they are. */
export function DiffLines({ lines, testId }: { lines: DiffLine[]; testId?: string }) {
  return (
    <pre className="max-h-90 overflow-auto rounded-md border bg-card py-1.5 font-mono text-xs leading-relaxed" data-testid={testId}>
      {lines.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the lines of a diff, read-only and in order
        <div key={i} className={cn("px-2.5 break-words whitespace-pre-wrap", LINE_TONES[l.op])} data-op={l.op}>
          <span className="inline-block w-[1.2em] text-muted-foreground select-none" aria-hidden="true">
            {l.op === "add" ? "+" : l.op === "remove" ? "−" : " "}
          </span>
          {l.text || " "}
        </div>
      ))}
    </pre>
  );
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
    <div className="mt-4 flex flex-col gap-3" data-testid={testId} data-from={from} data-to={to}>
      <p className="text-muted-foreground text-sm">
        From v{from} to v{to}: {changes.length === 0 ? "no differences." : `${changes.length} field${changes.length === 1 ? "" : "s"} changed.`}
      </p>
      {changes.map((c) => (
        <div key={c.field} data-testid="diff-field" data-field={c.field}>
          <div className="mb-1 text-sm font-semibold">{labels[c.field] ?? c.field}</div>
          {c.lines ? (
            <DiffLines lines={c.lines} />
          ) : (
            <div className="font-mono text-sm break-words">
              <span className="text-destructive line-through">{show(c.before)}</span>
              <span aria-hidden="true"> → </span>
              <span className="text-success">{show(c.after)}</span>
            </div>
          )}
        </div>
      ))}
    </div>
  );
}

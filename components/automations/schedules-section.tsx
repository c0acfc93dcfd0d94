"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { formatDateTime } from "@/components/ui/format";
import { useActionError } from "@/components/ui/use-action-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { ScheduleOutput } from "@/lib/schemas/schedules";
import { useTRPC } from "@/lib/trpc/react";
import { ScheduleDialog } from "./schedule-form";
import { LastRun } from "./last-run";
import { targetLabel } from "./target-select";

const SKIPPED: Record<string, string> = { overlap: "the previous run was still going", missed: "the server was down", failed: "the run could not start" };

function Actions({ schedule, onEdit, actions }: { schedule: ScheduleOutput; onEdit: () => void; actions: ReturnType<typeof useScheduleActions> }) {
  const confirm = useConfirm();
  return (
    <div className="flex justify-end gap-1">
      <Button variant="ghost" size="sm" onClick={onEdit} data-testid="schedule-edit">
        Edit
      </Button>
      {schedule.status === "active" ? (
        <Button variant="ghost" size="sm" onClick={() => actions.pause.mutate({ scheduleId: schedule.id })} data-testid="schedule-pause">
          Pause
        </Button>
      ) : (
        <Button variant="ghost" size="sm" onClick={() => actions.resume.mutate({ scheduleId: schedule.id })} data-testid="schedule-resume">
          Resume
        </Button>
      )}
      <Button
        variant="ghost"
        size="sm"
        className="text-destructive"
        data-testid="schedule-delete"
        onClick={async () => {
          if (await confirm({ title: `Delete the schedule ${schedule.name}?`, description: "Its runs stay.", confirmLabel: "Delete", destructive: true }))
            actions.remove.mutate({ scheduleId: schedule.id });
        }}
      >
        Delete
      </Button>
    </div>
  );
}

function useScheduleActions() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { error, handlers } = useActionError();
  const refresh = { ...handlers, onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.schedules.list.queryKey() }) };
  return {
    error,
    pause: useMutation(trpc.schedules.pause.mutationOptions(refresh)),
    resume: useMutation(trpc.schedules.resume.mutationOptions(refresh)),
    remove: useMutation(trpc.schedules.delete.mutationOptions(refresh)),
  };
}

/** The workspace's schedules: next run time, last run (a link), status; create, edit, pause, resume, delete. */
export function SchedulesSection() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const canManage = can("schedules:manage") && can("runs:create");
  const list = useQuery(trpc.schedules.list.queryOptions({ limit: 200 }));
  const actions = useScheduleActions();
  const [editing, setEditing] = useState<ScheduleOutput | null>(null);
  const [creating, setCreating] = useState(false);
  const rows = list.data?.items ?? [];
  return (
    <section className="grid gap-3" aria-labelledby="schedules-heading">
      <div className="flex items-center justify-between">
        <h2 id="schedules-heading" className="text-lg font-semibold">
          Schedules
        </h2>
        {canManage ? (
          <Button onClick={() => setCreating(true)} data-testid="schedule-open">
            Create schedule
          </Button>
        ) : null}
      </div>
      {actions.error ? (
        <p role="alert" className="text-sm text-destructive">
          {actions.error}
        </p>
      ) : null}
      {list.isPending ? (
        <p className="text-sm text-muted-foreground">Loading…</p>
      ) : list.isError ? (
        <p role="alert" className="text-sm text-destructive">
          The schedules could not be loaded.
        </p>
      ) : rows.length === 0 ? (
        <p className="text-sm text-muted-foreground" data-testid="schedules-empty">
          No schedules yet.
        </p>
      ) : (
        <div className="overflow-x-auto rounded-md border">
          <table className="w-full text-sm">
            <thead className="bg-muted/50 text-left">
              <tr>
                <th className="px-3 py-2 font-medium">Name</th>
                <th className="px-3 py-2 font-medium">Runs</th>
                <th className="px-3 py-2 font-medium">When</th>
                <th className="px-3 py-2 font-medium">Next run</th>
                <th className="px-3 py-2 font-medium">Last run</th>
                <th className="px-3 py-2 font-medium">Status</th>
                {canManage ? <th className="px-3 py-2 text-right font-medium">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id} className="border-t" data-testid="schedule-row" data-schedule-id={s.id}>
                  <td className="px-3 py-2 font-medium">{s.name}</td>
                  <td className="px-3 py-2">{targetLabel(s)}</td>
                  <td className="px-3 py-2">
                    <code className="font-mono text-xs">{s.cron}</code> <span className="text-muted-foreground">{s.timezone}</span>
                  </td>
                  <td className="px-3 py-2" data-testid="schedule-next">
                    {s.nextRunAt ? formatDateTime(s.nextRunAt) : "—"}
                  </td>
                  <td className="px-3 py-2">
                    <LastRun slug={slug} channel="schedule" row={s} at={s.lastFiredAt} />
                    {s.lastSkipReason && s.lastSkippedAt ? (
                      <span className="block text-xs text-muted-foreground">
                        Skipped {formatDateTime(s.lastSkippedAt)}: {SKIPPED[s.lastSkipReason]}
                        {s.lastError ? ` (${s.lastError})` : ""}
                      </span>
                    ) : null}
                  </td>
                  <td className="px-3 py-2">
                    <Badge tone={s.status === "active" ? "success" : "neutral"} testId="schedule-status">
                      {s.status}
                    </Badge>
                  </td>
                  {canManage ? (
                    <td className="px-3 py-2">
                      <Actions schedule={s} onEdit={() => setEditing(s)} actions={actions} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canManage ? <ScheduleDialog open={creating} onOpenChange={setCreating} /> : null}
      {canManage && editing ? <ScheduleDialog open onOpenChange={(open) => !open && setEditing(null)} schedule={editing} /> : null}
    </section>
  );
}

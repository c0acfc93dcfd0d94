"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { DownloadIcon, Trash2Icon } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { useConfirm } from "@/components/ui/confirm";
import { downloadFile } from "@/components/ui/download";
import {
  applyServerErrors,
  Form,
  FormControl,
  FormDescription,
  FormField,
  FormItem,
  FormLabel,
  FormMessage,
  FormRootError,
  useZodForm,
} from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { MEMORY_SCOPE_ID_MAX, memorySubjectInputSchema, type SubjectErasure } from "@/lib/schemas/memory";
import { useTRPC } from "@/lib/trpc/react";

/** What an erasure removed, in words, in this order (an eraser the page does not know is named by its key). */
const REMOVED_LABELS: Record<string, [one: string, many: string]> = {
  memories: ["memory", "memories"],
  sessions: ["session", "sessions"],
  messages: ["message", "messages"],
  sessionMemories: ["memory of its sessions", "memories of its sessions"],
};

export function removedText(removed: SubjectErasure["removed"]): string {
  const known = Object.keys(REMOVED_LABELS).filter((k) => k in removed);
  const keys = [...known, ...Object.keys(removed).filter((k) => !(k in REMOVED_LABELS))];
  return keys
    .map((k) => {
      const n = removed[k] ?? 0;
      const [one, many] = REMOVED_LABELS[k] ?? [k, k];
      return `${n} ${n === 1 ? one : many}`;
    })
    .join(", ");
}

/** subject-customer-42.json */
export function subjectFileName(subject: string): string {
  return `subject-${subject.replace(/[^A-Za-z0-9_-]+/g, "-")}.json`;
}

type Outcome = { kind: "exported"; subject: string; count: number; truncated: boolean } | { kind: "erased"; erasure: SubjectErasure };

/**
 * A subject's data (a `subject` scope's id, e.g. customer:42): export its memories as a JSON file (memory:read), or
 * erase its memories, sessions and messages after a confirm (memory:delete).
 */
export function MemorySubjects() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const { can } = useWorkspace();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [exporting, setExporting] = useState(false);
  const form = useZodForm(memorySubjectInputSchema, { defaultValues: { subject: "" } });
  const erase = useMutation(
    trpc.memories.eraseSubject.mutationOptions({
      onSuccess: async (erasure) => {
        setOutcome({ kind: "erased", erasure });
        await queryClient.invalidateQueries({ queryKey: trpc.memories.pathKey() });
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );

  const onExport = form.handleSubmit(async ({ subject }) => {
    setOutcome(null);
    setExporting(true);
    try {
      const doc = await queryClient.fetchQuery({ ...trpc.memories.exportSubject.queryOptions({ subject }), staleTime: 0 });
      downloadFile(subjectFileName(doc.subject), "application/json", `${JSON.stringify(doc, null, 2)}\n`);
      setOutcome({ kind: "exported", subject: doc.subject, count: doc.memories.length, truncated: doc.truncated });
    } catch (error) {
      applyServerErrors(form, error);
    } finally {
      setExporting(false);
    }
  });

  const onErase = form.handleSubmit(async ({ subject }) => {
    setOutcome(null);
    const sure = await confirm({
      title: `Erase the subject ${subject}?`,
      description: `This removes the memories, sessions and messages of ${subject} in this workspace, pinned memories too, for good. It cannot be undone.`,
      confirmLabel: "Erase",
      destructive: true,
    });
    if (sure) erase.mutate({ subject });
  });

  return (
    <Card
      title="Subjects"
      description="A subject is someone or something memories are about, the id of a subject scope (e.g. customer:42). Export what the workspace remembers of one, or erase it (for a data subject's request)."
      testId="memory-subjects"
    >
      <Form {...form}>
        <form className="grid max-w-xl gap-4" onSubmit={onExport} noValidate>
          <FormField
            control={form.control}
            name="subject"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Subject id</FormLabel>
                <FormControl>
                  <Input
                    {...field}
                    data-testid="memory-subject-input"
                    maxLength={MEMORY_SCOPE_ID_MAX}
                    spellCheck={false}
                    placeholder="customer:42"
                    onChange={(e) => {
                      field.onChange(e);
                      setOutcome(null);
                    }}
                  />
                </FormControl>
                <FormDescription>Export: its memories as a JSON file. Erase: its memories, sessions and messages.</FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormRootError />
          <div className="flex flex-wrap gap-2">
            <Button type="submit" variant="outline" data-testid="memory-subject-export" disabled={exporting}>
              <DownloadIcon aria-hidden="true" />
              {exporting ? "Exporting…" : "Export"}
            </Button>
            {can("memory:delete") ? (
              <Button type="button" variant="destructive" data-testid="memory-subject-erase" disabled={erase.isPending} onClick={() => void onErase()}>
                <Trash2Icon aria-hidden="true" />
                {erase.isPending ? "Erasing…" : "Erase"}
              </Button>
            ) : null}
          </div>
        </form>
      </Form>
      {outcome?.kind === "exported" ? (
        <p className="mt-4 text-sm" role="status" data-testid="memory-subject-exported">
          Exported {outcome.count} {outcome.count === 1 ? "memory" : "memories"} of {outcome.subject} to {subjectFileName(outcome.subject)}
          {outcome.truncated ? " (truncated: the export holds the newest; there are more)" : ""}.
        </p>
      ) : null}
      {outcome?.kind === "erased" ? (
        <p className="mt-4 text-sm" role="status" data-testid="memory-subject-erased">
          Erased {outcome.erasure.subject}: removed {removedText(outcome.erasure.removed)}.
        </p>
      ) : null}
    </Card>
  );
}

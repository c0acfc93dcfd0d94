"use client";

import { LockIcon, TagIcon } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { LABEL_SCORE_MAX, LABEL_SCORE_MIN, saveLabelInputSchema } from "@/lib/schemas/labels";
import { JUDGE_VERDICTS } from "@/lib/schemas/quality-gate";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Loading } from "@/components/ui/loading";
import { applyServerErrors, Form, FormRootError, useZodForm } from "@/components/ui/form";
import { textareaClasses } from "@/components/ui/textarea";
import { cn } from "@/lib/cn";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { labelKeyAction } from "./label-keys";

type QueueItem = { runId: string; iteration: number; target: string | null; input: string; output: string; criteria: string[] };
const FREE_CRITERION = "quality";

/**
 * The labelling queue: recent outputs I have not labelled, one at a time, driven by the keyboard (label-keys.ts). It
 * shows the run's input and output and the judges' criterion keys, never a judge's verdict or score: people decide
 * without an anchor. Saving takes the output out of my queue.
 */
export function LabellingPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Labelling"
        description="Label outputs the judges scored: your labels measure how well each judge agrees with people. j/k move · p/r/f verdict · 1-5 score · ←/→ criterion · n note · Enter save"
      />
      {can("labels:write") ? (
        <LabellingQueue />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot label outputs in this workspace." />
      )}
    </div>
  );
}

function LabellingQueue() {
  const trpc = useTRPC();
  const queue = useQuery(trpc.labels.queue.queryOptions({ limit: 50 }));
  const [index, setIndex] = useState(0);
  const [saved, setSaved] = useState(0);
  const items = queue.data?.items ?? [];
  const current = items[Math.min(index, Math.max(0, items.length - 1))];
  if (queue.isPending) return <Loading />;
  if (!current) {
    return (
      <EmptyState
        icon={TagIcon}
        title="Nothing to label"
        text={saved ? `You labelled ${saved} output(s). New outputs appear here as runs finish.` : "Outputs of finished runs appear here."}
        testId="label-queue-empty"
      />
    );
  }
  return (
    <LabelForm
      key={`${current.runId}:${current.iteration}`}
      item={current}
      position={`${Math.min(index, items.length - 1) + 1} of ${items.length}`}
      onMove={(by) => setIndex((i) => Math.min(items.length - 1, Math.max(0, i + by)))}
      onSaved={() => setSaved((n) => n + 1)}
      saved={saved}
    />
  );
}

function LabelForm({
  item,
  position,
  onMove,
  onSaved,
  saved,
}: {
  item: QueueItem;
  position: string;
  onMove: (by: 1 | -1) => void;
  onSaved: () => void;
  saved: number;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(saveLabelInputSchema, { defaultValues: { iteration: item.iteration, scores: {}, score: null, note: "" } });
  const criteria = item.criteria.length ? item.criteria : [FREE_CRITERION];
  const [criterion, setCriterion] = useState(0);
  const note = useRef<HTMLTextAreaElement>(null);
  const verdict = form.watch("verdict");
  const scores = form.watch("scores") ?? {};
  const save = useMutation(
    trpc.labels.save.mutationOptions({
      onSuccess: async () => {
        onSaved();
        await queryClient.invalidateQueries({ queryKey: trpc.labels.pathKey() });
      },
      onError: (e) => applyServerErrors(form, e),
    }),
  );
  const submit = form.handleSubmit((values) => save.mutate({ runId: item.runId, ...values }));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement;
      if (typing && e.key === "Escape") (e.target as HTMLElement).blur();
      const action = labelKeyAction(e, typing);
      if (!action) return;
      e.preventDefault();
      if (action.kind === "move") onMove(action.by);
      else if (action.kind === "verdict") form.setValue("verdict", action.verdict, { shouldValidate: true });
      else if (action.kind === "criterion") setCriterion((c) => (c + action.by + criteria.length) % criteria.length);
      else if (action.kind === "score") {
        form.setValue("scores", { ...form.getValues("scores"), [criteria[criterion]!]: action.score });
        setCriterion((c) => Math.min(criteria.length - 1, c + 1));
      } else if (action.kind === "note") note.current?.focus();
      else if (!save.isPending) void submit();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [criteria, criterion, form, onMove, save.isPending, submit]);

  return (
    <Form {...form}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        className="grid gap-4"
        data-testid="label-form"
        data-run={item.runId}
        noValidate
      >
        <div className="flex flex-wrap items-center justify-between gap-2 text-sm text-muted-foreground">
          <span data-testid="label-position">
            {position} · {item.target ?? "run"} · iteration {item.iteration}
          </span>
          <span data-testid="label-saved-count">{saved} labelled</span>
        </div>
        <Card title="Input">
          <pre className="m-0 max-h-48 overflow-auto whitespace-pre-wrap text-sm" data-testid="label-input">
            {item.input}
          </pre>
        </Card>
        <Card title="Output">
          <pre className="m-0 max-h-96 overflow-auto whitespace-pre-wrap text-sm" data-testid="label-output">
            {item.output}
          </pre>
        </Card>
        <Card title="Your label" description="Decide before you look at any judge's verdict.">
          <div className="grid gap-4">
            <fieldset className="flex flex-wrap gap-2" aria-label="Verdict">
              {JUDGE_VERDICTS.map((v) => (
                <Button
                  key={v}
                  type="button"
                  variant={verdict === v ? (v === "fail" ? "destructive" : "default") : "outline"}
                  aria-pressed={verdict === v}
                  data-testid={`label-verdict-${v}`}
                  onClick={() => form.setValue("verdict", v, { shouldValidate: true })}
                >
                  {v} <kbd className="ml-1 text-xs opacity-70">{v[0]}</kbd>
                </Button>
              ))}
              {form.formState.errors.verdict ? (
                <span role="alert" className="text-sm text-destructive">
                  Pick a verdict (p, r or f)
                </span>
              ) : null}
            </fieldset>
            <fieldset className="grid gap-2" aria-label="Scores">
              {criteria.map((key, i) => (
                <div
                  key={key}
                  className={cn("flex items-center gap-2 rounded-md px-2 py-1", i === criterion && "bg-accent")}
                  data-testid="label-criterion"
                  data-key={key}
                >
                  <span className="w-40 text-sm font-medium">{key}</span>
                  {Array.from({ length: LABEL_SCORE_MAX - LABEL_SCORE_MIN + 1 }, (_, s) => s + LABEL_SCORE_MIN).map((s) => (
                    <Button
                      key={s}
                      type="button"
                      size="sm"
                      variant={scores[key] === s ? "default" : "outline"}
                      aria-pressed={scores[key] === s}
                      aria-label={`${key} ${s}`}
                      onClick={() => {
                        setCriterion(i);
                        form.setValue("scores", { ...form.getValues("scores"), [key]: s });
                      }}
                    >
                      {s}
                    </Button>
                  ))}
                </div>
              ))}
            </fieldset>
            <label className="grid gap-1 text-sm">
              <span className="font-medium">Note (n; Esc to leave)</span>
              <textarea
                {...form.register("note")}
                ref={(el) => {
                  form.register("note").ref(el);
                  note.current = el;
                }}
                className={textareaClasses}
                rows={3}
                data-testid="label-note"
              />
            </label>
            <FormRootError />
            <div className="flex flex-wrap gap-2">
              <Button type="submit" disabled={save.isPending} data-testid="label-save">
                Save <kbd className="ml-1 text-xs opacity-70">Enter</kbd>
              </Button>
              <Button type="button" variant="outline" onClick={() => onMove(-1)}>
                Previous <kbd className="ml-1 text-xs opacity-70">k</kbd>
              </Button>
              <Button type="button" variant="outline" onClick={() => onMove(1)} data-testid="label-skip">
                Skip <kbd className="ml-1 text-xs opacity-70">j</kbd>
              </Button>
            </div>
          </div>
        </Card>
      </form>
    </Form>
  );
}

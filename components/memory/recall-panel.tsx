"use client";

import { useMutation } from "@tanstack/react-query";
import { PlusIcon, SearchIcon, XIcon } from "lucide-react";
import type { ReactNode } from "react";
import { type FieldError, useFieldArray, useFormContext, useWatch } from "react-hook-form";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { EmptyState } from "@/components/ui/empty-state";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { textareaClasses } from "@/components/ui/textarea";
import {
  DEFAULT_RECALL_WEIGHTS,
  MEMORY_KINDS,
  MEMORY_SCOPE_ID_MAX,
  MEMORY_SCOPE_TYPES,
  RECALL_K_DEFAULT,
  RECALL_K_MAX,
  type RecallInput,
  type RecallOutput,
  recallInputSchema,
} from "@/lib/schemas/memory";
import { useTRPC } from "@/lib/trpc/react";
import { num, scopeLabel } from "./memory-format";
import { numberField } from "./memory-form";
import { EmbeddingModel } from "./memory-provenance";

type Weights = RecallOutput["weights"];
type Result = RecallOutput["results"][number];

const WEIGHT_FIELDS: { key: keyof Weights; label: string; step: number; hint: string }[] = [
  { key: "vector", label: "Vector weight", step: 0.1, hint: "wv: how much the vector rank counts" },
  { key: "text", label: "Full-text weight", step: 0.1, hint: "wt: how much the full-text rank counts" },
  { key: "rrfK", label: "RRF k", step: 1, hint: "rank fusion's constant: higher flattens the ranks" },
  { key: "recency", label: "Recency weight", step: 0.05, hint: "wr: a boost for recently updated memories" },
  { key: "halfLifeDays", label: "Half-life (days)", step: 1, hint: "recency halves every this many days" },
  { key: "importance", label: "Importance weight", step: 0.05, hint: "wi: a boost for important (or pinned) memories" },
];

/** The scopes to search: rows of a type and (but for the workspace) its id. */
function ScopeRows() {
  const { control, register, formState, setValue } = useFormContext<RecallInput>();
  const rows = useFieldArray({ control, name: "scopes" });
  const scopes = (useWatch({ control, name: "scopes" }) ?? []) as { type: string; id?: string | null }[];
  const rowErrors = (formState.errors.scopes ?? []) as ({ id?: FieldError; type?: FieldError } | undefined)[];
  const listError =
    (formState.errors.scopes as FieldError | undefined)?.message ?? (formState.errors.scopes as { root?: FieldError } | undefined)?.root?.message;
  return (
    <fieldset className="m-0 grid min-w-0 gap-2 border-0 p-0" data-testid="recall-scopes">
      <legend className="mb-2 text-sm font-medium">Scopes</legend>
      {rows.fields.map((row, i) => {
        const type = scopes[i]?.type ?? "workspace";
        return (
          <div key={row.id} className="grid gap-1" data-testid="recall-scope-row">
            <div className="flex flex-wrap items-center gap-2">
              <select
                aria-label={`Scope ${i + 1} type`}
                data-testid="recall-scope-type"
                className={`${SELECT_CLASS} w-36`}
                {...register(`scopes.${i}.type`, {
                  onChange: (e: { target: { value: string } }) => {
                    if (e.target.value === "workspace") setValue(`scopes.${i}.id`, null);
                  },
                })}
              >
                {MEMORY_SCOPE_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              {type !== "workspace" ? (
                <Input
                  aria-label={`Scope ${i + 1} id`}
                  data-testid="recall-scope-id"
                  className="w-56"
                  maxLength={MEMORY_SCOPE_ID_MAX}
                  spellCheck={false}
                  placeholder={type === "subject" ? "customer:42" : `the ${type}'s id`}
                  aria-invalid={rowErrors[i]?.id ? true : undefined}
                  {...register(`scopes.${i}.id`, { setValueAs: (v: unknown) => (v === "" || v === undefined ? null : v) })}
                />
              ) : null}
              {rows.fields.length > 1 ? (
                <Button type="button" size="icon" variant="ghost" aria-label={`Remove scope ${i + 1}`} onClick={() => rows.remove(i)}>
                  <XIcon aria-hidden="true" />
                </Button>
              ) : null}
            </div>
            {rowErrors[i]?.id?.message ? <p className="text-sm text-destructive">{rowErrors[i]?.id?.message}</p> : null}
          </div>
        );
      })}
      {listError ? <p className="text-sm text-destructive">{listError}</p> : null}
      <div>
        <Button type="button" size="sm" variant="outline" data-testid="recall-scope-add" onClick={() => rows.append({ type: "subject", id: null })}>
          <PlusIcon aria-hidden="true" /> Add scope
        </Button>
      </div>
    </fieldset>
  );
}

/** Only these kinds (none ticked: every kind). */
function KindBoxes() {
  return (
    <FormField<RecallInput, "kinds">
      name="kinds"
      render={({ field }) => {
        const chosen = field.value ?? [];
        return (
          <fieldset className="m-0 grid min-w-0 gap-2 border-0 p-0">
            <legend className="mb-2 text-sm font-medium">Kinds</legend>
            <div className="flex flex-wrap gap-4">
              {MEMORY_KINDS.map((k) => (
                <Label key={k} className="font-normal">
                  <Checkbox
                    data-testid={`recall-kind-${k}`}
                    checked={chosen.includes(k)}
                    onCheckedChange={(on) => field.onChange(MEMORY_KINDS.filter((x) => (x === k ? on === true : chosen.includes(x))))}
                  />
                  {k}
                </Label>
              ))}
            </div>
            <p className="text-sm text-muted-foreground">None ticked: every kind.</p>
          </fieldset>
        );
      }}
    />
  );
}

/** Overrides of the recall formula's weights; a blank field keeps the default (shown as its placeholder). */
function WeightFields() {
  return (
    <details className="rounded-md border px-3 py-2" data-testid="recall-weights">
      <summary className="cursor-pointer text-sm font-medium">Weights (optional overrides)</summary>
      <p className="mt-2 text-sm text-muted-foreground">
        score = (wv / (k + vector rank) + wt / (k + text rank)) × (1 + wr × recency + wi × importance); recency = 0.5 ^ (days since the last update /
        half-life). Blank: the default.
      </p>
      <div className="mt-3 grid gap-3 sm:grid-cols-3">
        {WEIGHT_FIELDS.map((w) => (
          <FormField<RecallInput, `weights.${keyof Weights}`>
            key={w.key}
            name={`weights.${w.key}`}
            render={({ field }) => (
              <FormItem>
                <FormLabel>{w.label}</FormLabel>
                <FormControl>
                  <Input
                    {...numberField(field)}
                    data-testid={`recall-weight-${w.key}`}
                    min={0}
                    step={w.step}
                    placeholder={String(DEFAULT_RECALL_WEIGHTS[w.key])}
                    title={w.hint}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
        ))}
      </div>
    </details>
  );
}

function Row({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="contents">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

/** Why a memory ranked where it did: each search's rank and part, the fusion, the adjustments, the score's sum. */
export function RecallExplanation({ why, weights, pinned }: { why: Result["why"]; weights: Weights; pinned: boolean }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="recall-why">
      <Row label="Vector" testId="recall-why-vector">
        {why.vectorRank === null ? (
          <span className="text-muted-foreground">not among the nearest vectors (adds 0)</span>
        ) : (
          <>
            rank {why.vectorRank}, cosine distance {num(why.vectorDistance)} → {num(weights.vector)} / ({num(weights.rrfK)} + {why.vectorRank}) ={" "}
            {num(why.vectorPart)}
          </>
        )}
      </Row>
      <Row label="Full text" testId="recall-why-text">
        {why.textRank === null ? (
          <span className="text-muted-foreground">no full-text match (adds 0)</span>
        ) : (
          <>
            rank {why.textRank}, text score {num(why.textScore)} → {num(weights.text)} / ({num(weights.rrfK)} + {why.textRank}) = {num(why.textPart)}
          </>
        )}
      </Row>
      <Row label="Fused" testId="recall-why-fused">
        {num(why.vectorPart)} + {num(why.textPart)} = {num(why.fused)}
      </Row>
      <Row label="Recency" testId="recall-why-recency">
        {num(why.recency, 3)} (half-life {num(weights.halfLifeDays)} days)
      </Row>
      <Row label="Importance" testId="recall-why-importance">
        {num(why.importance, 3)}
        {pinned ? " (pinned counts as 1)" : ""}
      </Row>
      <Row label="Score" testId="recall-why-score">
        {num(why.fused)} × (1 + {num(weights.recency)} × {num(why.recency, 3)} + {num(weights.importance)} × {num(why.importance, 3)}) ={" "}
        <strong>{num(why.score)}</strong>
      </Row>
    </dl>
  );
}

/** What recall returned: the model the query was embedded with (and whether it was simulated), then each result ranked. */
export function RecallResults({ result }: { result: RecallOutput }) {
  return (
    <div className="grid gap-4" data-testid="recall-results">
      <div className="grid gap-1 text-sm">
        <span className="flex flex-wrap items-center gap-2">
          Query embedded with <EmbeddingModel model={result.embeddingModel} />
        </span>
        {result.simulated ? (
          <p className="text-muted-foreground" data-testid="recall-simulated">
            Simulated: no provider with an embedding model, so the offline simulator embedded the query. Its vectors are lexical (shared words), not semantic: a
            memory that says the same thing in other words ranks low.
          </p>
        ) : null}
        <p className="text-muted-foreground">
          {result.models.length > 1
            ? "The scopes use different embedding models: the query was embedded once per model, and each scope's memories were compared only with the query embedded by their own model (memories not yet re-embedded after a change are found by their words only)."
            : "Only memories embedded with this model were compared (memories not yet re-embedded after a change of the scope's model are found by their words only)."}
        </p>
      </div>
      {result.results.length === 0 ? (
        <EmptyState
          icon={SearchIcon}
          testId="recall-none"
          title="Nothing recalled."
          text="No memory of these scopes matched the query by vector or full text."
        />
      ) : (
        <ol className="m-0 grid list-none gap-3 p-0">
          {result.results.map((r, i) => (
            <li key={r.memory.id} className="grid gap-3 rounded-lg border bg-card p-4" data-testid="recall-result" data-memory-id={r.memory.id}>
              <div className="flex flex-wrap items-start justify-between gap-2">
                <div className="flex min-w-0 flex-1 items-start gap-3">
                  <span className="font-mono text-sm font-semibold text-muted-foreground" aria-hidden="true">
                    #{i + 1}
                  </span>
                  <p className="min-w-0 text-sm whitespace-pre-wrap break-words" data-testid="recall-content">
                    {r.memory.content}
                  </p>
                </div>
                <span className="text-sm" data-testid="recall-score">
                  score <strong>{num(r.why.score)}</strong>
                </span>
              </div>
              <div className="flex flex-wrap items-center gap-2 text-xs">
                <Badge tone="info">{scopeLabel(r.memory.scope)}</Badge>
                <Badge tone="neutral">{r.memory.kind}</Badge>
                <span>importance {num(r.memory.importance, 2)}</span>
                {r.memory.pinned ? <Badge tone="accent">pinned</Badge> : null}
              </div>
              <RecallExplanation why={r.why} weights={result.weights} pinned={r.memory.pinned} />
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/**
 * Test recall: what an agent asking this would get (memories.recall). The query is embedded (a model call, in usage)
 * and the memories returned are marked as recalled.
 */
export function RecallPanel() {
  const trpc = useTRPC();
  const form = useZodForm(recallInputSchema, { defaultValues: { query: "", scopes: [{ type: "workspace", id: null }], k: RECALL_K_DEFAULT, weights: {} } });
  const recall = useMutation(trpc.memories.recall.mutationOptions({ onError: (error) => applyServerErrors(form, error) }));
  const run = form.handleSubmit((values) => {
    const weights = Object.fromEntries(Object.entries(values.weights ?? {}).filter(([, v]) => v !== undefined));
    recall.mutate({
      ...values,
      kinds: values.kinds && values.kinds.length > 0 ? values.kinds : undefined,
      weights: Object.keys(weights).length > 0 ? weights : undefined,
    });
  });
  return (
    <div className="grid gap-6">
      <Card
        title="Test recall"
        description="What an agent would get for this query: hybrid recall (vector and full text, fused, then adjusted for recency and importance) over the scopes chosen. It embeds the query (a model call, in usage) and marks the memories returned as recalled."
        testId="recall-card"
      >
        <Form {...form}>
          <form className="grid gap-4" onSubmit={run} noValidate data-testid="recall-form">
            <FormField
              control={form.control}
              name="query"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Query</FormLabel>
                  <FormControl>
                    <textarea
                      {...field}
                      data-testid="recall-query"
                      className={textareaClasses}
                      rows={2}
                      maxLength={2000}
                      placeholder="How does customer 42 want to be contacted?"
                    />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
            <ScopeRows />
            <div className="flex flex-wrap items-start gap-6">
              <FormField
                control={form.control}
                name="k"
                render={({ field }) => (
                  <FormItem className="w-32">
                    <FormLabel>Results (k)</FormLabel>
                    <FormControl>
                      <Input {...numberField(field)} data-testid="recall-k" min={1} max={RECALL_K_MAX} step={1} />
                    </FormControl>
                    <FormMessage />
                  </FormItem>
                )}
              />
              <KindBoxes />
            </div>
            <WeightFields />
            <FormRootError />
            <div>
              <Button type="submit" data-testid="recall-submit" disabled={recall.isPending}>
                <SearchIcon aria-hidden="true" /> {recall.isPending ? "Recalling…" : "Recall"}
              </Button>
            </div>
          </form>
        </Form>
      </Card>
      {recall.data ? <RecallResults result={recall.data} /> : null}
    </div>
  );
}

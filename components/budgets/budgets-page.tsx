"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { formatUsd } from "@/lib/usd";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
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
import { budgetLimitsFormSchema } from "@/lib/schemas/usage";
import { cn } from "@/lib/cn";

type Budget = inferRouterOutputs<AppRouter>["budgets"]["get"];

/** The month's spend in figures, above the bar. */
const FIGURE = "mb-2.5 text-[1.05rem]";
const BAR_TONES = { ok: "bg-primary", alert: "bg-warning", exceeded: "bg-destructive" } as const;

function MonthToDate() {
  const trpc = useTRPC();
  const status = useQuery(trpc.budgets.status.queryOptions());
  const s = status.data;
  const monthName = s ? s.monthStart.toLocaleDateString("en-US", { month: "long", year: "numeric", timeZone: "UTC" }) : "";
  return (
    <Card title="This month" description={s ? `${monthName}, calendar month in UTC (since ${formatDate(s.monthStart)})` : undefined}>
      <FormError message={status.isError ? errorMessage(status.error) : null} />
      {!s ? (
        status.isPending ? (
          <Loading />
        ) : null
      ) : s.monthlyLimitUsd === null ? (
        <div data-testid="budget-progress" data-state="no-limit">
          <p className={FIGURE}>
            <strong className="text-2xl" data-testid="budget-spent">
              {formatUsd(s.spentUsd)}
            </strong>{" "}
            spent this month
          </p>
          <p className="text-muted-foreground">No monthly limit: calls are never refused for the workspace&apos;s spend.</p>
        </div>
      ) : (
        <MonthProgress
          spent={s.spentUsd}
          limit={s.monthlyLimitUsd}
          fraction={s.fraction ?? 0}
          threshold={s.alertThreshold}
          alert={s.alert}
          exceeded={s.exceeded}
          remaining={s.remainingUsd ?? 0}
        />
      )}
    </Card>
  );
}

function MonthProgress(props: { spent: number; limit: number; fraction: number; threshold: number; alert: boolean; exceeded: boolean; remaining: number }) {
  const percent = Math.min(100, Math.max(0, props.fraction * 100));
  const state = props.exceeded ? "exceeded" : props.alert ? "alert" : "ok";
  return (
    <div>
      <p className={FIGURE}>
        <strong className="text-2xl" data-testid="budget-spent">
          {formatUsd(props.spent)}
        </strong>{" "}
        of {formatUsd(props.limit)} ({Math.floor(props.fraction * 100)}%)
        <span className="text-muted-foreground"> · {formatUsd(props.remaining)} left</span>
      </p>
      <div
        className="relative mb-2 h-3 overflow-hidden rounded-full border bg-muted"
        data-testid="budget-progress"
        data-state={state}
        role="progressbar"
        aria-label="Monthly budget used"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
      >
        <div className={cn("h-full rounded-full transition-[width] duration-300", BAR_TONES[state])} style={{ width: `${percent}%` }} />
        <div
          className="absolute inset-y-0 -ml-px w-0.5 bg-muted-foreground"
          style={{ left: `${props.threshold * 100}%` }}
          title={`Alert at ${Math.round(props.threshold * 100)}%`}
        />
      </div>
      <p className="text-muted-foreground text-sm">
        {props.exceeded
          ? "The limit is reached: calls that cost money are refused until the month ends or the limit is raised."
          : `A warning shows across the workspace from ${Math.round(props.threshold * 100)}% on.`}
      </p>
    </div>
  );
}

const amountText = (v: number | null) => (v === null ? "" : String(v));
const formValues = (b: Pick<Budget, "monthlyLimitUsd" | "perRunLimitUsd" | "alertThreshold">) => ({
  monthlyLimitUsd: amountText(b.monthlyLimitUsd),
  perRunLimitUsd: amountText(b.perRunLimitUsd),
  alertPercent: String(Math.round(b.alertThreshold * 100)),
});

const LIMIT_FIELDS = [
  {
    name: "monthlyLimitUsd",
    label: "Monthly limit (USD)",
    testId: "budget-monthly",
    hint: "For the workspace, per calendar month (UTC). Empty: no limit.",
  },
  {
    name: "perRunLimitUsd",
    label: "Limit per run (USD)",
    testId: "budget-per-run",
    hint: "The default for every run; a run may set its own. Empty: no limit.",
  },
] as const;

function LimitsForm({ budget }: { budget: Budget }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = can("budgets:update");
  const form = useZodForm(budgetLimitsFormSchema, { defaultValues: formValues(budget) });
  const [saved, setSaved] = useState(false);

  const update = useMutation(
    trpc.budgets.update.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async (stored) => {
        form.reset(formValues(stored));
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.budgets.pathKey() });
      },
      // the server's alertThreshold is the form's percent
      onError: (error) => applyServerErrors(form, error, (path) => (path === "alertThreshold" ? "alertPercent" : undefined)),
    }),
  );

  return (
    <Card
      title="Limits"
      description={
        editable
          ? "Every model call is checked before it runs, with its worst-case cost: a call that would cross a limit is refused and nothing is spent."
          : "Only owners and admins can change the limits."
      }
    >
      <Form {...form}>
        <form className="grid gap-4 max-w-xl" onSubmit={form.handleSubmit((values) => update.mutate(values))} onChange={() => setSaved(false)} noValidate>
          {LIMIT_FIELDS.map((f) => (
            <FormField
              key={f.name}
              control={form.control}
              name={f.name}
              render={({ field }) => (
                <FormItem className="min-w-36 gap-1.5">
                  <FormLabel>{f.label}</FormLabel>
                  <FormControl>
                    <Input
                      {...field}
                      value={String(field.value ?? "")}
                      data-testid={f.testId}
                      type="number"
                      inputMode="decimal"
                      min={0}
                      step="0.01"
                      placeholder="No limit"
                      readOnly={!editable}
                    />
                  </FormControl>
                  <FormDescription className="text-xs">{f.hint}</FormDescription>
                  <FormMessage />
                </FormItem>
              )}
            />
          ))}
          <FormField
            control={form.control}
            name="alertPercent"
            render={({ field }) => (
              <FormItem className="min-w-36 gap-1.5">
                <FormLabel>Alert at (% of the monthly limit)</FormLabel>
                <FormControl>
                  <Input
                    {...field}
                    value={String(field.value ?? "")}
                    data-testid="budget-threshold"
                    type="number"
                    inputMode="numeric"
                    min={50}
                    max={100}
                    step={1}
                    readOnly={!editable}
                  />
                </FormControl>
                <FormDescription className="text-xs">Between 50 and 100.</FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormRootError />
          {editable ? (
            <div className="flex flex-wrap items-center gap-2">
              <Button type="submit" data-testid="budget-save" disabled={update.isPending}>
                {update.isPending ? "Saving…" : "Save limits"}
              </Button>
              {saved ? (
                <span className="font-medium text-success" data-testid="budget-saved">
                  Saved
                </span>
              ) : null}
            </div>
          ) : null}
          {budget.updatedAt ? <p className="text-muted-foreground text-sm">Last changed {formatDateTime(budget.updatedAt)}.</p> : null}
        </form>
      </Form>
    </Card>
  );
}

function Limits() {
  const trpc = useTRPC();
  const budget = useQuery(trpc.budgets.get.queryOptions());
  if (budget.isError) return <FormError message={errorMessage(budget.error)} />;
  if (!budget.data) return <Loading />;
  return <LimitsForm budget={budget.data} />;
}

export function BudgetsPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <h1 className="text-2xl font-semibold tracking-tight">Budgets</h1>
      </div>
      {can("budgets:read") ? (
        <>
          <MonthToDate />
          <Limits />
        </>
      ) : (
        <NoAccess>Your role cannot see this workspace&apos;s budgets.</NoAccess>
      )}
    </div>
  );
}

"use client";

import { useState, type FormEvent } from "react";
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
import { inputClasses } from "@/components/ui/input";
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

function parseAmount(text: string, what: string): { value: number | null } | { error: string } {
  const t = text.trim().replace(/^\$/, "");
  if (t === "") return { value: null };
  const n = Number(t);
  if (!Number.isFinite(n)) return { error: `Enter the ${what} in USD, or leave it empty for no limit` };
  if (n < 0) return { error: `The ${what} cannot be negative` };
  return { value: n };
}

function LimitsForm({ budget }: { budget: Budget }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = can("budgets:update");
  const [monthly, setMonthly] = useState(amountText(budget.monthlyLimitUsd));
  const [perRun, setPerRun] = useState(amountText(budget.perRunLimitUsd));
  const [threshold, setThreshold] = useState(String(Math.round(budget.alertThreshold * 100)));
  const [localError, setLocalError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const update = useMutation(
    trpc.budgets.update.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async (stored) => {
        setMonthly(amountText(stored.monthlyLimitUsd));
        setPerRun(amountText(stored.perRunLimitUsd));
        setThreshold(String(Math.round(stored.alertThreshold * 100)));
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.budgets.pathKey() });
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    setSaved(false);
    const m = parseAmount(monthly, "monthly limit");
    if ("error" in m) return setLocalError(m.error);
    const r = parseAmount(perRun, "per-run limit");
    if ("error" in r) return setLocalError(r.error);
    const pct = Number(threshold);
    if (!Number.isFinite(pct) || pct < 50 || pct > 100) return setLocalError("The alert threshold is between 50% and 100%");
    update.mutate({ monthlyLimitUsd: m.value, perRunLimitUsd: r.value, alertThreshold: Math.round(pct) / 100 });
  }

  return (
    <Card
      title="Limits"
      description={
        editable
          ? "Every model call is checked before it runs, with its worst-case cost: a call that would cross a limit is refused and nothing is spent."
          : "Only owners and admins can change the limits."
      }
    >
      <form className="grid gap-4 max-w-xl" onSubmit={onSubmit} noValidate>
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor="budget-monthly">
            Monthly limit (USD)
          </label>
          <input
            className={inputClasses}
            id="budget-monthly"
            data-testid="budget-monthly"
            type="number"
            inputMode="decimal"
            min={0}
            step="0.01"
            placeholder="No limit"
            readOnly={!editable}
            value={monthly}
            onChange={(e) => {
              setMonthly(e.target.value);
              setSaved(false);
            }}
          />
          <div className="text-xs text-muted-foreground">For the workspace, per calendar month (UTC). Empty: no limit.</div>
        </div>
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor="budget-per-run">
            Limit per run (USD)
          </label>
          <input
            className={inputClasses}
            id="budget-per-run"
            data-testid="budget-per-run"
            type="number"
            inputMode="decimal"
            min={0}
            step="0.01"
            placeholder="No limit"
            readOnly={!editable}
            value={perRun}
            onChange={(e) => {
              setPerRun(e.target.value);
              setSaved(false);
            }}
          />
          <div className="text-xs text-muted-foreground">The default for every run; a run may set its own. Empty: no limit.</div>
        </div>
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor="budget-threshold">
            Alert at (% of the monthly limit)
          </label>
          <input
            className={inputClasses}
            id="budget-threshold"
            data-testid="budget-threshold"
            type="number"
            inputMode="numeric"
            min={50}
            max={100}
            step={1}
            readOnly={!editable}
            value={threshold}
            onChange={(e) => {
              setThreshold(e.target.value);
              setSaved(false);
            }}
          />
          <div className="text-xs text-muted-foreground">Between 50 and 100.</div>
        </div>
        <FormError message={localError ?? (update.error ? errorMessage(update.error) : null)} />
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

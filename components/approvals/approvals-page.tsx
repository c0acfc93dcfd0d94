"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { HistoryIcon, ShieldCheckIcon } from "lucide-react";
import { type ReactNode, useEffect, useState } from "react";
import { EmptyState } from "@/components/ui/empty-state";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { PageHeader } from "@/components/ui/page-header";
import { LoadMore, nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { ApprovalListFilter } from "@/lib/schemas/approvals";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { ApprovalCard } from "./approval-card";
import { APPROVALS_REFRESH_MS } from "./pending-count";

const PAGE_SIZE = 20;

/** The clock the "time left" of pending requests is shown against (ticks every half minute). */
function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function ApprovalList({ status, now, empty }: { status: Exclude<ApprovalListFilter, "all">; now: Date; empty: ReactNode }) {
  const trpc = useTRPC();
  const list = usePagedList(
    useInfiniteQuery({
      ...trpc.approvals.list.infiniteQueryOptions({ status, limit: PAGE_SIZE }, { getNextPageParam: nextPageParam }),
      refetchInterval: status === "pending" ? APPROVALS_REFRESH_MS : false,
    }),
  );
  if (list.isPending) return <Loading />;
  if (list.isError) return <FormError message={errorMessage(list.error)} />;
  if (list.data!.length === 0) return empty;
  return (
    <div className="grid gap-3">
      {list.data!.map((approval) => (
        <ApprovalCard key={approval.id} approval={approval} now={now} />
      ))}
      <LoadMore list={list} testId={`approvals-more-${status}`} />
    </div>
  );
}

/**
 * The approvals inbox: tool calls that wait for a person (pending first, each with its time left), then the decided
 * ones. Approving lets the run go on with the call; denying (with an optional note) tells the agent it was refused; a
 * request nobody decides expires as a denial.
 */
export function ApprovalsPage() {
  const { can } = useWorkspace();
  const now = useNow();
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Approvals"
        description="Tool calls that wait for a person before they run. Approve to let the run go on with the call; deny (with an optional note) to tell the agent it was refused. A request nobody decides expires after 24 hours, as a denial."
      />
      {can("tools:read") ? (
        <>
          <section className="grid gap-3" aria-labelledby="approvals-pending-title" data-testid="approvals-pending">
            <h2 id="approvals-pending-title" className="text-base font-semibold">
              Waiting for a decision
            </h2>
            <ApprovalList
              status="pending"
              now={now}
              empty={
                <EmptyState
                  icon={ShieldCheckIcon}
                  testId="approvals-empty"
                  title="Nothing waits for approval"
                  text="When an agent calls a tool whose policy asks for approval, the call waits here and its run pauses until someone decides."
                />
              }
            />
          </section>
          <section className="grid gap-3" aria-labelledby="approvals-decided-title" data-testid="approvals-decided">
            <h2 id="approvals-decided-title" className="text-base font-semibold">
              Decided
            </h2>
            <ApprovalList
              status="decided"
              now={now}
              empty={<EmptyState icon={HistoryIcon} testId="approvals-history-empty" title="No decisions yet" className="p-6" />}
            />
          </section>
        </>
      ) : (
        <EmptyState icon={ShieldCheckIcon} testId="no-access" title="No access" text="Your role cannot see the tool calls of this workspace." />
      )}
    </div>
  );
}

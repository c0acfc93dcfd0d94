"use client";

import { LockIcon } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { SchedulesSection } from "./schedules-section";
import { TriggersSection } from "./triggers-section";

/** "Schedules & triggers": runs that start without a person, on a schedule or from a signed webhook. */
export function AutomationsPage() {
  const { can } = useWorkspace();
  const schedules = can("schedules:read");
  const triggers = can("triggers:read");
  return (
    <div className="flex flex-col gap-8">
      <PageHeader
        className="pb-0"
        title="Schedules & triggers"
        description="Start runs of an agent or a team without anyone pressing a button: at the times of a cron expression, or when a signed webhook arrives. The runs execute with their creator's role."
      />
      {schedules ? <SchedulesSection /> : null}
      {triggers ? <TriggersSection /> : null}
      {!schedules && !triggers ? (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the schedules and triggers of this workspace." />
      ) : null}
    </div>
  );
}

"use client";

import { NoAccess } from "@/components/ui/loading";
import { PageHeader } from "@/components/ui/page-header";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { PresetsEditor } from "./presets-editor";
import { RouteTester } from "./route-tester";

export function RoutingPage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      <PageHeader title="Routing" description="Try how a policy picks a model, and keep the presets agents and runs choose from." />
      {can("models:read") ? (
        <>
          <RouteTester />
          <PresetsEditor />
        </>
      ) : (
        <NoAccess>Your role cannot see the model routing of this workspace.</NoAccess>
      )}
    </div>
  );
}

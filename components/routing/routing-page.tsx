"use client";

import { NoAccess } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { PresetsEditor } from "./presets-editor";
import { RouteTester } from "./route-tester";

export function RoutingPage() {
  const { can } = useWorkspace();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Routing</h1>
      </div>
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

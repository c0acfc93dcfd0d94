"use client";

import { useWorkspace } from "@/components/workspace/workspace-context";
import { LimitSetting } from "./limit-setting";

/** The step limit per run: the workspace's own, or the server's default when left empty. */
export function RunLimits() {
  const { workspace } = useWorkspace();
  return (
    <LimitSetting
      field="runStepLimit"
      current={workspace.runStepLimit}
      serverDefault={workspace.runStepLimitDefault}
      max={workspace.runStepLimitMax}
      title="Steps per run"
      description={`The most steps one run may make. A team whose worst case (every round, iteration and fan-out to its bound, nested teams included) is above it cannot be saved or started, and a run stops when it reaches it. Server default: ${workspace.runStepLimitDefault}; at most ${workspace.runStepLimitMax}.`}
      label="Step limit per run"
      id="settings-run-step-limit"
    />
  );
}

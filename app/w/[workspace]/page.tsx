import { WorkspaceOverview } from "@/components/workspace/overview";

export default function WorkspaceOverviewPage() {
  return <WorkspaceOverview />;
}

import { OverviewPage } from "@/components/overview/overview-page";

export default function WorkspaceOverviewPage() {
  return <OverviewPage />;
}

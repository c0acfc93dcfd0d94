import type { Metadata } from "next";
import { TeamDetailPage } from "@/components/teams/team-detail-page";

export const metadata: Metadata = { title: "Team" };

export default async function Page({ params }: { params: Promise<{ team: string }> }) {
  const { team } = await params;
  return <TeamDetailPage team={decodeURIComponent(team)} />;
}

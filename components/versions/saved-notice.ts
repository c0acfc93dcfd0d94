/** The notice after a save of an agent or team: a new version, a candidate awaiting its evaluation, or no change. */
export function savedNotice(saved: { currentVersion: number; latestVersion: number }, baseVersion: number | undefined): string {
  if (saved.latestVersion === baseVersion) return `No changes: identical to version ${saved.latestVersion}.`;
  if (saved.latestVersion !== saved.currentVersion)
    return `Saved as version ${saved.latestVersion}, a candidate: runs keep version ${saved.currentVersion} until its evaluation passes.`;
  return `Saved as version ${saved.latestVersion}.`;
}

/** Where an operator command (`npm run cadre -- …`, scripts/cadre.ts) writes its lines: stdout and stderr, or a test's capture. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

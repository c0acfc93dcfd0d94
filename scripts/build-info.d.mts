/** Types of scripts/build-info.mjs (plain JavaScript, run without a TypeScript loader). */
export declare const STAMP_FILE: string;
export declare function currentCommit(root?: string): string;
export declare function migrationNames(root?: string): string[];
export declare function migrationsHash(root?: string): string;
export interface BuildStamp {
  commit: string;
  migrations: string;
  migrationCount: number;
  nextBuildId: string;
  builtAt: string;
}
export declare function readStamp(root?: string): BuildStamp | undefined;
export declare function buildMismatch(root?: string): string | undefined;
